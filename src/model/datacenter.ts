/**
 * The physical world (CloudSim's datacenter, reduced to what consolidation needs): hosts, VMs,
 * where each VM runs, and each step's demand. It observes the agents' events (migrations, sleeps,
 * wakes) to keep its placement true, and integrates energy and SLA over each step (Beloglazov &
 * Buyya 2012: SLATAH, PDM). It never decides anything.
 */
import { invariant } from '../core/errors.ts';
import { hostCpuMips, powerW, type HostType, type VmType } from './hardware.ts';
import { activePmLowerBound, sortedDescending } from './lower-bound.ts';
import { CloudSimInterval } from './cloudsim-interval.ts';
import type { CloudSimPhysics } from './cloudsim-physics.ts';

/** The `cloudsim` profile's timeline (cloudsim-interval.ts) and the trace it reads ahead. */
export interface CloudSimTimeline {
  physics: CloudSimPhysics;
  /** Steps in the run (lastStepCutAtLastMigration). */
  steps: number;
  /** Steps in the trace; later steps repeat its last sample (CloudSim's reader does so). */
  traceSteps: number;
  /** Writes each VM's CPU utilisation (0..1) at a step below `traceSteps`. */
  traceAt(step: number, out: Float64Array): void;
}

export interface DatacenterOptions {
  /** Length of a step, in seconds. */
  stepSeconds: number;
  /** Power drawn by a sleeping host, in watts. */
  sleepPowerW: number;
  /** Fraction (0..1) of a migrating VM's CPU lost during the migration. */
  migrationCpuOverhead: number;
  /**
   * Energy of power-state transitions, added to the step in which they happen: a wake-up draws
   * the host's peak power for `wakeSeconds`, going to sleep its idle power for `sleepSeconds`.
   * Absent: switching is instant and free (CloudSim's model, and the thesis's). Latency is not
   * modelled: a woken host takes VMs at once.
   */
  transitions?: { wakeSeconds: number; sleepSeconds: number };
  /**
   * Whether a VM's RAM counts against its host after placement (default true). False is CloudSim's
   * UtilizationModelNull: VMs report 0 MB in use, so memory never binds (see model/profile.ts).
   */
  ramBinds?: boolean;
  /** A host at exactly 0 % CPU draws 0 W and is not active for SLATAH (CloudSim; default false). */
  zeroPowerAtZeroCpu?: boolean;
  /**
   * A host is overloaded only when its CPU demand exceeds capacity (CloudSim: allocated <
   * requested); by default (false) a host at exactly 100 % counts too.
   */
  overloadAboveCapacityOnly?: boolean;
  /**
   * CloudSim's PowerDatacenter timeline within each step (the `cloudsim` profile): updates at the
   * step's start and at each migration's end, migrations in flight, VMs that end at zero demand.
   * Absent: the step is one interval at the step's demand, and migrations are instantaneous.
   */
  cloudsim?: CloudSimTimeline;
}

/** Physical measurements of one step. */
export interface StepStats {
  step: number;
  activePms: number;
  sleepingPms: number;
  /** Active hosts whose CPU demand reached capacity (100 % utilisation). */
  overloadedPms: number;
  lowerBound: number;
  migrations: number;
  energyKWh: number;
  /** Host-seconds active hosts spent at 100 % CPU during the step. */
  overloadSeconds: number;
  /** Host-seconds of active hosts during the step (with zeroPowerAtZeroCpu: hosts above 0 % CPU). */
  activeSeconds: number;
  /** CPU requested by all VMs over the step, in MI (MIPS × s). */
  cpuRequestedMi: number;
  /** CPU lost to migrations during the step, in MI. */
  cpuLostMi: number;
  /** Σ CPU demand / Σ CPU capacity of active hosts (0..1+). */
  activeCpuUtil: number;
  /** The `cloudsim` timeline only: hosts going from active (allocated MIPS > 0) to inactive. */
  hostShutdowns?: number;
  /**
   * Runs with events only (model/events.ts): hosts out of the fleet and VMs down at the step's
   * end; VMs restarted, arrived and ended during it.
   */
  lifecycle?: {
    downPms: number;
    downVms: number;
    restarts: number;
    arrivals: number;
    departures: number;
  };
}

