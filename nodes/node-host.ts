/**
 * A node host: an OS process (possibly on another machine) that hosts a range of PM agents and
 * joins a run over Kafka. It registers its range, receives the run spec, reads each step's VM
 * metrics (its hypervisors' readings), and runs the same rounds and barriers as the driver, so
 * its nodes behave exactly as they would in the driver's process.
 */
import { UserError } from '../src/core/errors.ts';
import type { PolicyRegistry } from '../src/policy/registry.ts';
import { CycleEngine } from '../src/engine/cycle-engine.ts';
import { Arrivals, type Clock } from '../src/engine/clock.ts';
import { KafkaIo } from '../src/transport/kafka/kafka-io.ts';
import { runTopics, type TransportKafka } from '../src/transport/kafka/transport-kafka.ts';
import type { Message } from '../protocols/messages.ts';
import { buildAgents, preparePolicy } from './build-agents.ts';
import { eventEffects, type NodeEvent } from './node-events.ts';
import {
  RUN_PROTOCOL_VERSION,
  makeKafkaTransport,
  rangeLabel,
  type NodeRange,
  type StartRecord,
} from './kafka-run.ts';

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
}

export class NodeHost {
  private transport: TransportKafka<Message, NodeEvent> | null = null;
  private early: [string, string][] = [];
  private startRec: StartRecord | null = null;
  private stepsReady = new Set<number>();
  private ended = false;
  private abort: string | null = null;
  private pendingSteps = new Set<number>();
  private readonly arrivals: Arrivals;
  /** This step's VM readings (the hypervisors' sensors). */
  private cpuMips: number[] = [];
  private ramMb: number[] = [];
  /** VM metrics gathered per step; they may arrive before the run's start record. */
  private metrics = new Map<number, { cpu: number[]; ram: number[]; count: number }>();

  constructor(private readonly o: NodeHostOptions) {
    this.arrivals = new Arrivals(o.clock);
  }

  /** Runs the host until the driver ends the run; throws a UserError if it aborts or stalls. */
  async run(): Promise<{ steps: number }> {
    const o = this.o;
    const t = runTopics(`qossip.${o.run}`);
    const local = Array.from({ length: o.nodes[1] - o.nodes[0] + 1 }, (_, i) => o.nodes[0] + i);
    const io = await KafkaIo.connect({
      brokers: o.brokers,
      clientId: `qossip-host-${o.run}-${o.nodes.join('-')}`,
      groupId: `qossip.${o.run}.host.${o.nodes.join('-')}`,
    });
    let steps = 0;
    try {
      await io.ensureTopics([t.control, t.vmMetrics, t.events, ...local.map(t.node)]);
      await io.consume([t.control, t.vmMetrics, ...local.map(t.node)], (topic, value) =>
        this.receive(topic, value, t),
      );
      await io.send([
        {
          topic: t.control,
          value: JSON.stringify({
            k: 'register',
            v: RUN_PROTOCOL_VERSION,
            nodes: o.nodes,
            host: o.hostName,
          }),
        },
      ]);
      o.log?.(`registered ${rangeLabel(o.nodes)} for run ${o.run}; waiting for the driver`);
      const start = await this.until(() => this.startRec, o.joinTimeoutMs, 'the run to start');
      const process = start.ranges.findIndex(
        (r, p) => p > 0 && r[0] === o.nodes[0] && r[1] === o.nodes[1],
      );
      if (process < 0)
        throw new UserError(
          `the driver of run ${o.run} expects no node host for ${rangeLabel(o.nodes)}`,
        );
      const transport = makeKafkaTransport(
        io,
        `qossip.${o.run}`,
        process,
        Int32Array.from(start.hostOf),
        start.ranges,
        start.barrierTimeoutMs,
      );
      this.transport = transport;
      for (const [topic, value] of this.early) transport.receive(topic, value);
      this.early = [];

      const prepared = await preparePolicy(start.spec, o.policies);
      const sensor = {
        cpuMips: (vm: number) => this.cpuMips[vm]!,
        ramMb: (vm: number) => this.ramMb[vm]!,
      };
      const fx = eventEffects(
        (m) => transport.send(m),
        (e) => transport.emit(e),
        start.spec.pms,
      );
      const agents = buildAgents(start.spec, o.policies, local, prepared, sensor, fx);
      const engine = new CycleEngine<Message>(agents, transport);
      for (let step = 0; step < start.steps; step++) {
        await this.until(
          () => (this.stepsReady.has(step) || this.ended ? true : null),
          start.barrierTimeoutMs,
          `step ${step}`,
        );
        if (this.ended) break;
        const m = this.metrics.get(step)!;
        this.metrics.delete(step);
        this.cpuMips = m.cpu;
        this.ramMb = m.ram;
        engine.startStep(step);
        for (let r = 0; r < start.roundsPerStep; r++) await engine.runRound();
        steps++;
        if (step % 24 === 0) o.log?.(`step ${step + 1}/${start.steps}`);
      }
      await this.until(
        () => (this.ended ? true : null),
        start.barrierTimeoutMs,
        'the end of the run',
      );
      o.log?.(`run ${o.run} ended after ${steps} steps`);
      return { steps };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (this.abort === null) {
        await io
          .send([
            { topic: t.control, value: JSON.stringify({ k: 'abort', from: o.hostName, message }) },
          ])
          .catch(() => {});
      }
      throw e;
    } finally {
      await io.close();
    }
  }

