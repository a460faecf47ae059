/**
 * The experiment driver's side of a Kafka run: creates the run's topics, owns the driver's Kafka
 * transport (whose events feed the datacenter and metrics) and its run control (nodes/run-control.ts):
 * waits for remote node hosts to register, publishes the run spec, each step's VM metrics and the
 * end of the run.
 */
import { hostname } from 'node:os';
import { UserError } from '../../src/core/errors.ts';
import { realClock } from '../../src/engine/clock.ts';
import { KafkaIo, type KafkaSecurity } from '../../src/transport/kafka/kafka-io.ts';
import { runTopicSpecs, type TopicLayout } from '../../src/transport/kafka/topic-layout.ts';
import type { Workload } from '../../src/workload/workload.ts';
import type { TransportKafka } from '../../src/transport/kafka/transport-kafka.ts';
import type { Datacenter } from '../../src/model/datacenter.ts';
import type { Message } from '../../protocols/messages.ts';
import type { NodeEvent } from '../../nodes/node-events.ts';
import type { FleetOp } from '../../nodes/pm-status.ts';
import {
  RunControl,
  makeKafkaTransport,
  rangeLabel,
  sendersOf,
  type ControlRecord,
  type NodeRange,
  type NodeRunSpec,
} from '../../nodes/run-control.ts';
import { VmMetricsRecords } from './vm-metrics.ts';
import { DRIVER_SENDER, RecordAuth, newRunSecret } from '../../src/transport/kafka/record-auth.ts';
import {
  RUN_SECRET_ENV,
  defaultSecretFile,
  readRunSecret,
  removeRunSecret,
  writeRunSecret,
} from './run-secret.ts';

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
  /**
   * File with the run's secret; absent: $QOSSIP_RUN_SECRET, else a fresh secret, written for
   * node hosts to a file of the temporary directory when there are remote nodes.
   */
  secretFile?: string | undefined;
  /** Told of notices (where node hosts find a fresh secret, a node host lost); default: a line on stderr. */
  onNotice?: (line: string) => void;
  /** Where node inboxes are (topic-layout.ts). */
  layout: TopicLayout;
  /** Declare a node host silent past a barrier's deadline lost, and go on (`--tolerate-host-loss`). */
  tolerateHostLoss?: boolean;
}

/** Where the driver's notices go: `onNotice`, else a line on stderr. */
const notice = (o: KafkaDriverOptions) =>
  o.onNotice ?? ((line: string) => process.stderr.write(`qossip: ${line}\n`));

/** The run's secret, and the file node hosts read it from (`written`: made by this driver). */
function runSecret(
  o: KafkaDriverOptions,
  given: Buffer | undefined,
): { secret: Buffer; file?: string; written?: boolean } {
  if (given) return { secret: given, ...(o.secretFile ? { file: o.secretFile } : {}) };
  const secret = newRunSecret();
  if (o.remote.length === 0) return { secret };
  const file = defaultSecretFile(o.run);
  writeRunSecret(file, secret);
  notice(o)(`run ${o.run}: node hosts join with --secret-file ${file}`);
  return { secret, file, written: true };
}

export class KafkaDriver {
  private metrics: VmMetricsRecords | null = null;

  private constructor(
    readonly io: KafkaIo,
    readonly transport: TransportKafka<Message, NodeEvent, ControlRecord>,
    private readonly control: RunControl,
    private readonly o: KafkaDriverOptions,
    private readonly ranges: NodeRange[],
    private readonly hostOf: Int32Array,
    private readonly allTopics: string[],
    private readonly secret: { file?: string; written?: boolean },
  ) {}