export class Datacenter {
  readonly hostCount: number;
  readonly vmCount: number;
  readonly cpuCapMips: Float64Array;
  readonly ramCapMb: Float64Array;
  readonly vmMips: Float64Array;
  readonly vmRamMb: Float64Array;
  /**
   * RAM each VM counts against its host now, in MB: its type's RAM, its traced memory use (scaled
   * to its type), or 0 when RAM does not bind. What a host's hypervisor reports to its agent.
   */
  readonly vmRamUsedMb: Float64Array;
  /** Current CPU demand of each VM, in MIPS. */
  readonly vmCpuMips: Float64Array;
  /** Current CPU utilisation of each VM, 0..1 of its requested MIPS. */
  readonly vmUtil: Float64Array;
  /** Host each VM runs on. */
  readonly vmHost: Int32Array;
  /** 1 while a host is awake. */
  readonly awake: Uint8Array;
  /**
   * 1 for a VM that has ended (the `cloudsim` profile's vmEndsAtZeroDemand). It leaves its host,
   * as in CloudSim: the host's count drops at once, and its hypervisor tells its agent at the
   * next step start (`VmSensor.ended`). `vmHost` keeps the last host it ran on.
   */
  readonly vmEnded: Uint8Array;
  /** 1 once an ended VM has been taken off its host's count. */
  private readonly vmGone: Uint8Array;
  /**
   * 1 while a host is out of the fleet (model/events.ts: crashed, drained and gone, or not joined
   * yet): it is not awake, draws nothing, holds nothing and cannot be woken until it comes back.
   */
  readonly down: Uint8Array;
  /** 1 while a VM is down: its host crashed, and it waits to be restarted elsewhere. */
  readonly vmDown: Uint8Array;
  /** Whether the run has events: steps then report `lifecycle`. */
  private lifecycle = false;
  private downVms = 0;
  private stepRestarts = 0;
  private stepArrivals = 0;
  private stepDepartures = 0;
  /** Joules of this step's power-state transitions (`transitions`). */
  private stepTransitionJ = 0;
  /** The `cloudsim` profile's step integrator (null in other profiles); it takes an observer. */
  readonly interval: CloudSimInterval | null;
  private readonly hostVmCount: Int32Array;
  private readonly hostCpu: Float64Array;
  private readonly cpuCapDesc: Float64Array;
  private readonly ramCapDesc: Float64Array;
  private stepMigrations = 0;
  private stepCpuLostMi = 0;
  step = -1;

  constructor(
    readonly hosts: readonly HostType[],
    readonly vms: readonly VmType[],
    placement: Int32Array,
    readonly options: DatacenterOptions,
  ) {
    this.hostCount = hosts.length;
    this.vmCount = vms.length;
    invariant(placement.length === vms.length, 'placement must give a host for every VM');
    this.cpuCapMips = Float64Array.from(hosts, hostCpuMips);
    this.ramCapMb = Float64Array.from(hosts, (h) => h.ramMb);
    this.vmMips = Float64Array.from(vms, (v) => v.mips);
    this.vmRamMb = Float64Array.from(vms, (v) => v.ramMb);
    this.vmRamUsedMb =
      options.ramBinds === false ? new Float64Array(vms.length) : Float64Array.from(this.vmRamMb);
    this.vmCpuMips = new Float64Array(vms.length);
    this.vmUtil = new Float64Array(vms.length);
    this.vmHost = Int32Array.from(placement);
    this.hostVmCount = new Int32Array(hosts.length);
    this.hostCpu = new Float64Array(hosts.length);
    for (const h of placement) this.hostVmCount[h]!++;
    this.awake = Uint8Array.from(this.hostVmCount, (c) => (c > 0 ? 1 : 0));
    this.cpuCapDesc = sortedDescending(this.cpuCapMips);
    this.ramCapDesc = sortedDescending(this.ramCapMb);
    this.vmEnded = new Uint8Array(vms.length);
    this.vmGone = new Uint8Array(vms.length);
    this.down = new Uint8Array(hosts.length);
    this.vmDown = new Uint8Array(vms.length);
    const c = options.cloudsim;
    this.interval = c
      ? new CloudSimInterval(
          hosts,
          vms,
          c.physics,
          options.stepSeconds,
          c.steps,
          (st, out) => c.traceAt(st, out),
          c.traceSteps,
        )
      : null;
  }

