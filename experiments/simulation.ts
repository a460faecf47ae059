/**
 * The composition root of a run: builds the datacenter (the physical world), one PM agent per
 * host with its own policy, peer sampler and random stream, the transport and the engine, then
 * drives steps and rounds and collects metrics. Pure with respect to the outside world: it reads
 * no flags, files or clocks, so one config and seed give one result.
 */
import { ConfigError, invariant } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { noScheduledEvents, resolveSchedule } from '../src/model/events.ts';
import { lifecycleSummary, type HostLoss } from '../src/metrics/lifecycle.ts';
import { CycleEngine } from '../src/engine/cycle-engine.ts';
import { RunDriver } from '../src/engine/run-driver.ts';
import { Datacenter } from '../src/model/datacenter.ts';
import type { CentralisedController } from '../src/policy/centralised/controller.ts';
import {
  MetricsCollector,
  type NodeRow,
  type RewardRow,
  type StepRow,
  type Summary,
} from '../src/metrics/collector.ts';
import type { PolicyRegistry } from '../src/policy/registry.ts';
import { TransportInMemory } from '../src/transport/transport-in-memory.ts';
import type { Transport } from '../src/transport/transport.ts';
import { TransportIsolating } from '../src/transport/transport-isolating.ts';
import type { Workload } from '../src/workload/workload.ts';
import type { Message } from '../protocols/messages.ts';
import type { PmAgent } from '../nodes/pm-agent.ts';
import {
  buildAgents,
  buildAgentsInChunks,
  preparePolicy,
  type NodeRunSpec,
} from '../nodes/build-agents.ts';
import {
  applyEvent,
  eventEffects,
  type EffectSink,
  type NodeEvent,
  type ObserverSink,
} from '../nodes/node-events.ts';
import { parseRange } from '../nodes/run-control.ts';
import { KafkaDriver } from './kafka/driver.ts';
import { chooseTopicLayout } from '../src/transport/kafka/topic-layout.ts';
import { readKafkaSecurity } from './kafka/kafka-security.ts';
import type { ExperimentConfig } from './config.ts';
import { POLICIES } from './policies.ts';
import { centralisedController, runControllerStep } from './centralised-runner.ts';
import { LifecycleRunner } from './lifecycle.ts';
import { Fleet } from './fleet-view.ts';
import { buildWorld, nodeRunSpec, type World } from './world.ts';

export { buildWorld, nodeRunSpec, policyOptions, type World } from './world.ts';

/** What a caller may observe or control while a run goes (also accepted by `run`). */
export interface RunHooks {
  /** Called after every step with its row. */
  onStep?(row: StepRow): void;
  /**
   * Polled between steps, after a yield to the event loop (so signal handlers have run); returning
   * true ends the run early (the result is marked truncated, `stopReason` 'stopped').
   */
  shouldStop?(): boolean;
}

export interface SimulationHooks extends RunHooks {
  /** Wraps the transport (e.g. with fault injection in tests). */
  wrapTransport?(t: Transport<Message>): Transport<Message>;
  /** Observes each committed migration. */
  onMigration?(vm: number, from: number, to: number): void;
  /** The policies the run may name (default: experiments/policies.ts). */
  policies?: PolicyRegistry;
  /** Visit every agent every round instead of the active set (equivalence tests' reference). */
  plainLoop?: boolean;
  /** `Simulation.create`'s set-up progress: agents built so far, of `total`. */
  onSetup?(built: number, total: number): void;
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
  /** 'done': every step ran; 'stopped': `shouldStop` said so; 'error': see `error`. */
  stopReason: 'done' | 'stopped' | 'error';
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
  /** The run's events (null without any). */
  readonly lifecycle: LifecycleRunner | null;
  /** What every process builds its agents from (node hosts get it in the run's start record). */
  readonly spec: NodeRunSpec;
  /** The scheduler's view of the PMs, in runs with events. */
  private fleet: Fleet | null = null;

