/**
 * A node host: an OS process (possibly on another machine) that hosts a range of PM agents and
 * joins a run over Kafka. It registers its range, receives the run spec, reads each step's VM
 * metrics (its hypervisors' readings), and runs the same step loop as the driver
 * (src/engine/run-driver.ts) with the same barriers, so its nodes behave exactly as they would in
 * the driver's process. Run control (nodes/run-control.ts) validates every control record.
 */
import { UserError } from '../src/core/errors.ts';
import type { Clock } from '../src/engine/clock.ts';
import { CycleEngine } from '../src/engine/cycle-engine.ts';
import { RunDriver } from '../src/engine/run-driver.ts';
import type { PolicyRegistry } from '../src/policy/registry.ts';
import { KafkaIo, type KafkaSecurity } from '../src/transport/kafka/kafka-io.ts';
import { runTopicSpecs, type TopicLayout } from '../src/transport/kafka/topic-layout.ts';
import { declaredLost, type TransportKafka } from '../src/transport/kafka/transport-kafka.ts';
import { RecordAuth, hostSender } from '../src/transport/kafka/record-auth.ts';
import type { Message } from '../protocols/messages.ts';
import { buildAgents, preparePolicy } from './build-agents.ts';
import { eventEffects, type NodeEvent } from './node-events.ts';
import { applyFleetOp, statusOf } from './fleet-ops.ts';
import { opPm } from './pm-status.ts';
import {
  RunControl,
  makeKafkaTransport,
  rangeLabel,
  type ControlRecord,
  type NodeRange,
} from './run-control.ts';

export interface NodeHostOptions {
  brokers: string[];
  run: string;
  nodes: NodeRange;
  /** Name of this host in the driver's messages (e.g. `hostname:pid`). */
  hostName: string;
  /** Longest wait for the run to start, in ms. */
  joinTimeoutMs: number;
  /** Progress lines (joined, step k, done). */
  log?: (line: string) => void;
  /** Time source for timeouts. */
  clock: Clock;
  /** The policies a run may name (composed by the experiments layer). */
  policies: PolicyRegistry;
  /** SASL and TLS for the brokers; absent: none. */
  security?: KafkaSecurity | undefined;
  /** The run's secret (from a file or the environment, never a topic): signs every record. */
  secret: Buffer;
  /** Most node-topic and phase records kept from before the run starts (default 10⁶). */
  maxEarlyRecords?: number;
  /** Where node inboxes are (topic-layout.ts); must be the driver's. */
  layout: TopicLayout;
}

export class NodeHost {
  private transport: TransportKafka<Message, NodeEvent, ControlRecord> | null = null;
  /** Node-topic and phase records that arrived before the transport existed. */
  private early: [string, string][] = [];
  private earlyInvalid = 0;
  /** This step's VM readings (the hypervisors' sensors). */
  private cpuMips: number[] = [];
  private ramMb: number[] = [];
  /** Per VM: ended (the `cloudsim` profile), as the driver's datacenter says. */
  private ended: boolean[] = [];

  constructor(private readonly o: NodeHostOptions) {}

