/**
 * The composition root of a run: builds the datacenter (the physical world), one PM agent per
 * host with its own policy, peer sampler and random stream, the transport and the engine, then
 * drives steps and rounds and collects metrics. Pure with respect to the outside world: it reads
 * no flags, files or clocks, so one config and seed give one result.
 */
import { Rng } from '../src/core/rng.ts';
import { UserError } from '../src/core/errors.ts';
import { invariant } from '../src/core/errors.ts';
import { CycleEngine } from '../src/engine/cycle-engine.ts';
import { Datacenter, type CloudSimTimeline } from '../src/model/datacenter.ts';
import { HOST_TYPES } from '../src/model/hardware.ts';
import { initialPlacement } from '../src/model/placement.ts';
import { cloudSimInitialPlacement } from '../src/model/placement-cloudsim.ts';
import { profileOf } from '../src/model/profile.ts';
import type { CentralisedController } from '../src/policy/centralised/controller.ts';
import {
  MetricsCollector,
  type NodeRow,
  type RewardRow,
  type StepRow,
  type Summary,
} from '../src/metrics/collector.ts';
import type { PolicyOptions } from '../src/policy/registry.ts';
import { TransportInMemory } from '../src/transport/transport-in-memory.ts';
import type { Transport } from '../src/transport/transport.ts';
import type { Workload } from '../src/workload/workload.ts';
import type { Message } from '../protocols/messages.ts';
import type { Effects } from '../protocols/node-state.ts';
import type { PmAgent } from '../nodes/pm-agent.ts';
import { buildAgents, preparePolicy, type NodeRunSpec } from '../nodes/build-agents.ts';
import { applyEvent, eventEffects, type NodeEvent } from '../nodes/node-events.ts';
import { parseRange } from '../nodes/kafka-run.ts';
import { KafkaDriver } from './kafka/driver.ts';
import type { ExperimentConfig } from './config.ts';
import { centralisedController, runControllerStep } from './centralised-runner.ts';

/** What a caller may observe or control while a run goes (also accepted by `run`). */
export interface RunHooks {
  /** Called after every step with its row. */
  onStep?(row: StepRow): void;
  /** Polled between steps; returning true ends the run early (the result is marked truncated). */
  shouldStop?(): boolean;
}

export interface SimulationHooks extends RunHooks {
  /** Wraps the transport (e.g. with fault injection in tests). */
  wrapTransport?(t: Transport<Message>): Transport<Message>;
  /** Observes each committed migration. */
  onMigration?(vm: number, from: number, to: number): void;
}

export interface SimulationResult {
  summary: Summary;
  rows: StepRow[];
  nodes: NodeRow[];
  rewards: RewardRow[];
  /** True when the run stopped before `config.steps` (interrupted, or `error`). */
  truncated: boolean;
  /** Why the run stopped early, when a failure (not an interruption) ended it. */
  error?: string;
  agents: (PmAgent | undefined)[];
  datacenter: Datacenter;
}

/**
 * One run, built and driven step by step. `run()` does the whole thing; tests drive
 * `beginStep` / `runRound` / `endStep` themselves.
 */
export class Simulation {
  /** Agents hosted in this process, indexed by node id (holes for nodes of remote node hosts). */
  readonly agents: (PmAgent | undefined)[];
  readonly datacenter: Datacenter;
  readonly metrics: MetricsCollector;
  readonly transport: Transport<Message>;
  readonly engine: CycleEngine<Message>;
  private readonly util: Float64Array;
  private readonly ramUtil: Float64Array;
  /** The controller of a centralised policy (null for gossip policies). */
  private readonly controller: CentralisedController | null;