  /**
   * Builds a run: awaits the policy's run-wide preparation (unless `prepared`, a previous run's,
   * is given: train.ts carries one DQN across episodes) and, for the Kafka transport, connects,
   * creates the run's topics and waits for remote node hosts.
   */
  static async create(
    config: ExperimentConfig,
    workload: Workload,
    hooks: SimulationHooks = {},
    prepared?: unknown,
  ): Promise<Simulation> {
    if (config.lifecycle) checkLifecycleSupported(config); // before any broker is contacted
    const world = buildWorld(config, workload);
    const policies = hooks.policies ?? POLICIES;
    const spec = nodeRunSpec(config, world, policies);
    prepared ??= await preparePolicy(spec, policies);
    if (config.transport !== 'kafka') {
      const sim = new Simulation(config, workload, hooks, prepared, world, null, true);
      await sim.buildDeferredAgents();
      return sim;
    }
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
        security: readKafkaSecurity(k),
        secretFile: k.secretFile,
        layout: chooseTopicLayout(config.pms, k.topicLayout),
        tolerateHostLoss: k.tolerateHostLoss,
      },
      config.pms,
      (events, invalid) => sim!.applyEvents(events, invalid),
      ([lo, hi], barrier) =>
        sim!.loseHost(
          Array.from({ length: hi - lo + 1 }, (_, i) => lo + i),
          barrier,
        ),
    );
    try {
      sim = new Simulation(config, workload, hooks, prepared, world, driver, true);
      await sim.buildDeferredAgents();
      await driver.startRun(sim.spec, {
        steps: Math.min(config.steps, workload.maxSteps),
        roundsPerStep: config.roundsPerStep,
        vmCount: workload.vmCount,
        events: sim.lifecycle !== null,
      });
      return sim;
    } catch (e) {
      await driver.finish(e instanceof Error ? e.message : String(e));
      throw e;
    }
  }

  /**
   * A run in memory, built synchronously (tests drive it step by step). Policies that need
   * preparation and Kafka runs are built with `Simulation.create`.
   */
  constructor(
    readonly config: ExperimentConfig,
    readonly workload: Workload,
    private readonly hooks: SimulationHooks = {},
    readonly prepared: unknown = undefined,
    world: World = buildWorld(config, workload),
    private readonly kafka: KafkaDriver | null = null,
    deferAgents = false,
  ) {
    if (config.lifecycle) checkLifecycleSupported(config);
    invariant(
      (config.transport === 'kafka') === (kafka !== null),
      () => `a ${config.transport} run was built without Simulation.create`,
    );
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
      status: (node, s) => {
        if (this.fleet?.report(node, s) !== true) metrics.onInvalidMessage(); // not expected
      },
    };
    // A run that tolerates losing node hosts has events: the lost hosts' PMs crash.
    const events =
      config.lifecycle ??
      (config.transport === 'kafka' && config.kafka.tolerateHostLoss
        ? noScheduledEvents()
        : undefined);
    const schedule = events
      ? resolveSchedule(events.events, pms, config.seed, workload.vmCount, workload.vmLifetimes?.())
      : null;
    let fx: EffectSink;
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
      let transport: Transport<Message> = hooks.wrapTransport ? hooks.wrapTransport(inner) : inner;
      fx = { send: (m) => transport.send(m), ...this.observer };
      if (schedule && schedule.hostLosses.length > 0) {
        // Node hosts lost over Kafka, replayed: cut off, then crashed at the next step.
        const cut = new TransportIsolating(transport, pms, schedule.hostLosses, (lost, b) =>
          this.loseHost(lost, b),
        );
        transport = cut;
        fx = { send: (m) => cut.send(m), ...unlessCutOff(this.observer, (n) => cut.isolated(n)) };
      }
      this.transport = transport;
      local = Array.from({ length: pms }, (_, i) => i);
    }
    // VMs that arrive later are in no PM at the start; nor are the VMs the initial placement put
    // on PMs that join later: the scheduler places those at step 0.
    const absentPms = new Set([...(schedule?.joins.values() ?? [])].flat());
    const placeAtStart: number[] = [];
    const arriving = new Set([...(schedule?.arrivals.values() ?? [])].flat());
    for (let vm = 0; vm < workload.vmCount && schedule; vm++) {
      const onAbsent = absentPms.has(world.placement[vm]!);
      if (!arriving.has(vm) && !onAbsent) continue;
      dc.withhold(vm);
      world.placement[vm] = -1;
      if (onAbsent && !arriving.has(vm)) placeAtStart.push(vm);
    }
    for (const h of absentPms) dc.crash(h);
    // Each PM's hypervisor reads the VMs it hosts; agents only ever ask about their own VMs.
    const sensor = {
      cpuMips: (vm: number) => dc.vmCpuMips[vm]!,
      ramMb: (vm: number) => dc.vmRamUsedMb[vm]!,
      ended: (vm: number) => dc.vmEnded[vm] === 1,
      // Where PMs crash, a sender whose recipient went silent asks whether its VM still runs here.
      ...(events
        ? { runsHere: (vm: number, pm: number) => dc.vmHost[vm] === pm && dc.vmDown[vm] === 0 }
        : {}),
    };
    const policies = hooks.policies ?? POLICIES;
    // After the withholding above: VMs that arrive later are on no PM.
    const spec = nodeRunSpec(config, world, policies);
    this.spec = spec;
    if (deferAgents) {
      // Filled in place by buildDeferredAgents (the engine keeps this array).
      this.agents = new Array<PmAgent | undefined>(pms);
      this.deferred = () =>
        buildAgentsInChunks(
          this.agents,
          spec,
          policies,
          local,
          prepared,
          sensor,
          fx,
          (built, total) => {
            hooks.onSetup?.(built, total);
            return yieldToEventLoop();
          },
        );
    } else this.agents = buildAgents(spec, policies, local, prepared, sensor, fx);
    this.engine = new CycleEngine<Message>(this.agents, this.transport, {
      plainLoop: hooks.plainLoop ?? false,
    });
    this.controller = centralisedController(config, policies, spec.policyOptions, dc);
    if (events && schedule) {
      dc.trackLifecycle();
      this.fleet = new Fleet(this.agents, dc, local, world.placement);
      this.lifecycle = new LifecycleRunner(
        schedule,
        events,
        new Rng(config.seed).fork('admission'),
        {
          datacenter: dc,
          fleet: this.fleet!,
          woke: (node) => this.observer.woke(node),
          migrated: (vm, from, to) => this.moved(vm, from, to, true),
        },
        { absentPms: [...absentPms].sort((a, b) => a - b), placeAtStart },
      );
    } else this.lifecycle = null;
  }

  private readonly observer: ObserverSink;
  /** The agents still to build, when the constructor deferred them (`Simulation.create`). */
  private deferred: (() => Promise<void>) | null = null;

  /**
   * A node host was lost (over Kafka, or its replay in memory) at the current barrier: its PMs
   * crash at the next step's start, for good.
   */
  loseHost(pms: readonly number[], barrier: number): void {
    const step = this.datacenter.step;
    this.lifecycle!.crashLater(step + 1, pms);
    this.hostLosses.push({ barrier, step, firstPm: pms[0]!, lastPm: pms[pms.length - 1]! });
  }

  /** Node hosts lost during the run. */
  private readonly hostLosses: HostLoss[] = [];

  /** Builds the deferred agents in chunks, yielding to the event loop between them. */
  private async buildDeferredAgents(): Promise<void> {
    await this.deferred?.();
    this.deferred = null;
  }

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

  /** Sets each VM's demand for `step`, carries out its events, and lets every PM read its own VMs. */
  beginStep(step: number): void {
    this.setDemand(step);
    this.lifecycle?.beginStep(step);
    this.engine.startStep(step);
  }

  /** The datacenter's demand for `step`, from the workload. */
  private setDemand(step: number): void {
    this.workload.cpuUtilAt(step, this.util);
    if (this.workload.ramUtilAt) {
      this.workload.ramUtilAt(step, this.ramUtil);
      this.datacenter.beginStep(step, this.util, this.ramUtil);
    } else this.datacenter.beginStep(step, this.util);
  }

  /**
   * Centralised policies: the controller's decision for this step, applied as hypervisor events
   * (experiments/centralised-runner.ts). Does nothing for gossip policies.
   */
  runController(step = this.datacenter.step): void {
    if (this.controller === null) return;
    if (this.lifecycle && !this.lifecycle.controllerUp(step)) return; // an outage: no decisions
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
    const driver = new RunDriver(this.engine, steps, this.config.roundsPerStep);
    const outcome = await driver.run({
      beginStep: async (step) => {
        this.setDemand(step);
        this.lifecycle?.beginStep(step);
        const ops = this.fleet?.takeQueued() ?? [];
        await this.kafka?.beginStep(step, this.datacenter, this.workload, ops);
        return true;
      },
      // Node hosts report their PMs' statuses to the scheduler at a barrier of their own (in
      // memory, a replay of a lost host counts it too).
      ...(this.lifecycle ? { afterRounds: async () => this.transport.sync?.() } : {}),
      controller: (step) => this.runController(step),
      afterRound: (stats) => this.metrics.onMessages(stats.messages),
      endStep: () => {
        const row = this.endStep(); // not inside `onStep?.(…)`: an absent hook would skip it
        hooks.onStep?.(row);
      },
      ...(hooks.shouldStop ? { shouldStop: yieldThen(hooks.shouldStop) } : {}),
      check: () => checkConservation(this.agents, this.datacenter),
      finish: async (error) => {
        await this.transport.close();
        await this.kafka?.finish(error);
      },
    });
    const error = outcome.error;
    const stopReason = error !== undefined ? 'error' : outcome.truncated ? 'stopped' : 'done';
    return {
      ...this.result(outcome.truncated),
      stopReason,
      ...(error === undefined ? {} : { error }),
    };
  }

  result(truncated: boolean): SimulationResult {
    const dc = this.datacenter;
    const summary = this.metrics.summary(this.workload.vmCount);
    if (this.lifecycle) {
      let lost = 0;
      for (let h = 0; h < this.config.pms; h++) lost += this.fleet!.lost(h);
      summary.lifecycle = lifecycleSummary(
        this.metrics.rows,
        this.lifecycle.crashSteps(),
        this.workload.stepSeconds,
        lost,
        this.lifecycle.drainSummaries(),
        this.hostLosses,
      );
    }
    return {
      summary,
      rows: this.metrics.rows,
      nodes: this.metrics.nodeRows((n) => dc.vmsOn(n), dc.awake),
      rewards: this.metrics.rewards,
      truncated,
      stopReason: truncated ? 'stopped' : 'done',
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

/** Every VM is owned by exactly one agent, the host the datacenter runs it on; sleepers hold none. */
export function checkConservation(agents: readonly (PmAgent | undefined)[], dc: Datacenter): void {
  const seen = new Uint8Array(dc.vmCount);
  let remote = false;
  for (const a of agents) {
    if (a === undefined) {
      remote = true; // hosted elsewhere: only the datacenter's side can be checked here
      continue;
    }
    const s = a.node;
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
    if (dc.vmEnded[vm] === 1 && seen[vm] === 0) continue; // ended: it left its host
    if (dc.vmDown[vm] === 1) {
      invariant(seen[vm] === 0, () => `VM ${vm} is down but owned by PM ${dc.vmHost[vm]}`);
      continue; // its host crashed: it waits in the restart queue
    }
    invariant(
      dc.awake[dc.vmHost[vm]!] === 1,
      () => `VM ${vm} runs on sleeping host ${dc.vmHost[vm]}`,
    );
    invariant(remote || seen[vm] === 1, () => `VM ${vm} has no owner`);
  }
}

/** Lets pending I/O callbacks and signal handlers run before the synchronous work goes on. */
const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

/** `stop`, asked after one yield to the event loop (one setImmediate per step: microseconds). */
const yieldThen = (stop: () => boolean) => async () => (await yieldToEventLoop(), stop());

/**
 * The cloudsim profile's timeline takes host failures and drains (its VMs keep the trace's
 * lifetimes), not joins nor VM arrivals and departures.
 */
function checkLifecycleSupported(config: ExperimentConfig): void {
  const unsupported = config.lifecycle!.events.find(
    (e) =>
      e.kind === 'pm-join' ||
      e.kind === 'vm-arrivals' ||
      e.kind === 'vm-departures' ||
      e.kind === 'vm-lifetimes',
  );
  if (config.cloudsim && unsupported)
    throw new ConfigError(
      `a ${unsupported.kind} event needs the default profile: on the cloudsim profile VMs live as long as the trace says and the fleet is fixed (crashes, drains and controller outages run on both)`,
    );
}

/** `observer` deaf to the events of cut-off nodes (a lost host's: they never reach the driver). */
function unlessCutOff(observer: ObserverSink, cut: (node: number) => boolean): ObserverSink {
  return {
    ...observer,
    migrated: (vm, from, to) => cut(to) || observer.migrated(vm, from, to),
    slept: (node) => cut(node) || observer.slept(node),
    woke: (node) => cut(node) || observer.woke(node),
    rewarded: (node, role, r) => cut(node) || observer.rewarded(node, role, r),
    rejected: (node, m) => cut(node) || observer.rejected(node, m),
    exchangeStarted: (node) => cut(node) || observer.exchangeStarted(node),
  };
}
