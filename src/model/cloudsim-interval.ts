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
import { CloudSimHostLists, roleOf, vmOf, type Slot } from './cloudsim-host-lists.ts';
import type { CloudSimPhysics, CloudSimUpdate, IntervalStats } from './cloudsim-physics.ts';
import { hostCpuMips, type HostType, type VmType } from './hardware.ts';

export class CloudSimInterval {
  private readonly n: number;
  private readonly cap: Float64Array;
  private readonly pe: Float64Array;
  /** Trace utilisation now (step s), next (s + 1) and after (s + 2), per VM (0..1). */
  private now: Float64Array;
  private next: Float64Array;
  private after: Float64Array;
  private step = -1;
  /** Which VMs each host lists, in which role and order. */
  private readonly hl: CloudSimHostLists;
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
    this.hl = new CloudSimHostLists(hosts, vms);
    this.postUtil = new Float64Array(this.n);
    this.preUtil = new Float64Array(this.n);
    this.hostAlloc = new Float64Array(this.n);
    this.hostReq = new Float64Array(this.n);
    this.vmAlloc = new Float64Array(vms.length);
    this.vmReq = new Float64Array(vms.length);
    this.vmOut = new Uint8Array(vms.length);
    this.wasActive = new Uint8Array(this.n).fill(1);
    this.hostDown = new Uint8Array(this.n);
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
   * A VM down (`vmDown`: its host crashed, events) runs nowhere, so it does not end while down.
   */
  beginStep(
    step: number,
    util: Float64Array,
    mips: Float64Array,
    cpuMips: Float64Array,
    vmUtil: Float64Array,
    ended: Uint8Array,
    vmHost: Int32Array,
    vmDown: Uint8Array,
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
    this.hl.beginStep(vmHost);
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
      if (updates && this.o.vmEndsAtZeroDemand && r === 0 && vmDown[vm] === 0) ended[vm] = 1;
    }
  }

  /** A live VM was ordered from its host to `to` during this step. */
  onMigration(vm: number, to: number): void {
    this.hl.onMigration(vm, to);
  }

  /**
   * A reference repack moved a VM for free, or a VM down was restarted (events): it runs on
   * `to` from the step's start, last in its list (CloudSim's vmCreate appends).
   */
  onFreeMove(vm: number, to: number): void {
    this.hl.onFreeMove(vm, to);
  }

  /**
   * Meters the step: replays CloudSim's updates at the step's start and at each migration's end,
   * integrating energy, SLATAH and PDM between them. `ended` may gain VMs that end mid-step.
   * VMs down (`vmDown`) are on no host; a host out of the fleet (`hostDown`) draws nothing, and
   * its going inactive is a failure, not a shutdown.
   */
  endStep(
    mips: Float64Array,
    ended: Uint8Array,
    vmDown: Uint8Array,
    hostDown: Uint8Array,
  ): IntervalStats {
    this.hostDown = hostDown;
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
    const lists = this.hl.placeAtStart(ended, vmDown, this.o.migrationInFlight);
    const done = this.o.migrationInFlight ? this.hl.completions(t0) : [];
    this.hl.reorder(this.o.migrationInFlight ? done : null);
    if (!this.o.migrationInFlight) this.chargeInstantMoves(stats, mips, t0);
    if (!this.updates(s)) {
      // Nothing is metered; the hosts that run something once the step's moves are done.
      this.update(lists, t0, s, this.now, this.next, mips, this.preUtil, null);
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
      if (atEnd) this.update(lists, t, s + 1, this.next, this.after, mips, this.preUtil, null);
      else this.update(lists, t, s, this.now, this.next, mips, this.preUtil, null);
      this.accrue(t - prevT, stats);
      if (atEnd) break;
      if (this.o.vmEndsAtZeroDemand) this.endIdleVms(lists, t, s, mips, ended);
      for (; i < done.length && done[i]!.t === t; i++) this.hl.complete(done[i]!);
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
  /** Per host: active at its last recorded state (1 before any, as CloudSim's history reads). */
  private readonly wasActive: Uint8Array;
  /** Per host: 1 while out of the fleet (events), as given to endStep. */
  private hostDown: Uint8Array;

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
    this.update(lists, t, s, a, b, mips, this.postUtil, stats);
    this.observer?.({
      time: t,
      hosts: lists.map((l) => l.map((x) => ({ vm: vmOf(x), role: roleOf(x) }))),
      allocatedMips: Float64Array.from(this.hostAlloc),
      requestedMips: Float64Array.from(this.hostReq),
    });
  }

  /**
   * Every host's update at `t`: utilisation (0..1) into `out`; with `stats`, also the state
   * accrue() integrates (hosts' and VMs' allocated and requested MIPS) and host shutdowns.
   */
  private update(
    lists: Slot[][],
    t: number,
    s: number,
    a: Float64Array,
    b: Float64Array,
    mips: Float64Array,
    out: Float64Array,
    stats: IntervalStats | null,
  ): void {
    for (let h = 0; h < this.n; h++) {
      const l = lists[h]!;
      this.grow(l.length);
      const util = this.allocate(h, l, t, s, a, b, mips);
      const u = cloudSimUtilization(util, this.cap[h]!);
      invariant(u <= 1, () => `host ${h} allocates ${u} × its capacity at ${t} s`);
      out[h] = u;
      if (stats === null) continue;
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
      if (this.wasActive[h] === 1 && active === 0 && this.hostDown[h] === 0) stats.shutdowns++;
      this.wasActive[h] = active;
    }
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
    for (const m of this.hl.stepMoves) {
      const secs = this.hl.migrationSeconds(m.vm, m.to);
      stats.cpuLostMi +=
        0.1 * this.utilAt(m.vm, t0, this.step, this.now, this.next) * mips[m.vm]! * secs;
    }
  }
}