  /** Runs the host until the driver ends the run; throws a UserError if it aborts or stalls. */
  async run(): Promise<{ steps: number }> {
    const o = this.o;
    const local = Array.from({ length: o.nodes[1] - o.nodes[0] + 1 }, (_, i) => o.nodes[0] + i);
    const io = await KafkaIo.connect({
      brokers: o.brokers,
      clientId: `qossip-host-${o.run}-${o.nodes.join('-')}`,
      groupId: `qossip.${o.run}.host.${o.nodes.join('-')}`,
      ...(o.security ? { security: o.security } : {}),
    });
    const sender = hostSender(o.nodes[0], o.nodes[1]);
    const auth = new RecordAuth(o.secret, sender);
    const control = new RunControl({
      io,
      auth,
      run: o.run,
      self: o.hostName,
      clock: o.clock,
      abortPrefix: 'run aborted',
      onAbort: (e) => this.transport?.fail(e),
      onInvalid: () => (this.transport ? this.transport.noteInvalid() : this.earlyInvalid++),
    });
    const t = control.topics;
    const ofRun = (what: string) => `${what} of run ${o.run} over Kafka`;
    try {
      await io.ensureTopics(runTopicSpecs(t, o.layout, [[sender, local]]));
      const inboxes = o.layout === 'partitioned' ? [t.inbox(sender)] : local.map(t.node);
      await io.consume(
        [t.control, t.vmMetrics, ...inboxes],
        (topic, value) => {
          if (topic === t.vmMetrics) control.receiveMetrics(value);
          else if (this.transport) this.transport.receive(topic, value);
          else if (topic !== t.control || isBarrierRecord(control.receiveRaw(value))) {
            // Bounded: records sent before the start are either a run's first barriers or noise.
            if (this.early.length < (o.maxEarlyRecords ?? 1_000_000))
              this.early.push([topic, value]);
            else this.earlyInvalid++;
          }
        },
        (e) => {
          control.fail(e);
          this.transport?.fail(e);
        },
      );
      await control.register(o.nodes);
      o.log?.(`registered ${rangeLabel(o.nodes)} for run ${o.run}; waiting for the driver`);
      const start = await control.awaitStart(o.joinTimeoutMs, ofRun('the run to start'));
      const process = start.ranges.findIndex(
        (r, p) => p > 0 && r[0] === o.nodes[0] && r[1] === o.nodes[1],
      );
      if (process < 0)
        throw new UserError(
          `the driver of run ${o.run} expects no node host for ${rangeLabel(o.nodes)}`,
        );
      if (start.layout !== o.layout)
        throw new UserError(
          `the driver of run ${o.run} puts node inboxes in the ${start.layout} topic layout; start this host with --topic-layout ${start.layout}`,
        );
      const spec = start.spec;
      o.policies.parseOptions(spec.policy, spec.policyOptions);
      const transport = makeKafkaTransport(
        io,
        auth,
        `qossip.${o.run}`,
        process,
        Int32Array.from(start.hostOf),
        start.ranges,
        start.barrierTimeoutMs,
        start.layout,
        (rec, sender, seq) => control.receive(rec, sender, seq),
        undefined,
        {
          tolerate: start.tolerateHostLoss,
          // Others' PMs crash in the driver's world; declared lost itself, its waits fail too.
          onLost: (p, b) => {
            if (p === process) control.fail(new UserError(declaredLost(b)));
          },
        },
      );
      this.transport = transport;
      transport.noteInvalid(this.earlyInvalid);
      for (const [topic, value] of this.early) transport.receive(topic, value);
      this.early = [];

      const prepared = await preparePolicy(spec, o.policies);
      const sensor = {
        cpuMips: (vm: number) => this.cpuMips[vm]!,
        ramMb: (vm: number) => this.ramMb[vm]!,
        ended: (vm: number) => this.ended[vm] === true,
        // Where PMs crash (events), a sender whose recipient went silent asks whether its VM
        // still runs here. Over Kafka no message is lost but those to a crashed PM, and a
        // recipient's commit travels with its Done: an unanswered Transfer never switched over.
        ...(start.events ? { runsHere: () => true } : {}),
      };
      const fx = eventEffects(
        (m) => transport.send(m),
        (e) => transport.emit(e),
        spec.pms,
      );
      const agents = buildAgents(spec, o.policies, local, prepared, sensor, fx);
      const engine = new CycleEngine<Message>(agents, transport);
      const outcome = await new RunDriver(engine, start.steps, start.roundsPerStep).run({
        beginStep: async (step) => {
          const m = await control.awaitStep(
            step,
            start.vmCount,
            start.barrierTimeoutMs,
            ofRun(`step ${step}`),
          );
          if (m === null) return false; // the driver ended the run
          this.cpuMips = m.cpu;
          this.ramMb = m.ram;
          this.ended = m.ended;
          for (const op of m.ops) {
            const a = agents[opPm(op)];
            if (a) applyFleetOp(a, op); // the scheduler's ops on this host's PMs, in order
          }
          return true;
        },
        // Runs with events: the PMs' statuses, for the driver's scheduler, at a barrier of their own.
        ...(start.events
          ? {
              afterRounds: async () => {
                for (const id of local) fx.status(id, statusOf(agents[id]!));
                await transport.sync();
              },
            }
          : {}),
        endStep: (step) => {
          if (step % 24 === 0) o.log?.(`step ${step + 1}/${start.steps}`);
        },
      });
      if (outcome.error !== undefined) throw new UserError(outcome.error);
      await control.awaitEnd(start.barrierTimeoutMs, ofRun('the end of the run'));
      o.log?.(`run ${o.run} ended after ${outcome.steps} steps`);
      return { steps: outcome.steps };
    } catch (e) {
      if (!control.wasAborted) await control.finish(e instanceof Error ? e.message : String(e));
      throw e;
    } finally {
      await io.close();
    }
  }
}

/** A phase or lost record: the transport's, kept for it until it exists. */
function isBarrierRecord(rec: ControlRecord | null): boolean {
  return rec?.k === 'phase' || rec?.k === 'lost';
}
