/**
 * CloudSim 3.0.3's dynamic consolidation (Beloglazov & Buyya, CCPE 2012), as
 * PowerVmAllocationPolicyMigrationAbstract.optimizeAllocation runs it once per step with any
 * overload detector (THR, IQR, MAD, LR, LRR) and VM selection policy (MMT, MU, RS, MC):
 *  1. every host the detector calls over-utilised sheds VMs, one selection at a time, until it
 *     is no longer over-utilised;
 *  2. those VMs, by current MIPS descending, go where the power rises least (findHostForVm: a
 *     host is suitable when one core and the free MIPS hold the VM's request; a host that would
 *     then be over-utilised is skipped), never onto an over-utilised host;
 *  3. the least utilised host (by its measured utilisation, 0 < u < 1) that is neither over-
 *     utilised, switched off nor already handled tries to move all its VMs the same way, onto
 *     hosts that are not over-utilised, switched off or emptied in this step; if one VM finds no
 *     host, the host keeps them all; hosts that received VMs here are not emptied afterwards.
 * CloudSim's bookkeeping quirks are named options (CloudSimAllocationQuirks), on by default.
 */
import { cloudSimPowerW } from '../../model/cloudsim-host.ts';
import { CloudSimPlan } from './cloudsim-plan.ts';
import type { CentralisedController, DatacenterView, MigrationOrder } from './controller.ts';
import type { HostLoad, OverloadDetector } from './overload-detector.ts';
import type { SelectionCandidates, VmSelector } from './vm-selector.ts';

/** CloudSim 3.0.3's bookkeeping in findHostForVm and the under-utilised pass. */
export interface CloudSimAllocationQuirks {
  /**
   * A host's power increase is P(planned load + VM) − P(utilisation measured at the step's
   * update), not P(planned load + VM) − P(planned load): VMs already planned onto a host this
   * step make it look dearer than it is.
   */
  powerIncreaseFromMeasured: boolean;
  /**
   * A host at 0 % counts as already drawing its idle power (PowerHost.getPower() at 0 % is the
   * table's first entry), so waking a switched-off host costs only the VM's dynamic power.
   */
  emptyHostCountsIdlePower: boolean;
  /**
   * Hosts that took VMs from over-utilised hosts may still be emptied by the under-utilised pass
   * (CloudSim excludes the hosts of an empty migration map), so a VM can move twice in a step.
   */
  receiversMayBeEmptied: boolean;
  /** The over-utilisation check after allocation is skipped on a host with nothing allocated. */
  overloadCheckSkippedWhenIdle: boolean;
}

export const CLOUDSIM_ALLOCATION_QUIRKS: CloudSimAllocationQuirks = {
  powerIncreaseFromMeasured: true,
  emptyHostCountsIdlePower: true,
  receiversMayBeEmptied: true,
  overloadCheckSkippedWhenIdle: true,
};

/** Seconds of one step, for LR's look-ahead in migration intervals. */
const STEP_SECONDS = 300;

export class ControllerCloudSim implements CentralisedController {
  readonly chargesMigrations = true;
  private readonly plan: CloudSimPlan;
  private readonly load: HostLoad;
  private readonly histScratch: Float64Array;

  constructor(
    readonly detector: OverloadDetector,
    readonly selector: VmSelector,
    private readonly quirks: CloudSimAllocationQuirks,
    hostCount: number,
    vmCount: number,
  ) {
    this.plan = new CloudSimPlan(hostCount, vmCount);
    this.histScratch = new Float64Array(30);
    this.load = {
      cpuMips: 0,
      capMips: 0,
      history: this.histScratch,
      historyLength: 0,
      intervalsAhead: 0,
    };
  }

