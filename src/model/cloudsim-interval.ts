/**
 * The `cloudsim` profile's step: what CloudSim 3.0.3's PowerDatacenter does between two
 * scheduling events (Beloglazov & Buyya 2012's PlanetLab runs), so that energy, SLATAH and PDM are
 * measured as CloudSim measures them. A step starts with a datacenter update at k·300 s + 0.1 s,
 * where each VM requests its trace interpolated linearly towards the next sample; the migrations
 * decided then are in flight for RAM ÷ (bandwidth ÷ 2) seconds, the VM on its source (allocated
 * 90 %) and on each destination (allocated 10 %, requested in full: the destination violates
 * its SLA meanwhile); every migration's end is another update. Between updates a host's energy is
 * the trapezoid of its power at both ends, zero when it starts the interval at 0 % CPU; SLATAH
 * and PDM are time-weighted over the same intervals from each host's and VM's state (CloudSim's
 * Helper.getSlaTimePerActiveHost and getSlaMetrics). Each CloudSim behaviour that is not plain
 * physics is a named option (CloudSimPhysics), documented where it is declared.
 */
import { invariant } from '../core/errors.ts';
import { cloudSimAllocate, cloudSimPowerW, cloudSimUtilization, VmRole } from './cloudsim-host.ts';
import { hostCpuMips, type HostType, type VmType } from './hardware.ts';

/** CloudSim's datacenter behaviours, each switchable (config section `cloudsim`). */
export interface CloudSimPhysics {
  /**
   * Seconds past each 300 s trace point at which CloudSim's datacenter updates and its policy
   * decides (0.1: its first event comes 0.1 s in); demand is the trace interpolated linearly there.
   */
  sampleOffsetSeconds: number;
  /**
   * A VM whose demand is exactly 0 at an update is "completed" and leaves the datacenter for good
   * (HostDynamicWorkload.getCompletedVms): on PlanetLab 20110303 half the VMs end this way.
   */
  vmEndsAtZeroDemand: boolean;
  /**
   * Migrations take RAM ÷ (bandwidth ÷ 2) seconds, during which the VM runs at 90 % on its source
   * and its destination reserves 10 % of it while counting its full request; false: a VM moves at
   * the step's start and loses 10 % of its CPU for the migration's duration, charged as PDM only.
   */
  migrationInFlight: boolean;
  /** A VM is allocated at most one core's MIPS (CloudSim VMs have one PE). */
  vmCappedAtOneCore: boolean;
  /** Nothing is metered in the first step: CloudSim's first update comes at its end (300.1 s). */
  firstStepUnmetered: boolean;
  /**
   * The run ends at steps × 300 s, before the update that would close the last step: only the
   * updates at its migrations' ends are metered in it.
   */
  lastStepCutAtLastMigration: boolean;
}

export const CLOUDSIM_PHYSICS: CloudSimPhysics = {
  sampleOffsetSeconds: 0.1,
  vmEndsAtZeroDemand: true,
  migrationInFlight: true,
  vmCappedAtOneCore: true,
  firstStepUnmetered: true,
  lastStepCutAtLastMigration: true,
};

/** One recorded update, as an observer sees it (tests, tracing). */
export interface CloudSimUpdate {
  /** Seconds since the run's start (CloudSim's clock). */
  time: number;
  /** Per host: the VMs on it and their roles (VmRole), in list order. */
  hosts: readonly { vm: number; role: number }[][];
  /** Per host: utilisation MIPS (allocated, a migrating-out VM at allocated ÷ 0.9) and requested MIPS. */
  allocatedMips: Float64Array;
  requestedMips: Float64Array;
}