  /**
   * Starts step `step` with each VM's CPU utilisation (0..1 of its requested MIPS) and, for
   * workloads that trace memory, its RAM utilisation (0..1 of its type's RAM).
   */
  beginStep(step: number, cpuUtil: Float64Array, ramUtil?: Float64Array): void {
    this.step = step;
    if (this.interval) {
      const i = this.interval;
      i.beginStep(
        step,
        cpuUtil,
        this.vmMips,
        this.vmCpuMips,
        this.vmUtil,
        this.vmEnded,
        this.vmHost,
        this.vmDown,
      );
      this.releaseEnded();
    } else {
      this.vmUtil.set(cpuUtil);
      for (let vm = 0; vm < this.vmCount; vm++)
        this.vmCpuMips[vm] = cpuUtil[vm]! * this.vmMips[vm]!;
    }
    if (ramUtil !== undefined && this.options.ramBinds !== false) {
      for (let vm = 0; vm < this.vmCount; vm++)
        this.vmRamUsedMb[vm] = ramUtil[vm]! * this.vmRamMb[vm]!;
    }
    this.stepMigrations = 0;
    this.stepCpuLostMi = 0;
    this.stepRestarts = 0;
    this.stepArrivals = 0;
    this.stepDepartures = 0;
    this.stepTransitionJ = 0;
  }

  /** Reports lifecycle counts in every step from now on (a run with events). */
  trackLifecycle(): void {
    this.lifecycle = true;
  }

  /**
   * Host `host` fails: it is off at once, and every VM on it goes down (returned, ascending). A
   * VM in escrow on its way from this host is on it until its recipient commits, so it goes
   * down too: a live migration whose source dies does not complete.
   */
  crash(host: number): number[] {
    invariant(this.down[host] === 0, () => `host ${host} crashed twice`);
    const lost: number[] = [];
    for (let vm = 0; vm < this.vmCount; vm++) {
      if (this.vmHost[vm] !== host || this.vmDown[vm] === 1 || this.vmGone[vm] === 1) continue;
      this.vmDown[vm] = 1;
      lost.push(vm);
    }
    this.downVms += lost.length;
    this.hostVmCount[host] = 0;
    this.awake[host] = 0;
    this.down[host] = 1;
    return lost;
  }

  /** A crashed host returns, powered off and empty: it may be woken again. */
  recover(host: number): void {
    invariant(this.down[host] === 1, () => `host ${host} returned without having crashed`);
    this.down[host] = 0;
  }

  /** A down VM is started again on awake host `host`. */
  restart(vm: number, host: number): void {
    invariant(this.vmDown[vm] === 1, () => `VM ${vm} restarted while running`);
    invariant(this.awake[host] === 1, () => `VM ${vm} restarted on a host that is not awake`);
    this.vmDown[vm] = 0;
    this.vmHost[vm] = host;
    this.hostVmCount[host]!++;
    this.downVms--;
    this.stepRestarts++;
    this.interval?.onFreeMove(vm, host); // runs there from the step's start, last in its list
  }

  /**
   * Before the first step: `vm` is not in the datacenter yet (it arrives later, events). It
   * leaves its initial host, which sleeps if that was its last VM.
   */
  withhold(vm: number): void {
    invariant(this.interval === null, 'the cloudsim timeline has no VM arrivals or departures');
    invariant(this.step === -1, 'VMs are withheld before the run starts');
    const h = this.vmHost[vm]!;
    this.vmEnded[vm] = 1;
    this.vmGone[vm] = 1;
    if (--this.hostVmCount[h]! === 0) this.awake[h] = 0;
  }

  /** A VM that was withheld starts on awake host `host`. */
  arrive(vm: number, host: number): void {
    invariant(this.interval === null, 'the cloudsim timeline has no VM arrivals or departures');
    invariant(this.vmGone[vm] === 1 && this.vmDown[vm] === 0, () => `VM ${vm} arrived twice`);
    invariant(this.awake[host] === 1, () => `VM ${vm} arrived on a host that is not awake`);
    this.vmEnded[vm] = 0;
    this.vmGone[vm] = 0;
    this.vmHost[vm] = host;
    this.hostVmCount[host]!++;
    this.stepArrivals++;
  }