  decide(view: DatacenterView): readonly MigrationOrder[] {
    if (!view.updated) return []; // no datacenter update yet: CloudSim has not run its policy
    const p = this.plan;
    p.view = view;
    p.recordHistory();
    p.reset(view);
    const n = p.n;
    const overSet = new Uint8Array(n);
    const over: number[] = [];
    for (let h = 0; h < n; h++) {
      if (this.isOver(h, -1)) {
        over.push(h);
        overSet[h] = 1;
      }
    }

    // 1–2: shed VMs from over-utilised hosts, place them by power-aware best fit decreasing.
    const shed: number[] = [];
    for (const h of over) {
      for (;;) {
        const vms = p.lists[h]!;
        const i = this.selector.select(this.candidates(vms));
        if (i < 0) break;
        const vm = vms[i]!;
        shed.push(vm);
        p.remove(h, vm);
        if (!this.isOver(h, -1)) break;
      }
    }
    const orders: MigrationOrder[] = [];
    for (const vm of this.byDemandDesc(shed)) {
      const to = this.findHost(vm, overSet);
      if (to >= 0) {
        p.add(to, vm);
        orders.push({ vm, to });
      }
    }

    // 3: empty under-utilised hosts, least utilised first.
    const exclUnder = new Uint8Array(n);
    const exclPlace = new Uint8Array(n);
    let excluded = 0;
    const exclude = (h: number) => {
      if (exclUnder[h] === 0) {
        exclUnder[h] = 1;
        excluded++;
      }
    };
    for (let h = 0; h < n; h++) {
      if (overSet[h] === 1 || p.measuredUtil[h] === 0) {
        exclude(h);
        exclPlace[h] = 1;
      }
    }
    if (!this.quirks.receiversMayBeEmptied) for (const o of orders) exclude(o.to);
    while (excluded < n) {
      const u = this.underUtilised(exclUnder);
      if (u < 0) break;
      exclude(u);
      exclPlace[u] = 1;
      const planned: MigrationOrder[] = [];
      for (const vm of this.byDemandDesc(p.lists[u]!)) {
        const to = this.findHost(vm, exclPlace);
        if (to < 0) {
          for (const o of planned) p.remove(o.to, o.vm); // reallocation cancelled
          planned.length = 0;
          break;
        }
        p.add(to, vm);
        planned.push({ vm, to });
      }
      for (const o of planned) {
        exclude(o.to);
        orders.push(o);
      }
    }
    this.stampArrivals(view, orders);
    return orders;
  }

  /** Is host `h` over-utilised with its planned VMs (plus `vm` when ≥ 0, appended last)? */
  private isOver(h: number, vm: number): boolean {
    const p = this.plan;
    const v = p.view;
    const load = this.load;
    load.cpuMips = p.requestedMips(h) + (vm >= 0 ? v.vmCpuMips[vm]! : 0);
    load.capMips = v.cpuCapMips[h]!;
    const samples = this.detector.historySamples;
    if (samples > 0) {
      const hist = p.hostHistory(h);
      let len = p.hostHistoryLength(h);
      for (let i = 0; i < samples; i++) this.histScratch[i] = hist[i]!;
      let maxRam = -Infinity;
      for (const x of p.lists[h]!) maxRam = Math.max(maxRam, v.vmRamMb[x]!);
      if (vm >= 0) {
        maxRam = Math.max(maxRam, v.vmRamMb[vm]!);
        // PowerHostUtilizationHistory sums the candidate last, as vmCreate appends it.
        const vh = p.vmHistory(vm);
        const mips = v.vmMips[vm]!;
        const hostMips = v.cpuCapMips[h]!;
        const k = Math.min(samples, vh.length);
        for (let i = 0; i < k; i++) this.histScratch[i]! += (vh[i]! * mips) / hostMips;
        len = Math.max(len, p.vmHistoryLength(vm)); // utilisations are ≥ 0: sums are 0 only if all are
      }
      load.historyLength = len;
      // getMaximumVmMigrationTime: the largest RAM over the host's bandwidth ÷ 2 (kbit/s ÷ 16000).
      const mbPerSecond = (v.hosts[h]!.bandwidthMbps * 1000) / (2 * 8000);
      load.intervalsAhead = maxRam > 0 ? Math.ceil(maxRam / mbPerSecond / STEP_SECONDS) : 0;
    }
    return this.detector.isOverloaded(load);
  }