  /**
   * Builds a run: awaits the policy's run-wide preparation (if any) and, for the Kafka transport,
   * connects, creates the run's topics and waits for remote node hosts.
   */
  static async create(
    config: ExperimentConfig,
    workload: Workload,
    hooks: SimulationHooks = {},
  ): Promise<Simulation> {
    const world = buildWorld(config, workload);
    const spec = nodeRunSpec(config, world);
    const prepared = await preparePolicy(spec);
    if (config.transport !== 'kafka')
      return new Simulation(config, workload, hooks, prepared, world);
    let sim: Simulation | undefined;
    const k = config.kafka;
    const driver = await KafkaDriver.open(
      {
        brokers: k.brokers,
        run: k.run ?? KafkaDriver.defaultRunId(),
        remote: k.remoteNodes.map((r) => parseRange(r)!),
        barrierTimeoutMs: k.barrierTimeoutMs,
        joinTimeoutMs: k.joinTimeoutMs,
        keepTopics: k.keepTopics,
      },
      config.pms,
      (events, invalid) => sim!.applyEvents(events, invalid),
    );
    try {
      sim = new Simulation(config, workload, hooks, prepared, world, driver);
      await driver.startRun(spec, {
        steps: Math.min(config.steps, workload.maxSteps),
        roundsPerStep: config.roundsPerStep,
        vmCount: workload.vmCount,
      });
      return sim;
    } catch (e) {
      await driver.finish(e instanceof Error ? e.message : String(e));
      throw e;
    }
  }

  /** Use `Simulation.create` for policies that need preparation; this constructor is synchronous. */
  constructor(
    readonly config: ExperimentConfig,
    readonly workload: Workload,
    private readonly hooks: SimulationHooks = {},
    readonly prepared: unknown = undefined,
    world: World = buildWorld(config, workload),
    private readonly kafka: KafkaDriver | null = null,
  ) {
    const pms = config.pms;
    const dc = world.datacenter;
    const metrics = new MetricsCollector(pms);
    this.datacenter = dc;
    this.metrics = metrics;
    this.util = new Float64Array(workload.vmCount);
    this.ramUtil = new Float64Array(workload.vmCount);
    // What the world observes of the agents: the datacenter moves VMs, metrics count.
    this.observer = {
      migrated: (vm, from, to) => this.moved(vm, from, to, true),
      slept: (node) => {
        dc.onSleep(node);
        metrics.onSleep(node);
      },
      woke: (node) => {
        dc.onWake(node);
        metrics.onWake(node);
      },
      rewarded: (node, role, r) => metrics.onReward(node, role, r),
      rejected: () => metrics.onInvalidMessage(),
      exchangeStarted: () => metrics.onExchangeStarted(),
    };
    let fx: Effects;
    let local: number[];
    if (kafka) {
      const t = kafka.transport;
      this.transport = t;
      fx = eventEffects(
        (m) => t.send(m),
        (e) => t.emit(e),
        pms,
      );
      local = t.localNodes();
    } else {
      const inner = new TransportInMemory<Message>(pms);
      const transport = hooks.wrapTransport ? hooks.wrapTransport(inner) : inner;
      this.transport = transport;
      fx = { send: (m) => transport.send(m), ...this.observer };
      local = Array.from({ length: pms }, (_, i) => i);
    }
    // Each PM's hypervisor reads the VMs it hosts; agents only ever ask about their own VMs.
    const sensor = {
      cpuMips: (vm: number) => dc.vmCpuMips[vm]!,
      ramMb: (vm: number) => dc.vmRamUsedMb[vm]!,
    };
    this.agents = buildAgents(nodeRunSpec(config, world), local, prepared, sensor, fx);
    this.engine = new CycleEngine<Message>(this.agents, this.transport);
    this.controller = centralisedController(config, policyOptions(config), dc);
  }

  private readonly observer: Omit<Effects, 'send'>;

  /** A VM moved: the datacenter moves it (charging PDM unless a reference repack moved it), metrics count it. */
  private moved(vm: number, from: number, to: number, charged: boolean): void {
    this.datacenter.onMigration(vm, from, to, charged);
    this.metrics.onMigration(from, to);
    this.hooks.onMigration?.(vm, from, to);
  }

