/**
 * The planning state of CloudSim 3.0.3's PowerVmAllocationPolicyMigrationAbstract while it
 * optimises an allocation: each host's VM list (in arrival order, which breaks CloudSim's ties),
 * what its VmSchedulerTimeSharedOverSubscription has allocated, its requested MIPS and its
 * utilisation history (PowerHostUtilizationHistory), all kept as CloudSim keeps them when the
 * policy tentatively creates and destroys VMs on hosts (vmCreate / vmDestroy). Sums are
 * recomputed from the lists in list order, never updated incrementally, so a host whose VMs all
 * left reads exactly 0 as CloudSim's does.
 */
import {
  cloudSimAllocate,
  cloudSimPowerW,
  cloudSimUtilization,
} from '../../model/cloudsim-host.ts';
import type { DatacenterView } from './controller.ts';
import { countNonZeroBeginning } from './cloudsim-math.ts';
import { HISTORY_LENGTH } from './overload-detector.ts';

export class CloudSimPlan {
  readonly n: number;
  /** VM utilisation histories, newest first: hist[vm * 30 + i]; histLen[vm] samples. */
  readonly hist: Float64Array;
  readonly histLen: Int32Array;
  /** Arrival stamps: a host's VM list is its VMs in stamp order (CloudSim's list order). */
  readonly stamp: Float64Array;
  private nextStamp: number;
  lists: number[][] = [];
  /** Per host at the step's update: utilisation (0..1) and the power it draws at it, W. */
  readonly measuredUtil: Float64Array;
  readonly measuredPowerW: Float64Array;
  // Caches per host, valid while `fresh[h]`; hosts changed since are queued in `dirty`.
  private readonly fresh: Uint8Array;
  private dirty: number[] = [];
  private readonly freshHist: Uint8Array;
  private readonly allocMips: Float64Array;
  private readonly availMips: Float64Array;
  private readonly reqMips: Float64Array;
  private readonly plannedRam: Float64Array;
  private readonly hostHist: Float64Array;
  /** Per host: its history's length once the zero tail is cut. */
  private readonly hostHistLen: Int32Array;
  /** Per VM: its history's length once the zero tail is cut. */
  private readonly vmHistLen: Int32Array;
  private scratchReq = new Float64Array(32);
  private scratchAlloc = new Float64Array(32);
  private scratchRole = new Uint8Array(32);
  view!: DatacenterView;

  constructor(hostCount: number, vmCount: number) {
    this.n = hostCount;
    this.hist = new Float64Array(vmCount * HISTORY_LENGTH);
    this.histLen = new Int32Array(vmCount);
    this.stamp = Float64Array.from({ length: vmCount }, (_, i) => i);
    this.nextStamp = vmCount;
    this.measuredUtil = new Float64Array(hostCount);
    this.measuredPowerW = new Float64Array(hostCount);
    this.fresh = new Uint8Array(hostCount);
    this.freshHist = new Uint8Array(hostCount);
    this.allocMips = new Float64Array(hostCount);
    this.availMips = new Float64Array(hostCount);
    this.reqMips = new Float64Array(hostCount);
    this.plannedRam = new Float64Array(hostCount);
    this.hostHist = new Float64Array(hostCount * HISTORY_LENGTH);
    this.hostHistLen = new Int32Array(hostCount);
    this.vmHistLen = new Int32Array(vmCount);
  }

  /** Whether the datacenter's scheduler caps a VM at one core (the profile's physics). */
  private get perCoreCap(): boolean {
    return this.view.cloudsim?.vmCappedAtOneCore ?? false;
  }

  /** PowerVm.addUtilizationHistoryValue for every live VM: this step's utilisation, newest first. */
  recordHistory(): void {
    const v = this.view;
    const H = HISTORY_LENGTH;
    for (let vm = 0; vm < v.vmCount; vm++) {
      if (v.vmEnded[vm] === 1 || v.vmDown[vm] === 1) continue;
      const base = vm * H;
      this.hist.copyWithin(base + 1, base, base + H - 1);
      this.hist[base] = v.vmUtil[vm]!;
      if (this.histLen[vm]! < H) this.histLen[vm]!++;
      this.vmHistLen[vm] = countNonZeroBeginning(this.vmHistory(vm));
    }
  }

  /** Rebuilds the lists from where live VMs run, and each host's measured state. */
  reset(view: DatacenterView): void {
    this.view = view;
    this.lists = Array.from({ length: this.n }, () => []);
    const order: number[] = [];
    for (let vm = 0; vm < view.vmCount; vm++)
      if (view.vmEnded[vm] === 0 && view.vmDown[vm] === 0) order.push(vm);
    order.sort((a, b) => this.stamp[a]! - this.stamp[b]!);
    for (const vm of order) this.lists[view.vmHost[vm]!]!.push(vm);
    this.fresh.fill(0);
    this.freshHist.fill(0);
    this.dirty.length = 0;
    for (let h = 0; h < this.n; h++) {
      const u = cloudSimUtilization(this.allocatedMips(h), view.cpuCapMips[h]!);
      this.measuredUtil[h] = u;
      this.measuredPowerW[h] = cloudSimPowerW(view.hosts[h]!, Math.min(1, u));
    }
  }