  /** The host's migratable VMs, as a selector reads them. */
  private candidates(vms: readonly number[]): SelectionCandidates {
    const p = this.plan;
    const v = p.view;
    return {
      vms,
      ramMb: (vm) => v.vmRamMb[vm]!,
      util: (vm) => v.vmCpuMips[vm]! / v.vmMips[vm]!,
      history: (vm) => p.vmHistory(vm),
    };
  }

  /** Stable sort by current MIPS, largest first (PowerVmList.sortByCpuUtilization). */
  private byDemandDesc(vms: readonly number[]): number[] {
    const d = this.plan.view.vmCpuMips;
    return vms.slice().sort((a, b) => d[b]! - d[a]!);
  }

  /** findHostForVm: the allowed, suitable host whose power rises least; −1 if none. */
  private findHost(vm: number, excluded: Uint8Array): number {
    const p = this.plan;
    const v = p.view;
    const q = this.quirks;
    const r = v.vmCpuMips[vm]!;
    const ram = v.vmRamUsedMb[vm]!;
    let best = -1;
    let minDiff = Number.MAX_VALUE;
    p.flush();
    const available = p.available;
    const allocatedMips = p.allocated;
    const plannedRam = p.ram;
    for (let h = 0; h < p.n; h++) {
      if (excluded[h] === 1 || v.down[h] === 1) continue;
      const type = v.hosts[h]!;
      if (type.mipsPerCore < r || available[h]! < r) continue; // isSuitableForVm
      if (v.ramCapMb[h]! - plannedRam[h]! < ram) continue;
      const allocated = allocatedMips[h]!;
      const cap = v.cpuCapMips[h]!;
      const after = (allocated + r) / cap;
      if (after > 1) continue; // CloudSim's power model would throw (never when suitable)
      const uBefore = q.powerIncreaseFromMeasured ? p.measuredUtil[h]! : allocated / cap;
      const before =
        uBefore === 0 && !q.emptyHostCountsIdlePower
          ? 0
          : q.powerIncreaseFromMeasured
            ? p.measuredPowerW[h]!
            : cloudSimPowerW(type, Math.min(1, uBefore));
      const diff = cloudSimPowerW(type, after) - before;
      // CloudSim tests over-utilisation first; testing it only for a host that would win is the
      // same choice (the test has no effect on the plan), and spares most regressions.
      if (diff >= minDiff) continue;
      if ((allocated !== 0 || !q.overloadCheckSkippedWhenIdle) && this.isOver(h, vm)) continue;
      minDiff = diff;
      best = h;
    }
    return best;
  }

  /** The least utilised host (measured, 0 < u < 1) not excluded, with VMs to move; −1 if none. */
  private underUtilised(excluded: Uint8Array): number {
    const p = this.plan;
    let best = -1;
    let min = 1;
    for (let h = 0; h < p.n; h++) {
      if (excluded[h] === 1) continue;
      const u = p.measuredUtil[h]!;
      if (u > 0 && u < min && p.lists[h]!.length > 0) {
        min = u;
        best = h;
      }
    }
    return best;
  }

  /**
   * New list positions for the VMs that moved: at the end of their final host's list, in the
   * order their migrations end (with migrations in flight: less RAM first, CloudSim's event queue;
   * then the order they were given, a VM ordered twice by its last order).
   */
  private stampArrivals(view: DatacenterView, orders: readonly MigrationOrder[]): void {
    const last = new Map<number, number>();
    orders.forEach((o, k) => last.set(o.vm, k));
    const moved = [...last.keys()];
    const inFlight = view.cloudsim?.migrationInFlight ?? false;
    moved.sort(
      (a, b) => (inFlight ? view.vmRamMb[a]! - view.vmRamMb[b]! : 0) || last.get(a)! - last.get(b)!,
    );
    this.plan.stampArrivals(moved);
  }
}
