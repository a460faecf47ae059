/**
 * The Transport contract over Apache Kafka, one topic per node (its inbox). Phases become barriers
 * (bulk-synchronous, as in BSP): at each barrier every process publishes what it sent in the
 * phase, its events, and an announcement on the control topic with how many messages it sent to
 * each process; each process then waits for every announcement and for exactly the messages
 * counted for it (barrier-ledger.ts), and delivers them in canonical order. So the run is the same
 * as in memory, whatever the arrival order. Every record is signed (record-auth.ts) and must come
 * from the process hosting the node it speaks for; anything else is counted and dropped.
 */
import { InvariantError, UserError } from '../../core/errors.ts';
import { sortCanonical, type Envelope, type Transport } from '../transport.ts';
import type { KafkaIo, KafkaRecord } from './kafka-io.ts';
import { Arrivals, realClock, type Clock } from '../../engine/clock.ts';
import { BarrierLedger } from './barrier-ledger.ts';
import type { RecordAuth } from './record-auth.ts';
import type { TopicLayout } from './topic-layout.ts';

/** Turns values into record payloads and back; `decode` returns null for anything invalid. */
export interface Codec<T> {
  encode(x: T): unknown;
  decode(raw: unknown): T | null;
}

/** An event emitted by a node: ordered by (node, seq) when applied. */
export interface NodeTagged {
  node: number;
  seq: number;
}

export function runTopics(prefix: string) {
  return {
    node: (id: number) => `${prefix}.node.${id}`,
    /** A process's inbox in the partitioned layout (topic-layout.ts), by its sender id. */
    inbox: (sender: string) => `${prefix}.inbox.${sender}`,
    control: `${prefix}.control`,
    events: `${prefix}.events`,
    vmMetrics: `${prefix}.vm-metrics`,
  };
}

/**
 * A barrier announcement on the control topic: process `p` sent `sent[q]` messages to process q
 * during phase `b`, emitted `events` events and saw `invalid` malformed records.
 */
export interface PhaseRecord {
  k: 'phase';
  b: number;
  p: number;
  sent: number[];
  events: number;
  invalid: number;
}

/** Driver → all: process `p` is lost from barrier `b` on (`--tolerate-host-loss`). */
export interface LostRecord {
  k: 'lost';
  p: number;
  b: number;
}

export interface TransportKafkaOptions<M, E, C extends { k: string }> {
  io: KafkaIo;
  /** Topic prefix of the run, e.g. `qossip.<run id>`. */
  prefix: string;
  /** This process's index among `processCount` (0 = the experiment driver). */
  process: number;
  processCount: number;
  /** Process hosting each node. */
  hostOf: Int32Array;
  /** Signs this process's records and checks everyone's, with the run's secret. */
  auth: RecordAuth;
  /** Sender id (record-auth.ts) of each process, in process order. */
  senders: readonly string[];
  /** Where node inboxes are (topic-layout.ts); default one topic per node. */
  layout?: TopicLayout;
  messageCodec: Codec<M>;
  eventCodec: Codec<E>;
  /** Longest wait for a barrier, in ms, before the run stops with an error naming who is missing. */
  barrierTimeoutMs: number;
  /** Most records buffered for barriers this process has not begun (default 10⁶). */
  maxFutureRecords?: number;
  /** Driver: receives all events of each barrier interval, sorted by (node, seq), and invalid-record counts. */
  onEvents?: (events: E[], invalidRecords: number) => void;
  /** Names a process in error messages, e.g. "node host 1 (nodes 50–99)". */
  describeProcess?: (process: number) => string;
  /**
   * Validates a control record (the run-control protocol's schemas, nodes/run-control.ts);
   * null for a malformed one, which is counted and dropped like a malformed message.
   */
  decodeControl: (raw: unknown) => C | PhaseRecord | LostRecord | null;
  /**
   * Called with each authentic, valid control record that is not a barrier announcement (run
   * start, steps, end), its sender id and sequence number; returns false when that sender may not
   * say it (counted invalid).
   */
  onControl?: (record: C, sender: string, seq: number) => boolean;
  /** Time source for barrier timeouts (default: the real clock). */
  clock?: Clock;
  /**
   * A node host still silent at a barrier's deadline is declared lost there by the driver (a
   * `lost` record to all) instead of stopping the run; every process then stops waiting for it.
   * Every process of the run must be given the same value.
   */
  tolerateHostLoss?: boolean;
  /**
   * Told when a process is lost from barrier `b` on (every process hears it; this process too,
   * after its barriers began to fail, when it is the one declared lost).
   */
  onLost?: (process: number, barrier: number) => void;
}

