/**
 * Which VMs each host lists during a `cloudsim` step, in which role and in which order, as
 * CloudSim 3.0.3's hosts do: a host lists its VMs in arrival order (vmCreate appends); a VM being
 * migrated stays on its source (migrating out) and is also listed on each destination (migrating
 * in, appended when its migration starts) until its migration ends, when it is appended to its
 * final host. The order matters: CloudSim sums a host's MIPS over its list, and where allocated
 * equals requested exactly, the order of the sum decides "allocated < requested" (SLATAH).
 */
import { VmRole } from './cloudsim-host.ts';
import type { HostType, VmType } from './hardware.ts';

/** A VM's place on a host: vm × 4 + role (VmRole), packed in a number so lists allocate nothing. */
export type Slot = number;
export const slot = (vm: number, role: number): Slot => vm * 4 + role;
export const vmOf = (x: Slot) => x >> 2;
export const roleOf = (x: Slot) => x & 3;

/** A VM's migration(s) this step: when it ends (s), from where, through which targets. */
export interface Completion {
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

export class CloudSimHostLists {
  /** Per host, its VMs this instant. */
  readonly lists: Slot[][];
  /** VMs in arrival order (creation order at first); each host lists its VMs in this order. */
  private readonly order: Int32Array;
  private readonly startHost: Int32Array;
  private readonly finalHost: Int32Array;
  private readonly migrating: Uint8Array;
  private moves: { vm: number; to: number }[] = [];

  constructor(
    readonly hosts: readonly HostType[],
    readonly vms: readonly VmType[],
  ) {
    this.lists = Array.from({ length: hosts.length }, () => []);
    this.order = Int32Array.from({ length: vms.length }, (_, i) => i);
    this.startHost = new Int32Array(vms.length);
    this.finalHost = new Int32Array(vms.length);
    this.migrating = new Uint8Array(vms.length);
  }

  /** A new step: VMs run on `vmHost`, nothing has moved yet. */
  beginStep(vmHost: Int32Array): void {
    this.startHost.set(vmHost);
    this.moves = [];
  }

  /** A live VM was ordered to `to` during this step. */
  onMigration(vm: number, to: number): void {
    this.moves.push({ vm, to });
  }

  /** A free move (a reference repack): the VM runs on `to` from the step's start, last in line. */
  onFreeMove(vm: number, to: number): void {
    this.startHost[vm] = to;
    const i = this.order.indexOf(vm);
    this.order.copyWithin(i, i + 1);
    this.order[this.order.length - 1] = vm;
  }

  /** PowerDatacenter's delay: RAM (MB) ÷ (host bandwidth in kbit/s ÷ (2 × 8000)). */
  migrationSeconds(vm: number, to: number): number {
    const bwKbps = this.hosts[to]!.bandwidthMbps * 1000;
    return this.vms[vm]!.ramMb / (bwKbps / (2 * 8000));
  }

  /** This step's moves, for charging them when nothing is in flight. */
  get stepMoves(): readonly { vm: number; to: number }[] {
    return this.moves;
  }

  /**
   * Lists the hosts' VMs right after the step's migrations start (`inFlight`), or with every
   * move done at once; ended VMs and VMs down (their host crashed) are on no host.
   */
  placeAtStart(ended: Uint8Array, down: Uint8Array, inFlight: boolean): Slot[][] {
    const lists = this.lists;
    for (const l of lists) if (l.length !== 0) l.length = 0; // a runtime call, even on an empty list
    const migrating = this.migrating;
    migrating.fill(0);
    const finalHost = this.finalHost;
    finalHost.set(this.startHost);
    for (const m of this.moves) {
      finalHost[m.vm] = m.to;
      migrating[m.vm] = 1;
    }
    for (const vm of this.order) {
      if (ended[vm] === 1 || down[vm] === 1) continue;
      if (migrating[vm] === 0) lists[this.startHost[vm]!]!.push(slot(vm, VmRole.Resident));
      else if (inFlight) lists[this.startHost[vm]!]!.push(slot(vm, VmRole.Out));
    }
    if (!inFlight)
      for (const vm of this.arrivals(null)) lists[finalHost[vm]!]!.push(slot(vm, VmRole.Resident));
    else {
      for (const m of this.moves) {
        const l = lists[m.to]!;
        if (m.to !== this.startHost[m.vm] && !l.includes(slot(m.vm, VmRole.In)))
          l.push(slot(m.vm, VmRole.In));
      }
    }
    return lists;
  }

  /** Migration ends in CloudSim's delivery order; a VM ordered twice ends once, on its last target. */
  completions(t0: number): Completion[] {
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

  /** A migration ends: the VM leaves its source and destinations and joins its final host. */
  complete(c: Completion): void {
    const vm = c.vm;
    for (const h of [c.from, ...c.targets]) {
      const l = this.lists[h]!;
      for (let j = l.length - 1; j >= 0; j--) if (vmOf(l[j]!) === vm) l.splice(j, 1);
    }
    this.lists[this.finalHost[vm]!]!.push(slot(vm, VmRole.Resident));
  }

  /**
   * Moves this step's arrivals to the end of the arrival order, for the next step: as their
   * migrations end (`done`), or, with no migration in flight, in the order of their last move.
   * Call after placeAtStart.
   */
  reorder(done: readonly Completion[] | null): void {
    const moved = this.arrivals(done);
    if (moved.length === 0) return;
    const isMoved = this.migrating; // flags exactly the VMs moved this step (placeAtStart)
    let j = 0;
    for (const vm of this.order) if (isMoved[vm] === 0) this.order[j++] = vm;
    for (const vm of moved) this.order[j++] = vm;
  }

  private arrivals(done: readonly Completion[] | null): number[] {
    if (done !== null) return done.map((c) => c.vm);
    const last = new Map<number, number>();
    this.moves.forEach((m, k) => last.set(m.vm, k));
    return [...last.keys()].sort((a, b) => last.get(a)! - last.get(b)!);
  }
}
