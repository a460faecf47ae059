/**
 * The experiment driver's side of a Kafka run: creates the run's topics, waits for remote node
 * hosts to register, publishes the run spec, each step's VM metrics and the end of the run, and
 * owns the driver's Kafka transport (whose events feed the datacenter and metrics).
 */
import { hostname } from 'node:os';
import { UserError } from '../../src/core/errors.ts';
import { Arrivals } from '../../src/engine/clock.ts';
import { KafkaIo, type KafkaSecurity } from '../../src/transport/kafka/kafka-io.ts';
import { runTopicSpecs } from '../../src/transport/kafka/topic-layout.ts';
import type { Workload } from '../../src/workload/workload.ts';
import type { TransportKafka } from '../../src/transport/kafka/transport-kafka.ts';
import type { Datacenter } from '../../src/model/datacenter.ts';
import type { Message } from '../../protocols/messages.ts';
import type { NodeEvent } from '../../nodes/node-events.ts';
import type { NodeRunSpec } from '../../nodes/build-agents.ts';
import {
  RUN_PROTOCOL_VERSION,
  makeKafkaTransport,
  rangeLabel,
  type NodeRange,
  type StartRecord,
} from '../../nodes/kafka-run.ts';
import { VmMetricsRecords } from './vm-metrics.ts';

export interface KafkaDriverOptions {
  brokers: string[];
  /** Run id; topics are `qossip.<run>.*`. */
  run: string;
  /** Node ranges hosted by other processes (`npm run node-host`), which must register. */
  remote: NodeRange[];
  /** Longest wait for a barrier, in ms. */
  barrierTimeoutMs: number;
  /** Longest wait for node hosts to register, in ms. */
  joinTimeoutMs: number;
  /** Keep the run's topics afterwards (default: delete them). */
  keepTopics: boolean;
  /** SASL and TLS for the brokers; absent: none. */
  security?: KafkaSecurity | undefined;
  /** Longest any Kafka operation is retried, in ms (default: the edge's 60 s). */
  retryBudgetMs?: number;
  /** Told when cleaning up failed (topics left behind); default: a line on stderr. */
  onWarning?: (line: string) => void;
}

export class KafkaDriver {
  private registered = new Map<string, string>();
  private readonly arrivals = new Arrivals();
  private abort: string | null = null;
  private metrics: VmMetricsRecords | null = null;

  private constructor(
    readonly io: KafkaIo,
    readonly transport: TransportKafka<Message, NodeEvent>,
    private readonly o: KafkaDriverOptions,
    private readonly ranges: NodeRange[],
    private readonly hostOf: Int32Array,
    private readonly allTopics: string[],
  ) {}

  /**
   * Connects, creates the run's topics and starts consuming. `onEvents` receives every node's
   * events at each barrier, in canonical order.
   */
  static async open(
    o: KafkaDriverOptions,
    pms: number,
    onEvents: (events: NodeEvent[], invalid: number) => void,
  ): Promise<KafkaDriver> {
    const ranges: NodeRange[] = [[-1, -1], ...o.remote];
    const hostOf = new Int32Array(pms);
    ranges.forEach(([lo, hi], p) => {
      if (p === 0) return;
      if (hi >= pms)
        throw new UserError(`--remote-nodes ${lo}-${hi} goes past the last node (${pms - 1})`);
      for (let n = lo; n <= hi; n++) {
        if (hostOf[n] !== 0) throw new UserError(`--remote-nodes ranges overlap at node ${n}`);
        hostOf[n] = p;
      }
    });
    const io = await KafkaIo.connect({
      brokers: o.brokers,
      clientId: `qossip-driver-${o.run}`,
      groupId: `qossip.${o.run}.driver`,
      ...(o.security ? { security: o.security } : {}),
      ...(o.retryBudgetMs ? { retryBudgetMs: o.retryBudgetMs } : {}),
    });
    let driver: KafkaDriver | undefined;
    let allTopics: string[] = [];
    try {
      const transport = makeKafkaTransport(
        io,
        `qossip.${o.run}`,
        0,
        hostOf,
        ranges,
        o.barrierTimeoutMs,
        onEvents,
        (rec) => driver?.onControl(rec),
      );
      const t = transport.topics;
      const specs = runTopicSpecs(
        t,
        Array.from({ length: pms }, (_, i) => i),
      );
      allTopics = specs.map((s) => (typeof s === 'string' ? s : s.topic));
      await io.ensureTopics(specs);
      driver = new KafkaDriver(io, transport, o, ranges, hostOf, allTopics);
      await transport.start();
      return driver;
    } catch (e) {
      // Topics created before the failure are deleted too (unless kept).
      if (!o.keepTopics) await deleteRunTopics(io, o, allTopics);
      await io.close();
      throw e;
    }
  }

