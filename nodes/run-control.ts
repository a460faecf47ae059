/**
 * The run-control protocol over Kafka, for the experiment driver and node hosts alike:
 * `RunControl` publishes the control and vm-metrics records (one zod schema per kind, in
 * run-control-records.ts) and waits on them, validating each on arrival like node messages
 * (anything else is counted and dropped). Every record is
 * signed (src/transport/kafka/record-auth.ts) and each kind has its rightful senders: start, step,
 * end and vm-metrics only from the driver, a register only from the host of its range; anything
 * else is counted and dropped. Phase barriers themselves are kept by the Kafka transport, which
 * decodes their records with `decodeControl`.
 */
import { UserError } from '../src/core/errors.ts';
import { Arrivals, type Clock } from '../src/engine/clock.ts';
import type { KafkaIo, KafkaRecord } from '../src/transport/kafka/kafka-io.ts';
import { TransportKafka, runTopics } from '../src/transport/kafka/transport-kafka.ts';
import type { TopicLayout } from '../src/transport/kafka/topic-layout.ts';
import { DRIVER_SENDER, hostSender, type RecordAuth } from '../src/transport/kafka/record-auth.ts';
import { messageCodec } from './protocol-stack.ts';
import type { Message } from '../protocols/messages.ts';
import { eventCodec, type NodeEvent } from './node-events.ts';
import type { FleetOp } from './pm-status.ts';
import {
  RUN_PROTOCOL_VERSION,
  VmMetricsSchema,
  decodeControl,
  rangeLabel,
  sendersOf,
  type ControlRecord,
  type NodeRange,
  type StartRecord,
} from './run-control-records.ts';

export type { NodeRunSpec } from './build-agents.ts';
export {
  RUN_PROTOCOL_VERSION,
  decodeControl,
  parseRange,
  rangeLabel,
  sendersOf,
  type ControlRecord,
  type NodeRange,
  type StartRecord,
  type VmMetricsRecord,
} from './run-control-records.ts';

/** The Kafka transport of a run's processes, with the node, event and control codecs. */
export function makeKafkaTransport(
  io: KafkaIo,
  auth: RecordAuth,
  prefix: string,
  process: number,
  hostOf: Int32Array,
  ranges: readonly NodeRange[],
  barrierTimeoutMs: number,
  layout: TopicLayout,
  onControl: (rec: ControlRecord, sender: string, seq: number) => boolean,
  onEvents?: (events: NodeEvent[], invalid: number) => void,
  loss?: { tolerate: boolean; onLost: (process: number, barrier: number) => void },
): TransportKafka<Message, NodeEvent, ControlRecord> {
  return new TransportKafka<Message, NodeEvent, ControlRecord>({
    io,
    auth,
    layout,
    senders: sendersOf(ranges),
    prefix,
    process,
    processCount: ranges.length,
    hostOf,
    messageCodec,
    eventCodec,
    decodeControl,
    onControl,
    barrierTimeoutMs,
    describeProcess: (p) =>
      p === 0 ? 'the experiment driver' : `node host ${p} (${rangeLabel(ranges[p]!)})`,
    ...(onEvents ? { onEvents } : {}),
    ...(loss ? { tolerateHostLoss: loss.tolerate, onLost: loss.onLost } : {}),
  });
}

/**
 * One step's hypervisor readings, per VM: CPU in MIPS, RAM in MB, and whether it has ended; and
 * what the scheduler does to remote PMs at its start (runs with events).
 */
export interface StepMetrics {
  cpu: number[];
  ram: number[];
  ended: boolean[];
  count: number;
  ops: FleetOp[];
}

export interface RunControlOptions {
  io: KafkaIo;
  /** Signs this process's records and checks everyone's, with the run's secret. */
  auth: RecordAuth;
  /** Run id; topics are `qossip.<run>.*`. */
  run: string;
  /** This process's name in abort records: 'driver', or a host's name. */
  self: string;
  /** Time source for the waits' deadlines. */
  clock: Clock;
  /** How an abort by another process is reported here, e.g. 'node host failed'. */
  abortPrefix: string;
  /** Told when another process aborts the run (e.g. to fail the transport's barrier wait). */
  onAbort?(error: UserError): void;
  /** Told of each malformed control or vm-metrics record this object decoded itself. */
  onInvalid?(): void;
}