  /** Applies node events gathered over Kafka (already in canonical order). */
  private applyEvents(events: readonly NodeEvent[], invalidRecords: number): void {
    for (const e of events) applyEvent(e, this.observer);
    for (let i = 0; i < invalidRecords; i++) this.metrics.onInvalidMessage();
  }

  /** Sets each VM's demand for `step` and lets every PM read its own VMs. */
  beginStep(step: number): void {
    this.workload.cpuUtilAt(step, this.util);
    if (this.workload.ramUtilAt) {
      this.workload.ramUtilAt(step, this.ramUtil);
      this.datacenter.beginStep(step, this.util, this.ramUtil);
    } else this.datacenter.beginStep(step, this.util);
    this.engine.startStep(step);
  }

  /**
   * Centralised policies: the controller's decision for this step, applied as hypervisor events
   * (experiments/centralised-runner.ts). Does nothing for gossip policies.
   */
  runController(): void {
    if (this.controller === null) return;
    runControllerStep(this.controller, {
      datacenter: this.datacenter,
      agents: this.agents,
      woke: (node) => this.observer.woke(node),
      migrated: (vm, from, to, charged) => this.moved(vm, from, to, charged),
    });
  }

  async runRound(): Promise<void> {
    const { messages } = await this.engine.runRound();
    this.metrics.onMessages(messages);
  }

  endStep(): StepRow {
    return this.metrics.endStep(this.datacenter.endStep(), this.datacenter.awake);
  }

  /**
   * Runs every step. A user-facing failure mid-run (e.g. Kafka unreachable) ends the run early:
   * the result so far comes back with `error` set, so nothing computed is lost. `hooks` replace
   * the run hooks given to `create` (a CLI builds the run before it has its progress bar).
   */
  async run(hooks: RunHooks = this.hooks): Promise<SimulationResult> {
    const steps = Math.min(this.config.steps, this.workload.maxSteps);
    let truncated = false;
    let error: string | undefined;
    try {
      for (let step = 0; step < steps; step++) {
        if (hooks.shouldStop?.()) {
          truncated = true;
          break;
        }
        this.beginStep(step);
        await this.kafka?.beginStep(step, this.datacenter);
        this.runController();
        for (let r = 0; r < this.config.roundsPerStep; r++) await this.runRound();
        const row = this.endStep(); // not inside `onStep?.(…)`: an absent hook would skip it
        hooks.onStep?.(row);
      }
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      truncated = true;
      error = e.message;
    } finally {
      await this.transport.close();
      await this.kafka?.finish(error);
    }
    if (error === undefined) checkConservation(this.agents, this.datacenter);
    return { ...this.result(truncated), ...(error === undefined ? {} : { error }) };
  }

  result(truncated: boolean): SimulationResult {
    const dc = this.datacenter;
    return {
      summary: this.metrics.summary(this.workload.vmCount),
      rows: this.metrics.rows,
      nodes: this.metrics.nodeRows((n) => dc.vmsOn(n), dc.awake),
      rewards: this.metrics.rewards,
      truncated,
      agents: this.agents,
      datacenter: dc,
    };
  }
}

export async function simulate(
  config: ExperimentConfig,
  workload: Workload,
  hooks: SimulationHooks = {},
): Promise<SimulationResult> {
  return (await Simulation.create(config, workload, hooks)).run();
}

/** The policy sections of a config. */
export function policyOptions(config: ExperimentConfig): PolicyOptions {
  return {
    qlearning: config.qlearning,
    dqn: config.dqn,
    glap: config.glap,
    baselines: config.baselines,
    ...(config.cloudsim ? { cloudsim: config.cloudsim } : {}),
  };
}

/** The physical world at t = 0: host and VM types, the initial placement, the datacenter. */
export interface World {
  datacenter: Datacenter;
  placement: Int32Array;
}