  /** `vm` ends (events): it leaves its host (or the restart queue) for good. */
  depart(vm: number): void {
    invariant(this.interval === null, 'the cloudsim timeline has no VM arrivals or departures');
    if (this.vmEnded[vm] === 1) return; // ended already, or never arrived
    this.vmEnded[vm] = 1;
    this.vmGone[vm] = 1;
    if (this.vmDown[vm] === 1) {
      this.vmDown[vm] = 0;
      this.downVms--;
    } else this.hostVmCount[this.vmHost[vm]!]!--;
    this.stepDepartures++;
  }

  /** Whether hosts were updated at this step's start (not in the `cloudsim` profile's first step). */
  get updated(): boolean {
    return this.interval === null || this.interval.updates(this.step);
  }

  /** The `cloudsim` profile's datacenter behaviours, when on. */
  get cloudsim(): CloudSimPhysics | undefined {
    return this.options.cloudsim?.physics;
  }

  /** Seconds a VM's live migration takes: its RAM over half the host's bandwidth (CloudSim). */
  migrationSeconds(vm: number, host: number): number {
    const mbPerSecond = this.hosts[host]!.bandwidthMbps / 8 / 2;
    return this.vmRamMb[vm]! / mbPerSecond;
  }

  /** A VM moved. `charged` false: a reference repack whose moves cost nothing (no PDM). */
  onMigration(vm: number, from: number, to: number, charged = true): void {
    invariant(
      this.vmHost[vm] === from,
      () => `VM ${vm} migrated from ${from} but runs on ${this.vmHost[vm]}`,
    );
    invariant(this.awake[to] === 1, () => `VM ${vm} migrated to sleeping host ${to}`);
    invariant(this.vmDown[vm] === 0, () => `VM ${vm} migrated while down`);
    this.vmHost[vm] = to;
    // An ended VM moved only when it was already in escrow as it ended: nothing physical moves,
    // and it is on no host's count; its new owner drops it at the next step start.
    if (this.vmEnded[vm] === 1) return;
    this.hostVmCount[from]!--;
    this.hostVmCount[to]!++;
    this.stepMigrations++;
    if (this.interval) {
      if (charged) this.interval.onMigration(vm, to);
      else this.interval.onFreeMove(vm, to);
      return;
    }
    if (charged)
      this.stepCpuLostMi +=
        this.options.migrationCpuOverhead * this.vmCpuMips[vm]! * this.migrationSeconds(vm, from);
  }

  onSleep(host: number): void {
    invariant(
      this.hostVmCount[host] === 0,
      () => `host ${host} went to sleep holding ${this.hostVmCount[host]} VMs`,
    );
    this.awake[host] = 0;
    const t = this.options.transitions;
    if (t) this.stepTransitionJ += t.sleepSeconds * powerW(this.hosts[host]!, 0);
  }

  onWake(host: number): void {
    invariant(this.down[host] === 0, () => `crashed host ${host} woke`);
    this.awake[host] = 1;
    const t = this.options.transitions;
    if (t) this.stepTransitionJ += t.wakeSeconds * powerW(this.hosts[host]!, 1);
  }

  /** VMs that ended since the last call leave their hosts' counts. */
  private releaseEnded(): void {
    const ended = this.vmEnded;
    const gone = this.vmGone;
    for (let vm = 0; vm < this.vmCount; vm++) {
      if (ended[vm] === 1 && gone[vm] === 0) {
        gone[vm] = 1;
        this.hostVmCount[this.vmHost[vm]!]!--;
      }
    }
  }

  vmsOn(host: number): number {
    return this.hostVmCount[host]!;
  }