  private receive(topic: string, value: string, t: ReturnType<typeof runTopics>): void {
    if (topic === t.control || topic === t.vmMetrics)
      this.onRunRecord(topic === t.vmMetrics, value);
    if (this.transport) this.transport.receive(topic, value);
    else if (topic !== t.vmMetrics) this.early.push([topic, value]);
    this.arrivals.notify();
  }

  private onRunRecord(isMetrics: boolean, value: string): void {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(value) as Record<string, unknown>;
    } catch {
      return; // the transport counts it
    }
    if (isMetrics) {
      const step = Number(rec.step);
      const vm = Number(rec.vm_id);
      const cpu = Number(rec.cpu_mips);
      const ram = Number(rec.ram_mb);
      if (![step, vm].every((x) => Number.isInteger(x) && x >= 0) || !Number.isFinite(cpu + ram))
        return;
      let m = this.metrics.get(step);
      if (!m) this.metrics.set(step, (m = { cpu: [], ram: [], count: 0 }));
      if (m.cpu[vm] === undefined) m.count++;
      m.cpu[vm] = cpu;
      m.ram[vm] = ram;
      this.checkStep(step);
      return;
    }
    if (rec.k === 'start') {
      if (rec.v !== RUN_PROTOCOL_VERSION) {
        this.abort = `the driver speaks run protocol ${String(rec.v)}, this host ${RUN_PROTOCOL_VERSION}`;
      } else {
        this.startRec = rec as unknown as StartRecord;
        for (const step of this.pendingSteps) this.checkStep(step);
      }
    } else if (rec.k === 'step') {
      this.pendingSteps.add(Number(rec.s));
      this.checkStep(Number(rec.s));
    } else if (rec.k === 'end') {
      this.ended = true;
    } else if (rec.k === 'abort' && rec.from !== this.o.hostName) {
      this.abort = String(rec.message ?? 'the run was aborted');
      this.transport?.fail(new UserError(`run aborted: ${this.abort}`));
    }
  }

  /**
   * A step is ready once the run has started and the step's record and every VM's metrics for it
   * have arrived: records of different topics arrive in any order.
   */
  private checkStep(step: number): void {
    const count = this.metrics.get(step)?.count ?? 0;
    if (this.pendingSteps.has(step) && this.startRec && count >= this.startRec.vmCount) {
      this.pendingSteps.delete(step);
      this.stepsReady.add(step);
    }
  }

  private until<T>(get: () => T | null, timeoutMs: number, what: string): Promise<T> {
    return this.arrivals.until(
      () => {
        if (this.abort !== null) throw new UserError(`run aborted: ${this.abort}`);
        return get();
      },
      timeoutMs,
      () =>
        new UserError(
          `waited ${Math.round(timeoutMs / 1000)} s for ${what} of run ${this.o.run} over Kafka`,
        ),
    );
  }
}