/** What one step measured (the Datacenter adds the rest of StepStats). */
export interface IntervalStats {
  energyKWh: number;
  /** Host-seconds of active hosts (allocated MIPS > 0). */
  activeSeconds: number;
  /** Host-seconds of active hosts with allocated < requested MIPS. */
  overloadSeconds: number;
  /** Σ over VMs of requested MIPS × s (MI). */
  cpuRequestedMi: number;
  /** Σ over migrating VMs of (requested − allocated) MIPS × s (MI). */
  cpuLostMi: number;
  /** Hosts with allocated < requested MIPS right after the step's migrations started. */
  overloadedHosts: number;
  /**
   * Hosts with allocated MIPS > 0 in the state that closes the step (CloudSim's active hosts; a
   * host holding only idle or ended VMs is not one).
   */
  activeHosts: number;
  /**
   * Hosts that went from active to inactive (CloudSim's host shutdowns,
   * Helper.getTimesBeforeHostShutdown; a host's history starts as active).
   */
  shutdowns: number;
}

/**
 * A VM's place on a host at one instant: vm × 4 + role (cloudsim-host VmRole), packed in a number
 * so that the per-step host lists allocate nothing.
 */
type Slot = number;

/** A VM's migration(s) this step: when it ends (s), from where, through which targets. */
interface Completion {
  t: number;
  vm: number;
  /**
   * Index of its last order: CloudSim's event queue delivers by time, then sending order, and a
   * VM ordered twice lands on its final host with its second event.
   */
  k: number;
  from: number;
  targets: number[];
}
const slot = (vm: number, role: number): Slot => vm * 4 + role;
const vmOf = (x: Slot) => x >> 2;
const roleOf = (x: Slot) => x & 3;

export class CloudSimInterval {
  private readonly n: number;
  private readonly cap: Float64Array;
  private readonly pe: Float64Array;
  /** Trace utilisation now (step s), next (s + 1) and after (s + 2), per VM (0..1). */
  private now: Float64Array;
  private next: Float64Array;
  private after: Float64Array;
  private step = -1;
  private moves: { vm: number; to: number }[] = [];
  private startHost: Int32Array;
  private alloc = new Float64Array(64);
  private req = new Float64Array(64);
  private roles = new Uint8Array(64);

  /**
   * @param steps the run's length in steps (for lastStepCutAtLastMigration)
   * @param traceAt writes each VM's trace utilisation (0..1) at a step; called with steps ≥ 0
   *   below the trace's length (the last sample repeats beyond it, as CloudSim's reader does)
   */
  constructor(
    readonly hosts: readonly HostType[],
    readonly vms: readonly VmType[],
    readonly o: CloudSimPhysics,
    readonly stepSeconds: number,
    readonly steps: number,
    private readonly traceAt: (step: number, out: Float64Array) => void,
    private readonly traceSteps: number,
  ) {
    this.n = hosts.length;
    this.cap = Float64Array.from(hosts, hostCpuMips);
    this.pe = Float64Array.from(hosts, (h) => h.mipsPerCore);
    this.now = new Float64Array(vms.length);
    this.next = new Float64Array(vms.length);
    this.after = new Float64Array(vms.length);
    this.startHost = new Int32Array(vms.length);
    this.finalHost = new Int32Array(vms.length);
    this.postUtil = new Float64Array(this.n);
    this.preUtil = new Float64Array(this.n);
    this.hostAlloc = new Float64Array(this.n);
    this.hostReq = new Float64Array(this.n);
    this.vmAlloc = new Float64Array(vms.length);
    this.vmReq = new Float64Array(vms.length);
    this.vmOut = new Uint8Array(vms.length);
    this.migrating = new Uint8Array(vms.length);
    this.order = Int32Array.from({ length: vms.length }, (_, i) => i);
    this.wasActive = new Uint8Array(this.n).fill(1);
    this.lists = Array.from({ length: this.n }, () => []);
  }

  /** Called with every recorded update (the state that holds until the next one); tests, tracing. */
  observer: ((u: CloudSimUpdate) => void) | null = null;

  /** Whether the datacenter updates (meters, ends idle VMs, lets its policy decide) at `step`. */
  updates(step: number): boolean {
    return !(step === 0 && this.o.firstStepUnmetered);
  }