/** The control side of one process in a run: publishes its records and waits on the others'. */
export class RunControl {
  readonly topics: ReturnType<typeof runTopics>;
  private readonly arrivals: Arrivals;
  private readonly registered = new Map<string, string>();
  private start: StartRecord | null = null;
  /** Steps announced, with their ops. */
  private readonly announced = new Map<number, FleetOp[]>();
  private readonly metrics = new Map<number, StepMetrics>();
  /** The step a host awaits next: metrics of earlier steps are late copies, of later ones early. */
  private nextStep = 0;
  /** (sender, sequence number) of the control records handled: later copies are dropped. */
  private readonly handled = new Set<string>();
  private ended = false;
  private aborted: string | null = null;
  private failure: Error | null = null;
  private readonly io: KafkaIo;
  private readonly self: string;

  constructor(private readonly o: RunControlOptions) {
    this.io = o.io;
    this.self = o.self;
    this.topics = runTopics(`qossip.${o.run}`);
    this.arrivals = new Arrivals(o.clock);
  }

  /**
   * An authentic control record arrived from `sender` with sequence number `seq` (phase records
   * are the transport's and never come here); false when that sender may not say it.
   */
  receive(rec: ControlRecord, sender: string, seq: number): boolean {
    const rightful =
      rec.k === 'register'
        ? sender === hostSender(rec.nodes[0], rec.nodes[1])
        : rec.k === 'abort' || sender === DRIVER_SENDER;
    if (!rightful) return false;
    const id = `${sender}:${seq}`;
    if (this.handled.has(id)) return true; // a copy (Kafka delivers at least once)
    this.handled.add(id);
    switch (rec.k) {
      case 'register':
        if (rec.v !== RUN_PROTOCOL_VERSION)
          this.abort(
            `${rec.host} speaks run protocol ${rec.v}, the driver ${RUN_PROTOCOL_VERSION}`,
          );
        else this.registered.set(rec.nodes.join('-'), rec.host);
        break;
      case 'start':
        if (rec.v !== RUN_PROTOCOL_VERSION)
          this.abort(`the driver speaks run protocol ${rec.v}, this host ${RUN_PROTOCOL_VERSION}`);
        else this.start = rec;
        break;
      case 'step':
        if (rec.s >= this.nextStep) this.announced.set(rec.s, (rec.ops ?? []) as FleetOp[]);
        break;
      case 'end':
        this.ended = true;
        break;
      case 'abort':
        if (rec.from !== this.self) this.abort(rec.message);
        break;
    }
    this.arrivals.notify();
    return true;
  }

  /**
   * A raw control record (a host reads the control topic before its transport exists): handled
   * unless it is a barrier's (phase, lost), which is returned for the transport; null when malformed.
   */
  receiveRaw(value: string): ControlRecord | null {
    const opened = this.o.auth.open(this.topics.control, value);
    if (typeof opened === 'string') {
      this.o.onInvalid?.();
      return null;
    }
    const rec = decodeControl(parse(opened.body));
    const barrier = rec?.k === 'phase' || rec?.k === 'lost'; // the transport's
    if (rec === null || (!barrier && !this.receive(rec, opened.sender, opened.seq))) {
      this.o.onInvalid?.();
      return null;
    }
    return rec;
  }

  /**
   * A vm-metrics record arrived (host side): only the driver's count, and only for the step
   * awaited or the next (the driver cannot be further ahead); copies of earlier steps are dropped.
   */
  receiveMetrics(value: string): void {
    const opened = this.o.auth.open(this.topics.vmMetrics, value);
    const r =
      typeof opened === 'string' || opened.sender !== DRIVER_SENDER
        ? null
        : VmMetricsSchema.safeParse(parse(opened.body));
    if (!r?.success || r.data.step > this.nextStep + 1) {
      this.o.onInvalid?.();
      return;
    }
    const { step, vm_id: vm, cpu_mips: cpu, ram_mb: ram, ended } = r.data;
    if (step < this.nextStep) return;
    let m = this.metrics.get(step);
    if (!m) this.metrics.set(step, (m = { cpu: [], ram: [], ended: [], count: 0, ops: [] }));
    if (m.cpu[vm] === undefined) m.count++;
    m.cpu[vm] = cpu;
    m.ram[vm] = ram;
    m.ended[vm] = ended === true;
    this.arrivals.notify();
  }

  /** A failure of this process (its consumer stopped): every wait rejects with it from now on. */
  fail(e: Error): void {
    this.failure ??= e;
    this.arrivals.notify();
  }

