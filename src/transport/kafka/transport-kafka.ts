/**
 * The Transport contract over Apache Kafka, one topic per node (its inbox). Phases become barriers
 * (bulk-synchronous, as in BSP): at each barrier every process publishes what it sent in the
 * phase, its events, and an announcement on the control topic with how many messages it sent to
 * each process; each process then waits for every announcement and for the messages counted for
 * it, and delivers them in canonical order. So the run is the same as in memory, whatever the
 * arrival order. Records carry the barrier number, so early records of a faster process wait.
 */
import { InvariantError, UserError } from '../../core/errors.ts';
import { sortCanonical, type Envelope, type Transport } from '../transport.ts';
import type { KafkaIo, KafkaRecord } from './kafka-io.ts';
import { Arrivals, realClock, type Clock } from '../../engine/clock.ts';

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

export interface TransportKafkaOptions<M, E, C extends { k: string }> {
  io: KafkaIo;
  /** Topic prefix of the run, e.g. `qossip.<run id>`. */
  prefix: string;
  /** This process's index among `processCount` (0 = the experiment driver). */
  process: number;
  processCount: number;
  /** Process hosting each node. */
  hostOf: Int32Array;
  messageCodec: Codec<M>;
  eventCodec: Codec<E>;
  /** Longest wait for a barrier, in ms, before the run stops with an error naming who is missing. */
  barrierTimeoutMs: number;
  /** Driver: receives all events of each barrier interval, sorted by (node, seq), and invalid-record counts. */
  onEvents?: (events: E[], invalidRecords: number) => void;
  /** Names a process in error messages, e.g. "node host 1 (nodes 50–99)". */
  describeProcess?: (process: number) => string;
  /**
   * Validates a control record (the run-control protocol's schemas, nodes/run-control.ts);
   * null for a malformed one, which is counted and dropped like a malformed message.
   */
  decodeControl: (raw: unknown) => C | PhaseRecord | null;
  /** Called with each valid control record that is not a barrier announcement (run start, steps, end). */
  onControl?: (record: C) => void;
  /** Time source for barrier timeouts (default: the real clock). */
  clock?: Clock;
}

interface Announcement {
  /** Messages sent to each process during the phase. */
  sent: number[];
  events: number;
  invalid: number;
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
  private inbound = new Map<number, M[]>();
  private inboundEvents = new Map<number, E[]>();
  /** Per barrier, (sender or node, seq) of the records kept: duplicates of a re-sent batch are dropped. */
  private seen = new Map<number, Set<number>>();
  private announcements = new Map<number, Map<number, Announcement>>();
  private invalid = 0;
  private cur = new Map<number, M[]>();
  private curRecipients: number[] = [];
  private readonly arrivals: Arrivals;
  private failure: Error | null = null;

  constructor(private readonly o: TransportKafkaOptions<M, E, C>) {
    this.topics = runTopics(o.prefix);
    this.arrivals = new Arrivals(o.clock ?? realClock);
    this.sentTo = new Array(o.processCount).fill(0);
  }

  /** Local nodes of this process. */
  localNodes(): number[] {
    const out: number[] = [];
    this.o.hostOf.forEach((p, node) => p === this.o.process && out.push(node));
    return out;
  }

  /** Topics this process must read: its nodes' inboxes and the control topic, plus the driver's events. */
  topicsToRead(extra: readonly string[] = []): string[] {
    const t = [this.topics.control, ...this.localNodes().map(this.topics.node), ...extra];
    if (this.o.process === 0) t.push(this.topics.events);
    return t;
  }