  /** Seconds since the run's start at which step `step` begins (CloudSim's clock). */
  startTime(step: number): number {
    return this.stepSeconds * step + this.o.sampleOffsetSeconds;
  }

  private read(step: number, out: Float64Array): void {
    this.traceAt(Math.min(step, this.traceSteps - 1), out);
  }

  /** UtilizationModelPlanetLabInMemory.getUtilization of VM `vm` at time `t` within this step. */
  private utilAt(vm: number, t: number, s: number, a: Float64Array, b: Float64Array): number {
    const T = this.stepSeconds;
    if (t % T === 0) return t / T === s ? a[vm]! : b[vm]!;
    const u1 = a[vm]!;
    const u2 = b[vm]!;
    return u1 + ((u2 - u1) / T) * (t - s * T);
  }

  /**
   * Opens step `step`: each VM's demand (MIPS) at the step's update, written to `cpuMips`; VMs
   * that end there (vmEndsAtZeroDemand) are flagged in `ended`. `vmHost` is where VMs run now.
   */
  beginStep(
    step: number,
    util: Float64Array,
    mips: Float64Array,
    cpuMips: Float64Array,
    vmUtil: Float64Array,
    ended: Uint8Array,
    vmHost: Int32Array,
  ): void {
    if (step === this.step + 1 && step > 0) {
      const spare = this.now;
      this.now = this.next;
      this.next = this.after;
      this.after = spare;
      this.read(step + 2, this.after);
    } else {
      this.read(step + 1, this.next);
      this.read(step + 2, this.after);
    }
    this.now.set(util);
    this.step = step;
    this.moves = [];
    this.startHost.set(vmHost);
    const t = this.startTime(step);
    const updates = this.updates(step);
    for (let vm = 0; vm < this.vms.length; vm++) {
      if (ended[vm] === 1) {
        cpuMips[vm] = 0;
        vmUtil[vm] = 0;
        continue;
      }
      const u = this.utilAt(vm, t, step, this.now, this.next);
      const r = u * mips[vm]!;
      vmUtil[vm] = u;
      cpuMips[vm] = r;
      if (updates && this.o.vmEndsAtZeroDemand && r === 0) ended[vm] = 1;
    }
  }

  /** A live VM was ordered from its host to `to` during this step. */
  onMigration(vm: number, to: number): void {
    this.moves.push({ vm, to });
  }

  /**
   * A reference repack moved a VM for free: it runs on `to` from the step's start, last in its
   * list, and nothing is in flight.
   */
  onFreeMove(vm: number, to: number): void {
    this.startHost[vm] = to;
    const i = this.order.indexOf(vm);
    this.order.copyWithin(i, i + 1);
    this.order[this.order.length - 1] = vm;
  }