  private abort(message: string): void {
    this.aborted ??= message;
    this.o.onAbort?.(this.abortError());
    this.arrivals.notify();
  }

  private abortError(): UserError {
    return new UserError(`${this.o.abortPrefix}: ${this.aborted}`);
  }

  private publish(records: readonly ControlRecord[]): Promise<void> {
    const topic = this.topics.control;
    return this.io.send(
      records.map((r) => ({ topic, value: this.o.auth.seal(topic, JSON.stringify(r)) })),
    );
  }

  /** Host: announces the nodes it hosts. */
  register(nodes: NodeRange): Promise<void> {
    return this.publish([{ k: 'register', v: RUN_PROTOCOL_VERSION, nodes, host: this.self }]);
  }

  /** Driver: waits until every remote range has registered; `hint` says how to start one. */
  async awaitHosts(
    ranges: readonly NodeRange[],
    timeoutMs: number,
    hint: (missing: NodeRange) => string,
  ): Promise<void> {
    const missing = () => ranges.filter((r) => !this.registered.has(r.join('-')));
    await this.until(
      () => (missing().length === 0 ? true : null),
      timeoutMs,
      () =>
        `no node host registered for ${missing().map(rangeLabel).join(', ')} within ${Math.round(timeoutMs / 1000)} s; ${hint(missing()[0]!)}`,
    );
  }

  /** Driver: publishes the run's start. */
  publishStart(start: Omit<StartRecord, 'k' | 'v'>): Promise<void> {
    return this.publish([{ k: 'start', v: RUN_PROTOCOL_VERSION, ...start }]);
  }

  /** Host: waits for the run's start. */
  awaitStart(timeoutMs: number, what: string): Promise<StartRecord> {
    return this.until(
      () => this.start,
      timeoutMs,
      () => `waited ${secs(timeoutMs)} s for ${what}`,
    );
  }

  /**
   * Driver: publishes a step's VM metrics records (experiments/kafka/vm-metrics.ts builds them, in
   * VmMetricsSchema's shape), then the step itself, in one batch.
   */
  publishStep(step: number, metrics: readonly KafkaRecord[], ops: FleetOp[] = []): Promise<void> {
    const { auth } = this.o;
    const records = metrics.map((r) => ({ ...r, value: auth.seal(r.topic, r.value) }));
    const topic = this.topics.control;
    const rec: ControlRecord =
      ops.length > 0 ? { k: 'step', s: step, ops } : { k: 'step', s: step };
    records.push({ topic, value: auth.seal(topic, JSON.stringify(rec)) });
    return this.io.send(records);
  }

  /**
   * Host: waits until step `step` is announced with every VM's metrics (records of different
   * topics arrive in any order); null when the driver ended the run instead.
   */
  async awaitStep(step: number, vmCount: number, timeoutMs: number, what: string) {
    const ready = () => this.announced.has(step) && (this.metrics.get(step)?.count ?? 0) >= vmCount;
    await this.until(
      () => (ready() || this.ended ? true : null),
      timeoutMs,
      () => `waited ${secs(timeoutMs)} s for ${what}`,
    );
    if (!ready()) return null;
    const m = this.metrics.get(step)!;
    m.ops = this.announced.get(step)!;
    this.metrics.delete(step);
    this.announced.delete(step);
    this.nextStep = step + 1;
    return m;
  }

  /** Host: waits for the driver's end of the run. */
  async awaitEnd(timeoutMs: number, what: string): Promise<void> {
    await this.until(
      () => (this.ended ? true : null),
      timeoutMs,
      () => `waited ${secs(timeoutMs)} s for ${what}`,
    );
  }

  /** Ends the run for everyone, or aborts it with `failure`; never throws. */
  async finish(failure?: string): Promise<void> {
    const rec: ControlRecord =
      failure === undefined ? { k: 'end' } : { k: 'abort', from: this.self, message: failure };
    await this.publish([rec]).catch(() => {});
  }

  /** True once another process aborted the run (its abort need not be echoed). */
  get wasAborted(): boolean {
    return this.aborted !== null;
  }

  private until<T>(get: () => T | null, timeoutMs: number, timeout: () => string): Promise<T> {
    return this.arrivals.until(
      () => {
        if (this.aborted !== null) throw this.abortError();
        if (this.failure !== null) throw this.failure;
        return get();
      },
      timeoutMs,
      () => new UserError(timeout()),
    );
  }
}

function parse(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

const secs = (ms: number) => Math.round(ms / 1000);
