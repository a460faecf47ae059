/**
 * THR-MMT and LR-MMT (Beloglazov & Buyya, CCPE 2012), as CloudSim 3.0.3's
 * PowerVmAllocationPolicyMigrationAbstract.optimizeAllocation runs them, once per step:
 *  1. over-utilised hosts (by the detector) shed VMs by Minimum Migration Time (the VM with the
 *     least RAM, first in the host's list on ties) until they are no longer over-utilised;
 *  2. those VMs are placed by power-aware best fit decreasing (by current CPU demand): the host
 *     whose power rises least, skipping hosts that would be over-utilised after the allocation
 *     unless their measured utilisation is 0;
 *  3. under-utilised hosts, least utilised first, try to move all their VMs the same way onto
 *     hosts that are neither over-utilised, switched off (0 % CPU) nor already emptied; a host
 *     whose VMs cannot all be placed keeps them all; hosts that received VMs are not emptied.
 * CloudSim quirks kept on purpose: the power increase is P(planned + VM) − P(measured), the
 * second term from the host's utilisation at the start of the step, the first counting VMs
 * planned onto it during this step; an empty host counts as drawing idle power; the overload
 * check is skipped on a host with nothing allocated; hosts that took VMs from over-utilised hosts
 * may still be emptied in phase 3 (so a VM can move twice in one step); RAM counts only if the
 * profile makes it bind.
 */
import { powerW } from '../../model/hardware.ts';
import type { BaselineOptions } from './baseline-options.ts';
import type { CentralisedController, DatacenterView, MigrationOrder } from './controller.ts';
import {
  HISTORY_LENGTH,
  OverloadDetectorLocalRegression,
  OverloadDetectorThreshold,
  type HostLoad,
  type OverloadDetector,
} from './overload-detector.ts';

/** The detectors' parameters: the THR and LR keys of the `baselines` config section. */
export type MmtOptions = Pick<
  BaselineOptions,
  'thrUtilization' | 'lrSafety' | 'lrFallbackUtilization'
>;

export function detectorFor(kind: 'thr' | 'lr', o: MmtOptions): OverloadDetector {
  return kind === 'thr'
    ? new OverloadDetectorThreshold(o.thrUtilization)
    : new OverloadDetectorLocalRegression(o.lrSafety, o.lrFallbackUtilization);
}

/** Seconds of one step, for the LR look-ahead in migration intervals. */
const STEP_SECONDS = 300;

export class ControllerMmt implements CentralisedController {
  readonly chargesMigrations = true;
  private readonly n: number;
  /** VM utilisation histories, newest first: vmHist[vm * 30 + i]. */
  private readonly vmHist: Float64Array;
  /** Arrival stamps: a host's VM list is its VMs in stamp order (CloudSim's list order). */
  private readonly stamp: Float64Array;
  private nextStamp: number;
  // Planning state, rebuilt each step.
  private readonly measuredMips: Float64Array;
  private readonly plannedMips: Float64Array;
  private readonly plannedRam: Float64Array;
  private readonly hostHist: Float64Array;
  private lists: number[][] = [];
  private readonly scratch = new Float64Array(HISTORY_LENGTH);
  private view!: DatacenterView;

  constructor(
    private readonly detector: OverloadDetector,
    hostCount: number,
    vmCount: number,
  ) {
    this.n = hostCount;
    this.vmHist = new Float64Array(vmCount * HISTORY_LENGTH);
    this.stamp = Float64Array.from({ length: vmCount }, (_, i) => i);
    this.nextStamp = vmCount;
    this.measuredMips = new Float64Array(hostCount);
    this.plannedMips = new Float64Array(hostCount);
    this.plannedRam = new Float64Array(hostCount);
    this.hostHist = new Float64Array(hostCount * HISTORY_LENGTH);
  }