  /**
   * Meters the step: replays CloudSim's updates at the step's start and at each migration's end,
   * integrating energy, SLATAH and PDM between them. `ended` may gain VMs that end mid-step.
   */
  endStep(mips: Float64Array, ended: Uint8Array): IntervalStats {
    const s = this.step;
    const stats: IntervalStats = {
      energyKWh: 0,
      activeSeconds: 0,
      overloadSeconds: 0,
      cpuRequestedMi: 0,
      cpuLostMi: 0,
      overloadedHosts: 0,
      activeHosts: 0,
      shutdowns: 0,
    };
    const t0 = this.startTime(s);
    const lists = this.placeAtStart(ended);
    const done = this.o.migrationInFlight ? this.completions(t0) : [];
    this.reorder(this.o.migrationInFlight ? done : null);
    if (!this.o.migrationInFlight) this.chargeInstantMoves(stats, mips, t0);
    if (!this.updates(s)) {
      // Nothing is metered; the hosts that run something once the step's moves are done.
      this.utilisation(lists, t0, s, this.now, this.next, mips, this.preUtil);
      for (let h = 0; h < this.n; h++) if (this.preUtil[h]! > 0) stats.activeHosts++;
      return stats;
    }
    const cut = this.o.lastStepCutAtLastMigration && s === this.steps - 1;

    // The state right after the step's migrations started (CloudSim's last entries at t0).
    this.record(lists, t0, s, this.now, this.next, mips, stats);
    for (let h = 0; h < this.n; h++)
      if (this.hostAlloc[h]! > 0 && this.hostAlloc[h]! < this.hostReq[h]!) stats.overloadedHosts++;
    let prevT = t0;
    let i = 0;
    for (;;) {
      const atEnd = i >= done.length;
      if (atEnd && cut) break;
      const t = atEnd ? t0 + this.stepSeconds : done[i]!.t;
      // The update at t, before anything moves: it closes the interval since the last update.
      if (atEnd) this.utilisation(lists, t, s + 1, this.next, this.after, mips, this.preUtil);
      else this.utilisation(lists, t, s, this.now, this.next, mips, this.preUtil);
      this.accrue(t - prevT, stats);
      if (atEnd) break;
      if (this.o.vmEndsAtZeroDemand) this.endIdleVms(lists, t, s, mips, ended);
      for (; i < done.length && done[i]!.t === t; i++) this.complete(lists, done[i]!);
      this.record(lists, t, s, this.now, this.next, mips, stats);
      prevT = t;
    }
    for (let h = 0; h < this.n; h++) if (this.hostAlloc[h]! > 0) stats.activeHosts++;
    return stats;
  }

  // --- per-instant state -------------------------------------------------------------------

  /** Host utilisation (0..1) at the last recorded update, and at the update being taken. */
  private postUtil: Float64Array;
  private preUtil: Float64Array;
  /** The state recorded at the last update: per host allocated (utilisation) and requested MIPS. */
  private readonly hostAlloc: Float64Array;
  private readonly hostReq: Float64Array;
  /** Per VM at the last update: allocated and requested MIPS (−1: not running), migrating out. */
  private readonly vmAlloc: Float64Array;
  private readonly vmReq: Float64Array;
  private readonly vmOut: Uint8Array;
  private finalHost: Int32Array;
  private readonly migrating: Uint8Array;
  /** Per host: active at its last recorded state (1 before any, as CloudSim's history reads). */
  private readonly wasActive: Uint8Array;
  /** VMs in arrival order (creation order at first); each host lists its VMs in this order. */
  private readonly order: Int32Array;
  private readonly lists: Slot[][];

  /** Host VM lists right after the step's migrations start. */
  private placeAtStart(ended: Uint8Array): Slot[][] {
    const lists = this.lists;
    for (const l of lists) l.length = 0;
    const inFlight = this.o.migrationInFlight;
    const migrating = this.migrating;
    migrating.fill(0);
    const finalHost = this.finalHost;
    finalHost.set(this.startHost);
    for (const m of this.moves) {
      finalHost[m.vm] = m.to;
      migrating[m.vm] = 1;
    }
    // Hosts list their VMs in arrival order (CloudSim appends a VM when it arrives); sums over a
    // list are taken in that order, as CloudSim's are, so that ties fall the same way.
    for (const vm of this.order) {
      if (ended[vm] === 1) continue;
      if (migrating[vm] === 0) lists[this.startHost[vm]!]!.push(slot(vm, VmRole.Resident));
      else if (inFlight) lists[this.startHost[vm]!]!.push(slot(vm, VmRole.Out));
    }
    if (!inFlight)
      for (const vm of this.arrivals(null)) lists[finalHost[vm]!]!.push(slot(vm, VmRole.Resident));
    if (inFlight) {
      for (const m of this.moves) {
        const l = lists[m.to]!;
        if (m.to !== this.startHost[m.vm] && !l.includes(slot(m.vm, VmRole.In)))
          l.push(slot(m.vm, VmRole.In));
      }
    }
    return lists;
  }