  /**
   * Connects, creates the run's topics and starts consuming. `onEvents` receives every node's
   * events at each barrier, in canonical order.
   */
  static async open(
    o: KafkaDriverOptions,
    pms: number,
    onEvents: (events: NodeEvent[], invalid: number) => void,
    onLost: (nodes: NodeRange, barrier: number) => void = () => {},
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
    // A malformed secret is refused before connecting; a fresh one is written once connected.
    const given = readRunSecret(o.secretFile);
    const io = await KafkaIo.connect({
      brokers: o.brokers,
      clientId: `qossip-driver-${o.run}`,
      groupId: `qossip.${o.run}.driver`,
      ...(o.security ? { security: o.security } : {}),
      ...(o.retryBudgetMs ? { retryBudgetMs: o.retryBudgetMs } : {}),
    });
    let allTopics: string[] = [];
    let secret: ReturnType<typeof runSecret> = { secret: Buffer.alloc(0) };
    try {
      secret = runSecret(o, given);
      const auth = new RecordAuth(secret.secret, DRIVER_SENDER);
      let transport: TransportKafka<Message, NodeEvent, ControlRecord> | null = null;
      const control = new RunControl({
        io,
        auth,
        run: o.run,
        self: 'driver',
        clock: realClock,
        abortPrefix: 'node host failed',
        onAbort: (e) => transport?.fail(e),
      });
      transport = makeKafkaTransport(
        io,
        auth,
        `qossip.${o.run}`,
        0,
        hostOf,
        ranges,
        o.barrierTimeoutMs,
        o.layout,
        (rec, sender, seq) => control.receive(rec, sender, seq),
        onEvents,
        {
          tolerate: o.tolerateHostLoss ?? false,
          onLost: (p, b) => {
            notice(o)(
              `node host ${p} (${rangeLabel(ranges[p]!)}) missed barrier ${b}'s deadline: declared lost; its PMs crash at the next step and the run goes on`,
            );
            onLost(ranges[p]!, b);
          },
        },
      );
      const t = transport.topics;
      const senders = sendersOf(ranges);
      const nodesOf = senders.map((): number[] => []);
      hostOf.forEach((p, node) => nodesOf[p]!.push(node));
      const specs = runTopicSpecs(
        t,
        o.layout,
        senders.map((s, p) => [s, nodesOf[p]!] as const),
      );
      allTopics = specs.map((s) => (typeof s === 'string' ? s : s.topic));
      await io.ensureTopics(specs);
      const driver = new KafkaDriver(io, transport, control, o, ranges, hostOf, allTopics, secret);
      await transport.start([], (e) => control.fail(e));
      return driver;
    } catch (e) {
      // Topics created before the failure are deleted too (unless kept).
      if (!o.keepTopics) await deleteRunTopics(io, o, allTopics);
      await io.close();
      if (secret.written) removeRunSecret(secret.file!);
      throw e;
    }
  }

  /** Waits for every remote range to register, then publishes the run spec. */
  async startRun(
    spec: NodeRunSpec,
    meta: { steps: number; roundsPerStep: number; vmCount: number; events: boolean },
  ): Promise<void> {
    const secret =
      (this.secret.file ? ` --secret-file ${this.secret.file}` : '') +
      (this.o.layout === 'partitioned' ? ' --topic-layout partitioned' : '');
    const env = this.secret.file ? '' : ` and ${RUN_SECRET_ENV} set to the run's secret`;
    await this.control.awaitHosts(
      this.ranges.slice(1),
      this.o.joinTimeoutMs,
      (r) =>
        `start one with \`npm run node-host -- --run ${this.o.run} --nodes ${r.join('-')} --brokers ${this.o.brokers.join(',')}${secret}\`${env}`,
    );
    await this.control.publishStart({
      layout: this.o.layout,
      spec,
      hostOf: Array.from(this.hostOf),
      ranges: this.ranges,
      ...meta,
      barrierTimeoutMs: this.o.barrierTimeoutMs,
      tolerateHostLoss: this.o.tolerateHostLoss ?? false,
    });
  }

  /**
   * Publishes the step's VM metrics (see vm-metrics.ts), then the step itself with `ops`, the
   * scheduler's ops on remote PMs (nodes/fleet-ops.ts).
   */
  async beginStep(step: number, dc: Datacenter, workload: Workload, ops: FleetOp[]): Promise<void> {
    this.metrics ??= new VmMetricsRecords(workload, this.transport.topics.vmMetrics);
    await this.control.publishStep(step, this.metrics.at(step, dc), ops);
  }

  /** Ends the run for every node host (or aborts it with `failure`), then cleans up. */
  async finish(failure?: string): Promise<void> {
    await this.control.finish(failure);
    if (!this.o.keepTopics) await deleteRunTopics(this.io, this.o, this.allTopics);
    await this.io.close();
    if (this.secret.written) removeRunSecret(this.secret.file!);
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