export class TransportKafka<
  M extends Envelope,
  E extends NodeTagged,
  C extends { k: string },
> implements Transport<M> {
  readonly topics: ReturnType<typeof runTopics>;
  private barrier = 0;
  /** Sent and emitted since the last barrier. */
  private outbox: M[] = [];
  private eventsOut: E[] = [];
  private sentTo: number[];
  private readonly ledger: BarrierLedger<M, E>;
  private readonly processOf = new Map<string, number>();
  private invalid = 0;
  private cur = new Map<number, M[]>();
  private curRecipients: number[] = [];
  private readonly arrivals: Arrivals;
  private failure: Error | null = null;
  /** Lost processes, and the barrier each was lost at. */
  private readonly lostAt = new Map<number, number>();

  constructor(private readonly o: TransportKafkaOptions<M, E, C>) {
    this.topics = runTopics(o.prefix);
    this.arrivals = new Arrivals(o.clock ?? realClock);
    this.sentTo = new Array(o.processCount).fill(0);
    if (o.senders.length !== o.processCount)
      throw new InvariantError('one sender id per process is needed');
    o.senders.forEach((s, p) => this.processOf.set(s, p));
    this.ledger = new BarrierLedger<M, E>(
      o.processCount,
      o.process,
      o.maxFutureRecords ?? 1_000_000,
      (p) => this.describe(p),
    );
  }

  private describe(p: number): string {
    return this.o.describeProcess?.(p) ?? `process ${p}`;
  }

  /** Local nodes of this process. */
  localNodes(): number[] {
    const out: number[] = [];
    this.o.hostOf.forEach((p, node) => p === this.o.process && out.push(node));
    return out;
  }

  /** The topic of node `to`'s inbox. */
  inboxOf(to: number): string {
    return this.o.layout === 'partitioned'
      ? this.topics.inbox(this.o.senders[this.o.hostOf[to]!]!)
      : this.topics.node(to);
  }

  /** Topics this process must read: its nodes' inboxes and the control topic, plus the driver's events. */
  topicsToRead(extra: readonly string[] = []): string[] {
    const inboxes =
      this.o.layout === 'partitioned'
        ? [this.topics.inbox(this.o.senders[this.o.process]!)]
        : this.localNodes().map(this.topics.node);
    const t = [this.topics.control, ...inboxes, ...extra];
    if (this.o.process === 0) t.push(this.topics.events);
    return t;
  }

  /**
   * Starts consuming; records are routed by topic. If the consumer stops for good, barriers
   * reject with why, and so does `onStopped` (for the process's other waits).
   */
  async start(extra: readonly string[] = [], onStopped?: (e: Error) => void): Promise<void> {
    await this.o.io.consume(
      this.topicsToRead(extra),
      (topic, value) => this.receive(topic, value),
      (e) => {
        this.fail(e);
        onStopped?.(e);
      },
    );
  }

  /** Records a run-level failure seen by a background consumer; barriers then reject with it. */
  fail(e: Error): void {
    this.failure ??= e;
    this.arrivals.notify();
  }

  /** Counts malformed records seen elsewhere in this process (e.g. a host's early control records). */
  noteInvalid(count = 1): void {
    this.invalid += count;
  }

  /**
   * Routes one record read from Kafka (called by the consumer; public for hosts that buffer early
   * records): opens its signed wrapper, checks that its sender may say it, and files it.
   */
  receive(topic: string, value: string): void {
    const opened = this.o.auth.open(topic, value);
    const p = typeof opened === 'string' ? undefined : this.processOf.get(opened.sender);
    const rec = p === undefined ? null : parseObject((opened as { body: string }).body);
    if (p === undefined || rec === null) {
      this.invalid++;
      return;
    }
    const { sender, seq } = opened as { sender: string; seq: number };
    const o = this.o;
    let r: 'kept' | 'duplicate' | 'invalid' | number = 'invalid';
    try {
      if (topic === this.topics.control) {
        const c = o.decodeControl(rec);
        if (c?.k === 'phase') {
          const a = c as PhaseRecord;
          if (a.p === p) r = this.ledger.announce(a.b, a, seq);
        } else if (c?.k === 'lost') {
          // Only the driver declares a loss; a copy of one already heard changes nothing.
          const l = c as LostRecord;
          if (p === 0 && l.p < o.processCount) r = this.lose(l.p, l.b) ? 'kept' : 'duplicate';
        } else if (c !== null) {
          r = (o.onControl?.(c as C, sender, seq) ?? true) ? 'kept' : 'invalid';
        }
      } else if (topic === this.topics.events) {
        const e = o.process === 0 && isIndex(rec.b) ? o.eventCodec.decode(rec.e) : null;
        if (e !== null && o.hostOf[e.node] === p)
          r = this.ledger.file('events', rec.b as number, p, seq, e);
      } else {
        const m = isIndex(rec.b) ? o.messageCodec.decode(rec.m) : null;
        if (
          m !== null &&
          o.hostOf[m.from] === p &&
          o.hostOf[m.to] === o.process &&
          topic === this.inboxOf(m.to)
        )
          r = this.ledger.file('msgs', rec.b as number, p, seq, m);
      }
    } catch (e) {
      this.fail(e as Error);
    }
    if (r === 'invalid') this.invalid++;
    else if (typeof r === 'number') this.invalid += r;
    this.arrivals.notify();
  }

  send(msg: M): void {
    const p = this.o.hostOf[msg.to];
    if (p === undefined) throw new InvariantError(`message to unknown node ${msg.to}`);
    this.sentTo[p]!++;
    this.outbox.push(msg);
  }

  /** Publishes an event of a local node; it reaches the driver at the next barrier. */
  emit(event: E): void {
    this.eventsOut.push(event);
  }

  async nextPhase(): Promise<number> {
    const b = ++this.barrier;
    const o = this.o;
    this.ledger.begin(b);
    // Sealed in this order, synchronously: the phase's records take consecutive sequence
    // numbers and the announcement the next one, as the ledger expects.
    // Keyed by recipient in the partitioned layout: a node's records stay on one partition.
    const keyed = o.layout === 'partitioned';
    const records: KafkaRecord[] = this.outbox.map((m) => {
      const topic = this.inboxOf(m.to);
      const value = o.auth.seal(topic, JSON.stringify({ b, m: o.messageCodec.encode(m) }));
      return keyed ? { topic, key: String(m.to), value } : { topic, value };
    });
    const events = this.topics.events;
    for (const e of this.eventsOut) {
      const value = o.auth.seal(events, JSON.stringify({ b, e: o.eventCodec.encode(e) }));
      records.push({ topic: events, value });
    }
    const announcement: PhaseRecord = {
      k: 'phase',
      b,
      p: o.process,
      sent: this.sentTo,
      events: this.eventsOut.length,
      invalid: this.invalid,
    };
    const control = this.topics.control;
    records.push({ topic: control, value: o.auth.seal(control, JSON.stringify(announcement)) });
    this.invalid = 0;
    this.outbox = [];
    this.eventsOut = [];
    this.sentTo = new Array(o.processCount).fill(0);
    await o.io.send(records);

    let verdictWaits = 0;
    for (;;) {
      const waited = await this.arrivals
        .until(
          () => {
            if (this.failure) throw this.failure;
            return this.ledger.ready(b, o.process === 0) ? 'ready' : null;
          },
          o.barrierTimeoutMs,
          () => new BarrierDeadline(),
        )
        .catch((e: unknown) => {
          if (e instanceof BarrierDeadline) return 'deadline';
          throw e;
        });
      // The driver's verdict may have come in as the deadline passed.
      if (waited === 'ready' || this.ledger.ready(b, o.process === 0)) break;
      const silent = this.ledger.silent(b);
      // With host loss tolerated, only the driver decides: a node host that hears from the driver
      // waits for its verdict (a few deadlines at most); one that does not, or any process where
      // nobody is silent (records missing), stops as without the option.
      if (!o.tolerateHostLoss || silent.length === 0 || silent.includes(0))
        throw new UserError(this.describeStall(b));
      if (o.process !== 0) {
        if (++verdictWaits > VERDICT_DEADLINES) throw new UserError(this.describeStall(b));
        continue;
      }
      // Declared lost at this barrier: the others hear it from the control topic.
      const control = this.topics.control;
      await o.io.send(
        silent.map((p) => {
          const rec: LostRecord = { k: 'lost', p, b };
          return { topic: control, value: o.auth.seal(control, JSON.stringify(rec)) };
        }),
      );
      for (const p of silent) this.lose(p, b);
    }

    const closed = this.ledger.close(b);
    let total = 0;
    let invalid = 0;
    for (const a of closed.anns) {
      for (const n of a.sent) total += n;
      invalid += a.invalid;
    }
    this.deliver(closed.msgs);
    if (o.process === 0) {
      closed.events.sort((x, y) => x.node - y.node || x.seq - y.seq);
      o.onEvents?.(closed.events, invalid);
    }
    return total;
  }

  /** Process `p` is lost from barrier `b` on; false when that was known already. */
  private lose(p: number, b: number): boolean {
    if (this.lostAt.has(p)) return false;
    this.lostAt.set(p, b);
    if (p === this.o.process) {
      this.fail(new UserError(declaredLost(b)));
      this.o.onLost?.(p, b);
      return true;
    }
    this.ledger.markLost(p, b);
    this.o.onLost?.(p, b);
    this.arrivals.notify();
    return true;
  }

  /** A barrier that delivers no messages (e.g. after round end, to flush events); a message sent is a bug. */
  async sync(): Promise<void> {
    const total = await this.nextPhase();
    if (total !== 0) throw new InvariantError(`${total} messages were sent outside a phase`);
  }

  private deliver(msgs: M[]): void {
    this.cur.clear();
    for (const m of msgs) push(this.cur, m.to, m);
    this.curRecipients = [...this.cur.keys()].sort((a, b) => a - b);
    for (const box of this.cur.values()) sortCanonical(box);
  }

  private describeStall(b: number): string {
    const missing = this.ledger.silent(b).map((p) => this.describe(p));
    const secs = (this.o.barrierTimeoutMs / 1000).toFixed(0);
    if (missing.length > 0)
      return `no word from ${missing.join(', ')} at barrier ${b} within ${secs} s over Kafka`;
    return `messages announced for barrier ${b} did not all arrive within ${secs} s over Kafka`;
  }

  recipients(): readonly number[] {
    return this.curRecipients;
  }

  inbox(node: number): readonly M[] {
    return this.cur.get(node) ?? [];
  }

  /** Sent but not yet flushed; the barrier flushes everything, so nothing stays in flight past it. */
  pending(): boolean {
    return this.outbox.length > 0;
  }

  async close(): Promise<void> {
    this.fail(new InvariantError('the Kafka transport was closed'));
  }
}

/** What a node host the driver declared lost at barrier `b` stops with. */
export const declaredLost = (b: number): string =>
  `the driver declared this node host lost at barrier ${b}: it missed the barrier's deadline`;

/** Deadlines a node host waits past a barrier's for the driver to declare a silent host lost. */
const VERDICT_DEADLINES = 3;

/** A barrier's deadline passed (handled inside nextPhase: a loss, or the run's stop). */
class BarrierDeadline extends Error {}

function isIndex(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

/** The JSON object in `text`, or null. */
function parseObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, v: V): void {
  const list = map.get(key);
  if (list) list.push(v);
  else map.set(key, [v]);
}