  /** Starts consuming; records are routed by topic. */
  async start(extra: readonly string[] = []): Promise<void> {
    await this.o.io.consume(this.topicsToRead(extra), (topic, value) => this.receive(topic, value));
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

  /** Routes one record read from Kafka (called by the consumer; public for hosts that buffer early records). */
  receive(topic: string, value: string): void {
    let rec: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      rec = parsed as Record<string, unknown>;
    } catch {
      this.invalid++;
      return;
    }
    const b = rec.b;
    if (topic === this.topics.control) {
      const c = this.o.decodeControl(rec);
      if (c === null) this.invalid++;
      else if (c.k === 'phase') {
        const a = c as PhaseRecord;
        let m = this.announcements.get(a.b);
        if (!m) this.announcements.set(a.b, (m = new Map()));
        m.set(a.p, { sent: a.sent, events: a.events, invalid: a.invalid });
      } else {
        this.o.onControl?.(c as C);
      }
    } else if (topic === this.topics.events) {
      const e = isIndex(b) ? this.o.eventCodec.decode(rec.e) : null;
      if (e === null || !isIndex(b)) this.invalid++;
      else if (this.firstTime(b, -1 - e.node, e.seq)) push(this.inboundEvents, b, e);
    } else {
      const m = isIndex(b) ? this.o.messageCodec.decode(rec.m) : null;
      if (
        m === null ||
        !isIndex(b) ||
        this.o.hostOf[m.to] !== this.o.process ||
        topic !== this.topics.node(m.to)
      ) {
        this.invalid++;
      } else if (this.firstTime(b, m.from, m.seq)) {
        push(this.inbound, b, m);
      }
    }
    this.arrivals.notify();
  }

  /**
   * True the first time (origin, seq) is seen for barrier `b` (origins: node ids for messages,
   * −1 − node for events). Records of barriers already passed are duplicates: false.
   */
  private firstTime(b: number, origin: number, seq: number): boolean {
    if (b < this.barrier) return false;
    let set = this.seen.get(b);
    if (!set) this.seen.set(b, (set = new Set()));
    const key = origin * 2 ** 32 + seq;
    if (set.has(key)) return false;
    set.add(key);
    return true;
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
    const records: KafkaRecord[] = this.outbox.map((m) => ({
      topic: this.topics.node(m.to),
      value: JSON.stringify({ b, m: o.messageCodec.encode(m) }),
    }));
    for (const e of this.eventsOut) {
      records.push({
        topic: this.topics.events,
        value: JSON.stringify({ b, e: o.eventCodec.encode(e) }),
      });
    }
    const announcement: PhaseRecord = {
      k: 'phase',
      b,
      p: o.process,
      sent: this.sentTo,
      events: this.eventsOut.length,
      invalid: this.invalid,
    };
    records.push({ topic: this.topics.control, value: JSON.stringify(announcement) });
    this.invalid = 0;
    this.outbox = [];
    this.eventsOut = [];
    this.sentTo = new Array(o.processCount).fill(0);
    await o.io.send(records);

    await this.arrivals.until(
      () => {
        if (this.failure) throw this.failure;
        const anns = this.announcements.get(b);
        if (!anns || anns.size < o.processCount) return null;
        let expected = 0;
        let events = 0;
        for (const a of anns.values()) {
          expected += a.sent[o.process] ?? 0;
          events += a.events;
        }
        if ((this.inbound.get(b)?.length ?? 0) < expected) return null;
        return o.process !== 0 || (this.inboundEvents.get(b)?.length ?? 0) >= events ? true : null;
      },
      o.barrierTimeoutMs,
      () => new UserError(this.describeStall(b)),
    );

    const anns = this.announcements.get(b)!;
    let total = 0;
    let invalid = 0;
    for (const a of anns.values()) {
      for (const n of a.sent) total += n;
      invalid += a.invalid;
    }
    this.announcements.delete(b);
    this.seen.delete(b);
    this.deliver(this.inbound.get(b) ?? []);
    this.inbound.delete(b);
    if (o.process === 0) {
      const events = this.inboundEvents.get(b) ?? [];
      this.inboundEvents.delete(b);
      events.sort((x, y) => x.node - y.node || x.seq - y.seq);
      o.onEvents?.(events, invalid);
    }
    return total;
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
    const anns = this.announcements.get(b) ?? new Map<number, Announcement>();
    const missing: string[] = [];
    for (let p = 0; p < this.o.processCount; p++) {
      if (!anns.has(p)) missing.push(this.o.describeProcess?.(p) ?? `process ${p}`);
    }
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

function isIndex(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function push<K, V>(map: Map<K, V[]>, key: K, v: V): void {
  const list = map.get(key);
  if (list) list.push(v);
  else map.set(key, [v]);
}