export function buildWorld(config: ExperimentConfig, workload: Workload): World {
  const profile = profileOf(config.profile);
  const hosts = Array.from({ length: config.pms }, (_, i) => HOST_TYPES[i % HOST_TYPES.length]!);
  const vms = Array.from({ length: workload.vmCount }, (_, i) =>
    profile.vmType(i, workload.vmCount),
  );
  const placement =
    config.placement === 'cloudsim'
      ? cloudSimInitialPlacement(hosts, vms)
      : initialPlacement(
          Float64Array.from(hosts, (h) => h.ramMb),
          Float64Array.from(vms, (v) => v.ramMb),
          config.placement,
          new Rng(config.seed).fork('placement'),
        );
  const datacenter = new Datacenter(hosts, vms, placement, {
    stepSeconds: workload.stepSeconds,
    sleepPowerW: config.datacenter.sleepPowerW,
    migrationCpuOverhead: config.datacenter.migrationCpuOverhead,
    ramBinds: profile.ramBinds,
    zeroPowerAtZeroCpu: profile.zeroPowerAtZeroCpu,
    overloadAboveCapacityOnly: profile.overloadAboveCapacityOnly,
    ...(config.cloudsim ? { cloudsim: cloudSimTimeline(config, workload) } : {}),
  });
  return { datacenter, placement };
}

/** CloudSim's datacenter timeline for a run: its behaviours, and the trace read ahead. */
function cloudSimTimeline(config: ExperimentConfig, workload: Workload): CloudSimTimeline {
  const c = config.cloudsim!;
  return {
    physics: {
      sampleOffsetSeconds: c.sampleOffsetSeconds,
      vmEndsAtZeroDemand: c.vmEndsAtZeroDemand,
      migrationInFlight: c.migrationInFlight,
      vmCappedAtOneCore: c.vmCappedAtOneCore,
      firstStepUnmetered: c.firstStepUnmetered,
      lastStepCutAtLastMigration: c.lastStepCutAtLastMigration,
    },
    steps: Math.min(config.steps, workload.maxSteps),
    traceSteps: workload.maxSteps,
    traceAt: (step, out) => workload.cpuUtilAt(step, out),
  };
}

/** What node hosts need to build their agents (shipped to remote node hosts as is). */
export function nodeRunSpec(config: ExperimentConfig, world: World): NodeRunSpec {
  const dc = world.datacenter;
  return {
    seed: config.seed,
    pms: config.pms,
    policy: config.policy,
    policyOptions: policyOptions(config),
    protocol: config.protocol,
    peerSampling: config.peerSampling,
    cyclon: config.cyclon,
    cpuCapMips: Array.from(dc.cpuCapMips),
    ramCapMb: Array.from(dc.ramCapMb),
    placement: Array.from(world.placement),
  };
}

/** Every VM is owned by exactly one agent, the host the datacenter runs it on; sleepers hold none. */
export function checkConservation(agents: readonly (PmAgent | undefined)[], dc: Datacenter): void {
  const seen = new Uint8Array(dc.vmCount);
  let remote = false;
  for (const a of agents) {
    if (a === undefined) {
      remote = true; // hosted elsewhere: only the datacenter's side can be checked here
      continue;
    }
    const s = a.state;
    invariant(
      !s.asleep || s.vms.length === 0,
      () => `sleeping PM ${s.id} holds ${s.vms.length} VMs`,
    );
    invariant(
      s.asleep === (dc.awake[s.id] === 0),
      () => `PM ${s.id} and the datacenter disagree on its sleep`,
    );
    for (const vm of s.vms) {
      invariant(seen[vm] === 0, () => `VM ${vm} is owned twice`);
      invariant(
        dc.vmHost[vm] === s.id,
        () => `VM ${vm} owned by ${s.id} but runs on ${dc.vmHost[vm]}`,
      );
      seen[vm] = 1;
    }
  }
  for (let vm = 0; vm < dc.vmCount; vm++) {
    invariant(
      dc.awake[dc.vmHost[vm]!] === 1,
      () => `VM ${vm} runs on sleeping host ${dc.vmHost[vm]}`,
    );
    invariant(remote || seen[vm] === 1, () => `VM ${vm} has no owner`);
  }
}