  private onControl(rec: Record<string, unknown>): void {
    if (rec.k === 'register' && Array.isArray(rec.nodes)) {
      this.registered.set(String(rec.nodes.join('-')), String(rec.host ?? 'unknown host'));
    } else if (rec.k === 'abort' && rec.from !== 'driver') {
      this.abort = String(rec.message ?? 'a node host failed');
      this.transport.fail(new UserError(`node host failed: ${this.abort}`));
    }
    this.arrivals.notify();
  }

  /** Waits for every remote range to register, then publishes the run spec. */
  async startRun(
    spec: NodeRunSpec,
    meta: { steps: number; roundsPerStep: number; vmCount: number },
  ): Promise<void> {
    const missing = () => this.ranges.slice(1).filter((r) => !this.registered.has(r.join('-')));
    await this.arrivals.until(
      () => {
        if (this.abort) throw new UserError(`node host failed: ${this.abort}`);
        return missing().length === 0 ? true : null;
      },
      this.o.joinTimeoutMs,
      () =>
        new UserError(
          `no node host registered for ${missing().map(rangeLabel).join(', ')} within ${Math.round(this.o.joinTimeoutMs / 1000)} s; ` +
            `start one with \`npm run node-host -- --run ${this.o.run} --nodes ${missing()[0]!.join('-')} --brokers ${this.o.brokers.join(',')}\``,
        ),
    );
    const start: StartRecord = {
      k: 'start',
      v: RUN_PROTOCOL_VERSION,
      spec,
      hostOf: Array.from(this.hostOf),
      ranges: this.ranges,
      steps: meta.steps,
      roundsPerStep: meta.roundsPerStep,
      vmCount: meta.vmCount,
      barrierTimeoutMs: this.o.barrierTimeoutMs,
    };
    await this.transport.control(start as unknown as Record<string, unknown>);
  }

  /** Publishes the step's VM metrics (see vm-metrics.ts) and then the step itself. */
  async beginStep(step: number, dc: Datacenter, workload: Workload): Promise<void> {
    this.metrics ??= new VmMetricsRecords(workload, this.transport.topics.vmMetrics);
    const records = this.metrics.at(step, dc);
    records.push({
      topic: this.transport.topics.control,
      value: JSON.stringify({ k: 'step', s: step }),
    });
    await this.io.send(records);
  }

  /** Ends the run for every node host (or aborts it with `failure`), then cleans up. */
  async finish(failure?: string): Promise<void> {
    const rec =
      failure === undefined ? { k: 'end' } : { k: 'abort', from: 'driver', message: failure };
    await this.transport.control(rec).catch(() => {});
    if (!this.o.keepTopics) await deleteRunTopics(this.io, this.o, this.allTopics);
    await this.io.close();
  }

  static defaultRunId(): string {
    return `${hostname().replace(/[^A-Za-z0-9-]/g, '')}-${process.pid}-${Date.now().toString(36)}`;
  }
}

/** Deletes a run's topics; a failure is reported (topics left behind), never thrown. */
async function deleteRunTopics(io: KafkaIo, o: KafkaDriverOptions, topics: string[]) {
  await io.deleteTopics(topics).catch((e: unknown) => {
    const line =
      `warning: run ${o.run}: ${(e as Error).message}; delete them with ` +
      `\`npm run kafka:topics -- --delete --topic 'qossip\\.${o.run}\\..*'\``;
    (o.onWarning ?? ((l) => process.stderr.write(`qossip: ${l}\n`)))(line);
  });
}
