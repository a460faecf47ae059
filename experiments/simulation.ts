/**
 * The composition root of a run: builds the datacenter (the physical world), one PM agent per
 * host with its own policy, peer sampler and random stream, the transport and the engine, then
 * drives steps and rounds and collects metrics. Pure with respect to the outside world: it reads
 * no flags, files or clocks, so one config and seed give one result.
 */
import { Rng } from '../src/core/rng.ts';
import { invariant } from '../src/core/errors.ts';
import { CycleEngine } from '../src/engine/cycle-engine.ts';
import { Datacenter } from '../src/model/datacenter.ts';
import { HOST_TYPES, VM_TYPES } from '../src/model/hardware.ts';
import { initialPlacement } from '../src/model/placement.ts';
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
import { MsgType, type Message } from '../protocols/messages.ts';
import type { Effects } from '../protocols/node-state.ts';
import type { PmAgent } from '../nodes/pm-agent.ts';
import { buildAgents, preparePolicy, type NodeRunSpec } from '../nodes/build-agents.ts';
import type { ExperimentConfig } from './config.ts';

export interface SimulationHooks {
  /** Called after every step with its row. */
  onStep?(row: StepRow): void;
  /** Polled between steps; returning true ends the run early (the result is marked truncated). */
  shouldStop?(): boolean;
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
  /** True when the run stopped before `config.steps` (shouldStop). */
  truncated: boolean;
  agents: PmAgent[];
  datacenter: Datacenter;
}

/**
 * One run, built and driven step by step. `run()` does the whole thing; tests drive
 * `beginStep` / `runRound` / `endStep` themselves.
 */
export class Simulation {
  readonly agents: PmAgent[];
  readonly datacenter: Datacenter;
  readonly metrics: MetricsCollector;
  readonly transport: Transport<Message>;
  readonly engine: CycleEngine<Message>;
  private readonly util: Float64Array;

  /** Builds a run, awaiting the policy's run-wide preparation (if it has one) first. */
  static async create(
    config: ExperimentConfig,
    workload: Workload,
    hooks: SimulationHooks = {},
  ): Promise<Simulation> {
    const world = buildWorld(config, workload);
    const prepared = await preparePolicy(nodeRunSpec(config, world));
    return new Simulation(config, workload, hooks, prepared, world);
  }

  /** Use `Simulation.create` for policies that need preparation; this constructor is synchronous. */
  constructor(
    readonly config: ExperimentConfig,
    readonly workload: Workload,
    private readonly hooks: SimulationHooks = {},
    readonly prepared: unknown = undefined,
    world: World = buildWorld(config, workload),
  ) {
    const pms = config.pms;
    const dc = world.datacenter;
    const metrics = new MetricsCollector(pms);
    const inner = new TransportInMemory<Message>(pms);
    const transport = hooks.wrapTransport ? hooks.wrapTransport(inner) : inner;
    this.datacenter = dc;
    this.metrics = metrics;
    this.transport = transport;
    this.util = new Float64Array(workload.vmCount);

    const fx: Effects = {
      send: (m) => {
        if (m.type === MsgType.Probe || m.type === MsgType.Wake) metrics.onExchangeStarted();
        transport.send(m);
      },
      migrated: (vm, from, to) => {
        dc.onMigration(vm, from, to);
        metrics.onMigration(from, to);
        hooks.onMigration?.(vm, from, to);
      },
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
    };
    // Each PM's hypervisor reads the VMs it hosts; agents only ever ask about their own VMs.
    const sensor = {
      cpuMips: (vm: number) => dc.vmCpuMips[vm]!,
      ramMb: (vm: number) => dc.vmRamMb[vm]!,
    };
    const all = Array.from({ length: pms }, (_, i) => i);
    this.agents = buildAgents(nodeRunSpec(config, world), all, prepared, sensor, fx) as PmAgent[];
    this.engine = new CycleEngine<Message>(this.agents, transport);
  }

  /** Sets each VM's demand for `step` and lets every PM read its own VMs. */
  beginStep(step: number): void {
    this.workload.cpuUtilAt(step, this.util);
    this.datacenter.beginStep(step, this.util);
    this.engine.startStep(step);
  }

  async runRound(): Promise<void> {
    const { messages } = await this.engine.runRound();
    this.metrics.onMessages(messages);
  }

  endStep(): StepRow {
    return this.metrics.endStep(this.datacenter.endStep(), this.datacenter.awake);
  }

  async run(): Promise<SimulationResult> {
    const steps = Math.min(this.config.steps, this.workload.maxSteps);
    let truncated = false;
    for (let step = 0; step < steps; step++) {
      if (this.hooks.shouldStop?.()) {
        truncated = true;
        break;
      }
      this.beginStep(step);
      for (let r = 0; r < this.config.roundsPerStep; r++) await this.runRound();
      const row = this.endStep(); // not inside `onStep?.(…)`: an absent hook would skip it
      this.hooks.onStep?.(row);
    }
    await this.transport.close();
    checkConservation(this.agents, this.datacenter);
    return this.result(truncated);
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
  return { qlearning: config.qlearning };
}

/** The physical world at t = 0: host and VM types, the initial placement, the datacenter. */
export interface World {
  datacenter: Datacenter;
  placement: Int32Array;
}

export function buildWorld(config: ExperimentConfig, workload: Workload): World {
  const hosts = Array.from({ length: config.pms }, (_, i) => HOST_TYPES[i % HOST_TYPES.length]!);
  const vms = Array.from({ length: workload.vmCount }, (_, i) => VM_TYPES[i % VM_TYPES.length]!);
  const placement = initialPlacement(
    Float64Array.from(hosts, (h) => h.ramMb),
    Float64Array.from(vms, (v) => v.ramMb),
    config.placement,
    new Rng(config.seed).fork('placement'),
  );
  const datacenter = new Datacenter(hosts, vms, placement, {
    stepSeconds: workload.stepSeconds,
    sleepPowerW: config.datacenter.sleepPowerW,
    migrationCpuOverhead: config.datacenter.migrationCpuOverhead,
  });
  return { datacenter, placement };
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
export function checkConservation(agents: readonly PmAgent[], dc: Datacenter): void {
  const seen = new Uint8Array(dc.vmCount);
  for (const a of agents) {
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
  const missing = seen.indexOf(0);
  invariant(missing < 0, () => `VM ${missing} has no owner`);
}