  /** Migration ends in CloudSim's delivery order; a VM ordered twice ends once, on its last target. */
  private completions(t0: number): Completion[] {
    const byVm = new Map<number, Completion>();
    this.moves.forEach((m, k) => {
      const c = byVm.get(m.vm);
      if (c) {
        c.targets.push(m.to);
        c.k = k;
      } else
        byVm.set(m.vm, {
          t: t0 + this.migrationSeconds(m.vm, m.to),
          vm: m.vm,
          k,
          from: this.startHost[m.vm]!,
          targets: [m.to],
        });
    });
    return [...byVm.values()].sort((a, b) => a.t - b.t || a.k - b.k);
  }

  /**
   * The VMs that moved this step, in the order they arrive on their final hosts: as their
   * migrations end (`done`), or, without migrations in flight, in the order of their last move.
   */
  private arrivals(done: readonly Completion[] | null): number[] {
    if (done !== null) return done.map((c) => c.vm);
    const last = new Map<number, number>();
    this.moves.forEach((m, k) => last.set(m.vm, k));
    return [...last.keys()].sort((a, b) => last.get(a)! - last.get(b)!);
  }

  /** Moves this step's arrivals to the end of the arrival order, for the next step. */
  private reorder(done: readonly Completion[] | null): void {
    const moved = this.arrivals(done);
    if (moved.length === 0) return;
    const isMoved = this.migrating; // still flags exactly the VMs moved this step
    let j = 0;
    for (const vm of this.order) if (isMoved[vm] === 0) this.order[j++] = vm;
    for (const vm of moved) this.order[j++] = vm;
  }

  /** PowerDatacenter's delay: RAM (MB) ÷ (host bandwidth in kbit/s ÷ (2 × 8000)). */
  private migrationSeconds(vm: number, to: number): number {
    const bwKbps = this.hosts[to]!.bandwidthMbps * 1000;
    return this.vms[vm]!.ramMb / (bwKbps / (2 * 8000));
  }

  private complete(lists: Slot[][], c: Completion): void {
    const vm = c.vm;
    for (const h of [c.from, ...c.targets]) {
      const l = lists[h]!;
      for (let j = l.length - 1; j >= 0; j--) if (vmOf(l[j]!) === vm) l.splice(j, 1);
    }
    lists[this.finalHost[vm]!]!.push(slot(vm, VmRole.Resident));
  }

  /** Resident VMs requesting exactly 0 MIPS at `t` end (vmEndsAtZeroDemand). */
  private endIdleVms(
    lists: Slot[][],
    t: number,
    s: number,
    mips: Float64Array,
    ended: Uint8Array,
  ): void {
    for (const l of lists) {
      for (let j = l.length - 1; j >= 0; j--) {
        const x = l[j]!;
        if (roleOf(x) !== VmRole.Resident) continue;
        const vm = vmOf(x);
        if (this.utilAt(vm, t, s, this.now, this.next) * mips[vm]! === 0) {
          ended[vm] = 1;
          l.splice(j, 1);
        }
      }
    }
  }

  /** One host's update at `t`: requests into this.req, allocation into this.alloc; its utilisation MIPS. */
  private allocate(
    h: number,
    l: Slot[],
    t: number,
    s: number,
    a: Float64Array,
    b: Float64Array,
    mips: Float64Array,
  ): number {
    for (let j = 0; j < l.length; j++) {
      const vm = vmOf(l[j]!);
      this.req[j] = this.utilAt(vm, t, s, a, b) * mips[vm]!;
      this.roles[j] = roleOf(l[j]!);
    }
    return cloudSimAllocate(
      this.cap[h]!,
      this.pe[h]!,
      this.req,
      this.roles,
      l.length,
      this.alloc,
      this.o.vmCappedAtOneCore,
    );
  }