  decide(view: DatacenterView): readonly MigrationOrder[] {
    this.view = view;
    this.recordHistory(view);
    this.plan(view);
    const n = this.n;
    const over: number[] = [];
    for (let h = 0; h < n; h++) if (this.isOver(h, -1)) over.push(h);
    const overSet = new Uint8Array(n);
    for (const h of over) overSet[h] = 1;

    // 1–2: shed VMs from over-utilised hosts, place them by power-aware best fit decreasing.
    const shed: number[] = [];
    for (const h of over) {
      for (;;) {
        const vm = this.minimumMigrationTime(h);
        if (vm < 0) break;
        shed.push(vm);
        this.remove(h, vm);
        if (!this.isOver(h, -1)) break;
      }
    }
    const orders: MigrationOrder[] = [];
    for (const vm of this.byDemandDesc(shed)) {
      const to = this.findHost(vm, overSet);
      if (to >= 0) {
        this.add(to, vm);
        orders.push({ vm, to });
      }
    }

    // 3: empty under-utilised hosts, least utilised first.
    const exclUnder = new Uint8Array(n);
    const exclPlace = new Uint8Array(n);
    let excluded = 0;
    for (let h = 0; h < n; h++) {
      if (overSet[h] === 1 || this.measuredMips[h] === 0) {
        exclUnder[h] = 1;
        exclPlace[h] = 1;
        excluded++;
      }
    }
    while (excluded < n) {
      const u = this.underUtilised(exclUnder);
      if (u < 0) break;
      exclUnder[u] = 1;
      exclPlace[u] = 1;
      excluded++;
      const vms = this.lists[u]!.slice();
      if (vms.length === 0) continue;
      const planned: MigrationOrder[] = [];
      for (const vm of this.byDemandDesc(vms)) {
        const to = this.findHost(vm, exclPlace);
        if (to < 0) {
          for (const o of planned) this.remove(o.to, o.vm); // reallocation cancelled
          planned.length = 0;
          break;
        }
        this.add(to, vm);
        planned.push({ vm, to });
      }
      for (const o of planned) {
        if (exclUnder[o.to] === 0) {
          exclUnder[o.to] = 1;
          excluded++;
        }
        orders.push(o);
      }
    }
    for (const o of orders) this.stamp[o.vm] = this.nextStamp++;
    return orders;
  }

  /** Appends each VM's utilisation of this step (fraction of its requested MIPS) to its history. */
  private recordHistory(view: DatacenterView): void {
    const H = HISTORY_LENGTH;
    const hist = this.vmHist;
    for (let vm = 0; vm < view.vmCount; vm++) {
      const base = vm * H;
      hist.copyWithin(base + 1, base, base + H - 1);
      const mips = view.vmMips[vm]!;
      hist[base] = mips > 0 ? view.vmCpuMips[vm]! / mips : 0;
    }
  }

  /** Rebuilds the planning state (VM lists, loads, history sums) from the view. */
  private plan(view: DatacenterView): void {
    const n = this.n;
    this.measuredMips.fill(0);
    this.plannedMips.fill(0);
    this.plannedRam.fill(0);
    this.hostHist.fill(0);
    this.lists = Array.from({ length: n }, () => []);
    const order = Array.from({ length: view.vmCount }, (_, i) => i).sort(
      (a, b) => this.stamp[a]! - this.stamp[b]!,
    );
    for (const vm of order) {
      const h = view.vmHost[vm]!;
      this.measuredMips[h]! += view.vmCpuMips[vm]!;
      this.add(h, vm);
    }
  }

  private add(h: number, vm: number): void {
    const v = this.view;
    this.lists[h]!.push(vm);
    this.plannedMips[h]! += v.vmCpuMips[vm]!;
    this.plannedRam[h]! += v.vmRamUsedMb[vm]!;
    const f = v.vmMips[vm]! / v.cpuCapMips[h]!;
    const hb = h * HISTORY_LENGTH;
    const vb = vm * HISTORY_LENGTH;
    for (let i = 0; i < HISTORY_LENGTH; i++) this.hostHist[hb + i]! += this.vmHist[vb + i]! * f;
  }

  private remove(h: number, vm: number): void {
    const v = this.view;
    const list = this.lists[h]!;
    list.splice(list.indexOf(vm), 1);
    this.plannedMips[h]! -= v.vmCpuMips[vm]!;
    this.plannedRam[h]! -= v.vmRamUsedMb[vm]!;
    const hb = h * HISTORY_LENGTH;
    if (list.length === 0) {
      this.plannedMips[h] = 0;
      this.plannedRam[h] = 0;
      this.hostHist.fill(0, hb, hb + HISTORY_LENGTH);
      return;
    }
    const f = v.vmMips[vm]! / v.cpuCapMips[h]!;
    const vb = vm * HISTORY_LENGTH;
    for (let i = 0; i < HISTORY_LENGTH; i++) this.hostHist[hb + i]! -= this.vmHist[vb + i]! * f;
  }