  /** vmCreate: `vm` joins the end of host `h`'s list. */
  add(h: number, vm: number): void {
    this.lists[h]!.push(vm);
    this.invalidate(h);
    this.freshHist[h] = 0;
  }

  /** vmDestroy: `vm` leaves host `h`'s list. */
  remove(h: number, vm: number): void {
    const l = this.lists[h]!;
    l.splice(l.indexOf(vm), 1);
    this.invalidate(h);
    this.freshHist[h] = 0;
  }

  /** Arrival order for the VMs this step moved, as their migrations end (shortest first). */
  stampArrivals(vms: readonly number[]): void {
    for (const vm of vms) this.stamp[vm] = this.nextStamp++;
  }

  private invalidate(h: number): void {
    if (this.fresh[h] === 1) this.dirty.push(h);
    this.fresh[h] = 0;
  }

  /**
   * Brings every host's cached sums up to date, so that a scan over all hosts can read the
   * arrays `available`, `allocated` and `ram` directly.
   */
  flush(): void {
    for (const h of this.dirty) this.refresh(h);
    this.dirty.length = 0;
  }

  /** Per host, valid after flush(): free MIPS, allocated MIPS, RAM held (see the methods below). */
  get available(): Float64Array {
    return this.availMips;
  }
  get allocated(): Float64Array {
    return this.allocMips;
  }
  get ram(): Float64Array {
    return this.plannedRam;
  }

  private refresh(h: number): void {
    if (this.fresh[h] === 1) return;
    const v = this.view;
    const l = this.lists[h]!;
    if (this.scratchReq.length < l.length) {
      this.scratchReq = new Float64Array(2 * l.length);
      this.scratchAlloc = new Float64Array(2 * l.length);
      this.scratchRole = new Uint8Array(2 * l.length);
    }
    let req = 0;
    let ram = 0;
    for (let j = 0; j < l.length; j++) {
      const vm = l[j]!;
      const r = v.vmCpuMips[vm]!;
      this.scratchReq[j] = r;
      req += r;
      ram += v.vmRamUsedMb[vm]!;
    }
    this.scratchRole.fill(0, 0, l.length);
    const cap = v.cpuCapMips[h]!;
    const pe = v.hosts[h]!.mipsPerCore;
    let need = 0;
    for (let j = 0; j < l.length; j++) {
      const r = this.scratchReq[j]!;
      need += this.perCoreCap && r > pe ? pe : r;
    }
    this.allocMips[h] = cloudSimAllocate(
      cap,
      pe,
      this.scratchReq,
      this.scratchRole,
      l.length,
      this.scratchAlloc,
      this.perCoreCap,
    );
    this.availMips[h] = need <= cap ? cap - need : 0;
    this.reqMips[h] = req;
    this.plannedRam[h] = ram;
    this.fresh[h] = 1;
  }

  /** Σ MIPS the host's scheduler has allocated to its listed VMs (getUtilizationOfCpuMips). */
  allocatedMips(h: number): number {
    this.refresh(h);
    return this.allocMips[h]!;
  }

  /** MIPS still free on the host's scheduler (0 once oversubscribed). */
  availableMips(h: number): number {
    this.refresh(h);
    return this.availMips[h]!;
  }

  /** Σ requested MIPS of the listed VMs, in list order. */
  requestedMips(h: number): number {
    this.refresh(h);
    return this.reqMips[h]!;
  }

  /** Σ RAM the listed VMs hold, MB. */
  ramMb(h: number): number {
    this.refresh(h);
    return this.plannedRam[h]!;
  }

  /** The host's utilisation history (Σ of its VMs' histories in host fractions), newest first. */
  hostHistory(h: number): Float64Array {
    const hb = h * HISTORY_LENGTH;
    if (this.freshHist[h] === 0) {
      const v = this.view;
      this.hostHist.fill(0, hb, hb + HISTORY_LENGTH);
      const hostMips = v.cpuCapMips[h]!;
      for (const vm of this.lists[h]!) {
        const vb = vm * HISTORY_LENGTH;
        const mips = v.vmMips[vm]!;
        for (let i = 0; i < this.histLen[vm]!; i++)
          this.hostHist[hb + i]! += (this.hist[vb + i]! * mips) / hostMips;
      }
      this.hostHistLen[h] = countNonZeroBeginning(this.hostHist.subarray(hb, hb + HISTORY_LENGTH));
      this.freshHist[h] = 1;
    }
    return this.hostHist.subarray(hb, hb + HISTORY_LENGTH);
  }

  /** Length of the host's history once its zero tail is cut. */
  hostHistoryLength(h: number): number {
    this.hostHistory(h);
    return this.hostHistLen[h]!;
  }

  /** Length of a VM's history once its zero tail is cut. */
  vmHistoryLength(vm: number): number {
    return this.vmHistLen[vm]!;
  }

  /** A VM's history, newest first. */
  vmHistory(vm: number): Float64Array {
    return this.hist.subarray(vm * HISTORY_LENGTH, vm * HISTORY_LENGTH + this.histLen[vm]!);
  }
}