  private utilisation(
    lists: Slot[][],
    t: number,
    s: number,
    a: Float64Array,
    b: Float64Array,
    mips: Float64Array,
    out: Float64Array,
  ): void {
    for (let h = 0; h < this.n; h++) {
      const l = lists[h]!;
      this.grow(l.length);
      const util = cloudSimUtilization(this.allocate(h, l, t, s, a, b, mips), this.cap[h]!);
      invariant(util <= 1, () => `host ${h} allocates ${util} × its capacity at ${t} s`);
      out[h] = util;
    }
  }

  /** Every host's update at `t`, kept as the state that holds until the next update. */
  private record(
    lists: Slot[][],
    t: number,
    s: number,
    a: Float64Array,
    b: Float64Array,
    mips: Float64Array,
    stats: IntervalStats,
  ): void {
    this.vmReq.fill(-1);
    for (let h = 0; h < this.n; h++) {
      const l = lists[h]!;
      this.grow(l.length);
      const util = this.allocate(h, l, t, s, a, b, mips);
      let req = 0;
      for (let j = 0; j < l.length; j++) {
        req += this.req[j]!;
        const role = roleOf(l[j]!);
        if (role === VmRole.In) continue; // a VM's own state is kept by its source
        const vm = vmOf(l[j]!);
        this.vmAlloc[vm] = this.alloc[j]!;
        this.vmReq[vm] = this.req[j]!;
        this.vmOut[vm] = role === VmRole.Out ? 1 : 0;
      }
      this.hostAlloc[h] = util;
      this.hostReq[h] = req;
      const active = util > 0 ? 1 : 0;
      if (this.wasActive[h] === 1 && active === 0) stats.shutdowns++;
      this.wasActive[h] = active;
      const u = cloudSimUtilization(util, this.cap[h]!);
      invariant(u <= 1, () => `host ${h} allocates ${u} × its capacity at ${t} s`);
      this.postUtil[h] = u;
    }
    this.observer?.({
      time: t,
      hosts: lists.map((l) => l.map((x) => ({ vm: vmOf(x), role: roleOf(x) }))),
      allocatedMips: Float64Array.from(this.hostAlloc),
      requestedMips: Float64Array.from(this.hostReq),
    });
  }

  /** Energy, SLA time and PDM over the `dt` seconds since the last recorded update. */
  private accrue(dt: number, stats: IntervalStats): void {
    for (let h = 0; h < this.n; h++) {
      const u0 = this.postUtil[h]!;
      // PowerHost.getEnergyLinearInterpolation: nothing from a host that starts at 0 %.
      if (u0 > 0) {
        const p0 = cloudSimPowerW(this.hosts[h]!, u0);
        const p1 = cloudSimPowerW(this.hosts[h]!, this.preUtil[h]!);
        stats.energyKWh += ((p0 + (p1 - p0) / 2) * dt) / 3.6e6;
      }
      const alloc = this.hostAlloc[h]!;
      if (alloc <= 0) continue; // inactive: CloudSim's state entry has isActive = allocated > 0
      stats.activeSeconds += dt;
      if (alloc < this.hostReq[h]!) stats.overloadSeconds += dt;
    }
    for (let vm = 0; vm < this.vms.length; vm++) {
      const r = this.vmReq[vm]!;
      if (r < 0) continue;
      stats.cpuRequestedMi += r * dt;
      const a = this.vmAlloc[vm]!;
      if (this.vmOut[vm] === 1 && a < r) stats.cpuLostMi += (r - a) * dt;
    }
  }

  private grow(k: number): void {
    if (k <= this.req.length) return;
    this.req = new Float64Array(2 * k);
    this.alloc = new Float64Array(2 * k);
    this.roles = new Uint8Array(2 * k);
  }

  /** migrationInFlight off: a move happens at the step's start and costs 10 % × duration. */
  private chargeInstantMoves(stats: IntervalStats, mips: Float64Array, t0: number): void {
    for (const m of this.moves) {
      const secs = this.migrationSeconds(m.vm, m.to);
      stats.cpuLostMi +=
        0.1 * this.utilAt(m.vm, t0, this.step, this.now, this.next) * mips[m.vm]! * secs;
    }
  }
}