  /** Is host `h` over-utilised with its planned VMs (plus `vm` when ≥ 0)? */
  private isOver(h: number, vm: number): boolean {
    const v = this.view;
    const hist = this.scratch;
    const hb = h * HISTORY_LENGTH;
    let cpu = this.plannedMips[h]!;
    let maxMigration = -Infinity;
    for (const x of this.lists[h]!) maxMigration = Math.max(maxMigration, v.migrationSeconds(x, h));
    if (vm >= 0) {
      cpu += v.vmCpuMips[vm]!;
      maxMigration = Math.max(maxMigration, v.migrationSeconds(vm, h));
      const f = v.vmMips[vm]! / v.cpuCapMips[h]!;
      const vb = vm * HISTORY_LENGTH;
      for (let i = 0; i < HISTORY_LENGTH; i++)
        hist[i] = this.hostHist[hb + i]! + this.vmHist[vb + i]! * f;
    } else {
      for (let i = 0; i < HISTORY_LENGTH; i++) hist[i] = this.hostHist[hb + i]!;
    }
    const load: HostLoad = {
      cpuMips: cpu,
      capMips: v.cpuCapMips[h]!,
      history: hist,
      intervalsAhead: maxMigration > 0 ? Math.ceil(maxMigration / STEP_SECONDS) : 0,
    };
    return this.detector.isOverloaded(load);
  }

  /** MMT: the VM with the least RAM on the host, the first in its list on ties; -1 if none. */
  private minimumMigrationTime(h: number): number {
    let best = -1;
    let min = Infinity;
    for (const vm of this.lists[h]!) {
      const ram = this.view.vmRamMb[vm]!;
      if (ram < min) {
        min = ram;
        best = vm;
      }
    }
    return best;
  }

  /** Stable sort by current CPU demand, largest first (PowerVmList.sortByCpuUtilization). */
  private byDemandDesc(vms: number[]): number[] {
    const d = this.view.vmCpuMips;
    return vms.slice().sort((a, b) => d[b]! - d[a]!);
  }

  /** Power-aware best fit: the allowed host whose power rises least; -1 if none. */
  private findHost(vm: number, excluded: Uint8Array): number {
    const v = this.view;
    const demand = v.vmCpuMips[vm]!;
    const ram = v.vmRamUsedMb[vm]!;
    let best = -1;
    let minDiff = Infinity;
    for (let h = 0; h < this.n; h++) {
      if (excluded[h] === 1) continue;
      const type = v.hosts[h]!;
      const cap = v.cpuCapMips[h]!;
      if (type.mipsPerCore < demand) continue; // one core must hold the VM
      if (cap - this.plannedMips[h]! < demand) continue;
      if (v.ramCapMb[h]! - this.plannedRam[h]! < ram) continue;
      // CloudSim 3.0.3 measures "utilisation after" from the VMs potentially allocated (planned
      // ones included), but the power before from the host's last measured utilisation.
      const planned = this.plannedMips[h]!;
      if (planned !== 0 && this.isOver(h, vm)) continue;
      const after = (planned + demand) / cap;
      if (after > 1) continue; // CloudSim's power model throws above 100 %
      const before = Math.min(1, this.measuredMips[h]! / cap);
      const diff = powerW(type, after) - powerW(type, before);
      if (diff < minDiff) {
        minDiff = diff;
        best = h;
      }
    }
    return best;
  }

  /** The least utilised host (measured, 0 < u < 1) not excluded; -1 if none. */
  private underUtilised(excluded: Uint8Array): number {
    const v = this.view;
    let best = -1;
    let min = 1;
    for (let h = 0; h < this.n; h++) {
      if (excluded[h] === 1) continue;
      const u = this.measuredMips[h]! / v.cpuCapMips[h]!;
      if (u > 0 && u < min) {
        min = u;
        best = h;
      }
    }
    return best;
  }
}

/** THR-MMT or LR-MMT for a datacenter of `hostCount` hosts and `vmCount` VMs. */
export function controllerMmt(
  kind: 'thr' | 'lr',
  o: MmtOptions,
  hostCount: number,
  vmCount: number,
): ControllerMmt {
  return new ControllerMmt(detectorFor(kind, o), hostCount, vmCount);
}