  /** Integrates energy and SLA over the step with the placement the agents reached. */
  endStep(): StepStats {
    if (this.interval) return this.endCloudSimStep(this.interval);
    const dt = this.options.stepSeconds;
    const hostCpu = this.hostCpu;
    hostCpu.fill(0);
    let cpuDemand = 0;
    let ramDemand = 0;
    const vmDown = this.vmDown;
    for (let vm = 0; vm < this.vmCount; vm++) {
      if (vmDown[vm] === 1 || this.vmEnded[vm] === 1) continue; // not running: no demand to serve or pack
      const c = this.vmCpuMips[vm]!;
      hostCpu[this.vmHost[vm]!]! += c;
      cpuDemand += c;
      ramDemand += this.vmRamUsedMb[vm]!;
    }
    let active = 0;
    let downPms = 0;
    let slaActive = 0;
    let overloaded = 0;
    let watts = 0;
    let activeCap = 0;
    const zeroAtZero = this.options.zeroPowerAtZeroCpu === true;
    const strict = this.options.overloadAboveCapacityOnly === true;
    for (let h = 0; h < this.hostCount; h++) {
      if (this.awake[h] === 0) {
        if (this.down[h] === 1)
          downPms++; // failed: draws nothing
        else watts += this.options.sleepPowerW;
        continue;
      }
      active++;
      const cap = this.cpuCapMips[h]!;
      activeCap += cap;
      const u = hostCpu[h]! / cap;
      if (strict ? u > 1 : u >= 1) overloaded++;
      if (zeroAtZero && u === 0) continue; // CloudSim: 0 W and inactive at exactly 0 % CPU
      slaActive++;
      watts += powerW(this.hosts[h]!, u);
    }
    return {
      step: this.step,
      activePms: active,
      sleepingPms: this.hostCount - active - downPms,
      overloadedPms: overloaded,
      lowerBound: activePmLowerBound(cpuDemand, ramDemand, this.cpuCapDesc, this.ramCapDesc),
      migrations: this.stepMigrations,
      energyKWh: (watts * dt + this.stepTransitionJ) / 3.6e6,
      overloadSeconds: overloaded * dt,
      activeSeconds: slaActive * dt,
      cpuRequestedMi: cpuDemand * dt,
      cpuLostMi: this.stepCpuLostMi,
      activeCpuUtil: activeCap > 0 ? cpuDemand / activeCap : 0,
      ...this.lifecycleStats(downPms),
    };
  }

  /** The `cloudsim` timeline's measurements, with the counts every profile reports. */
  private endCloudSimStep(interval: CloudSimInterval): StepStats {
    const m = interval.endStep(this.vmMips, this.vmEnded, this.vmDown, this.down);
    this.releaseEnded();
    let cpuDemand = 0;
    let ramDemand = 0;
    for (let vm = 0; vm < this.vmCount; vm++) {
      if (this.vmDown[vm] === 1) continue; // not running: no demand to serve or pack
      cpuDemand += this.vmCpuMips[vm]!;
      ramDemand += this.vmRamUsedMb[vm]!;
    }
    let activeCap = 0;
    let asleep = 0;
    let downPms = 0;
    for (let h = 0; h < this.hostCount; h++) {
      if (this.awake[h] === 1) activeCap += this.cpuCapMips[h]!;
      else if (this.down[h] === 1) downPms++;
      else asleep++;
    }
    // Sleeping hosts draw sleepPowerW; awake ones are metered by the timeline (0 W when idle);
    // failed ones draw nothing.
    const sleepKWh = (asleep * this.options.sleepPowerW * this.options.stepSeconds) / 3.6e6;
    return {
      step: this.step,
      // CloudSim's active hosts: allocated MIPS > 0 (a PM holding only idle or ended VMs is off).
      activePms: m.activeHosts,
      sleepingPms: this.hostCount - m.activeHosts - downPms,
      overloadedPms: m.overloadedHosts,
      lowerBound: activePmLowerBound(cpuDemand, ramDemand, this.cpuCapDesc, this.ramCapDesc),
      migrations: this.stepMigrations,
      energyKWh: m.energyKWh + sleepKWh,
      overloadSeconds: m.overloadSeconds,
      activeSeconds: m.activeSeconds,
      cpuRequestedMi: m.cpuRequestedMi,
      cpuLostMi: m.cpuLostMi,
      activeCpuUtil: activeCap > 0 ? cpuDemand / activeCap : 0,
      hostShutdowns: m.shutdowns,
      ...this.lifecycleStats(downPms),
    };
  }

  /** The step's lifecycle counts, in runs with events (trackLifecycle) only. */
  private lifecycleStats(downPms: number): Pick<StepStats, 'lifecycle'> {
    if (!this.lifecycle) return {};
    return {
      lifecycle: {
        downPms,
        downVms: this.downVms,
        restarts: this.stepRestarts,
        arrivals: this.stepArrivals,
        departures: this.stepDepartures,
      },
    };
  }
}
