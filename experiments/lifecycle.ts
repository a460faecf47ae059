/**
 * A run's events, carried out at each step start (src/model/events.ts has the schedule): PMs
 * that return or join come in powered off; PMs that crash lose their VMs, which go down; VMs
 * that end leave; VMs that arrive join the queue. The queue is served in order, each VM on the
 * first PM that admits it among a random sample of awake PMs (a cloud scheduler's sampled first
 * fit, as in Sparrow's batch sampling), or on a sleeping PM woken for it when none does. The
 * world acts on the agents only as the physical events and a scheduler would: a crash wipes a
 * PM, a restart is a hypervisor's "VM arrived". Peers learn of a crash only by its silence.
 */
import { invariant } from '../src/core/errors.ts';
import type { Rng } from '../src/core/rng.ts';
import type { Datacenter } from '../src/model/datacenter.ts';
import type { LifecycleConfig, Schedule } from '../src/model/events.ts';
import type { FleetOp } from '../nodes/pm-status.ts';

/**
 * The fleet as the scheduler sees it (experiments/fleet-view.ts): each PM's answers, from its
 * hypervisor's report, and the ops the scheduler carries out on it, in order.
 */
export interface FleetView {
  /** Whether PM `h`, awake, can take a VM of `cpuMips` and `ramMb` now (PmAgent.admits). */
  admits(h: number, cpuMips: number, ramMb: number): boolean;
  /** The VMs PM `h` runs now. */
  vmsOf(h: number): readonly number[];
  /** PM `h` holds nothing: no VM, no open exchange, no reservation. */
  idle(h: number): boolean;
  apply(op: FleetOp): void;
}

export interface LifecycleSink {
  datacenter: Datacenter;
  fleet: FleetView;
  /** A sleeping PM was powered on for a restart or an evacuation. */
  woke(node: number): void;
  /** A VM was live-migrated off a draining PM. */
  migrated(vm: number, from: number, to: number): void;
}

export class LifecycleRunner {
  /** VMs to place: down ones in the order they went down (with the step they did), and arrivals. */
  private queue: { vm: number; since: number; arrival: boolean }[] = [];
  /** VMs that ended (events): never placed again. */
  private readonly departed = new Set<number>();
  /** PMs being drained, and the step their drain began. */
  private readonly draining = new Map<number, number>();
  /** Drained PMs that left: the step their drain began, and the step they left. */
  readonly drainsDone: { pm: number; from: number; left: number }[] = [];
  /** Crashes learnt of during the run (a node host lost), by step. */
  private readonly lateCrashes = new Map<number, number[]>();
  private readonly lateCrashSteps: { step: number; pms: number; returnStep: null }[] = [];

  constructor(
    readonly schedule: Schedule,
    private readonly o: Pick<LifecycleConfig, 'admissionSample' | 'restartDelaySteps'>,
    private readonly rng: Rng,
    private readonly sink: LifecycleSink,
    /**
     * PMs not in the fleet until they join (the datacenter has them down already), and the VMs
     * the initial placement had put on them, which the scheduler places at step 0.
     */
    private start: { absentPms: readonly number[]; placeAtStart: readonly number[] } | null = null,
  ) {}

  /** PMs that crash at the start of `step`, for good: their node host was lost. */
  crashLater(step: number, pms: readonly number[]): void {
    this.lateCrashes.set(step, [...(this.lateCrashes.get(step) ?? []), ...pms]);
    this.lateCrashSteps.push({ step, pms: pms.length, returnStep: null });
  }

  /** Each crash's step, size and return (scheduled, then learnt of), for the per-crash metrics. */
  crashSteps(): { step: number; pms: number; returnStep: number | null }[] {
    return [...this.schedule.crashSteps, ...this.lateCrashSteps];
  }

  /** Whether a centralised controller may decide at `step`. */
  controllerUp(step: number): boolean {
    return !this.schedule.controllerDown(step);
  }

  /** Per drain event step: how many PMs it named, and the steps each one that left took. */
  drainSummaries(): { step: number; pms: number; stepsToLeave: number[] }[] {
    return [...this.schedule.drains].map(([step, pms]) => ({
      step,
      pms: pms.length,
      stepsToLeave: this.drainsDone.filter((d) => d.from === step).map((d) => d.left - d.from),
    }));
  }

  /**
   * Step start, after the demand is set: returns and joins, crashes, drains begun, departures,
   * arrivals, then the queue (restarts and arrivals), then evacuations: each VM a draining PM still owns is live-migrated to a PM placed as a restart
   * would be (an operator's maintenance mode, whatever the policy), and a draining PM with
   * nothing left (no VM, no open exchange) leaves.
   */
  beginStep(step: number): void {
    const dc = this.sink.datacenter;
    if (this.start) {
      for (const h of this.start.absentPms) this.op(['crash', h]);
      for (const vm of this.start.placeAtStart) this.queue.push({ vm, since: step, arrival: true });
      this.start = null;
    }
    for (const h of this.schedule.returns.get(step) ?? []) {
      if (this.draining.delete(h)) this.op(['recover', h]); // back before it emptied: drain over
      if (dc.down[h] === 0) continue; // crashed twice and already back, or never down
      dc.recover(h);
      this.op(['recover', h]);
    }
    const crashing = this.schedule.crashes.get(step) ?? [];
    const late = this.lateCrashes.get(step);
    for (const h of late ? [...crashing, ...late] : crashing) {
      if (dc.down[h] === 1) continue;
      for (const vm of dc.crash(h)) this.queue.push({ vm, since: step, arrival: false });
      this.op(['crash', h]);
      this.draining.delete(h);
    }
    for (const h of this.schedule.drains.get(step) ?? []) {
      if (dc.down[h] === 1 || this.draining.has(h)) continue;
      this.draining.set(h, step);
      this.op(['drain', h]);
    }
    const departing = this.schedule.departures.get(step);
    if (departing) {
      for (const vm of departing) {
        dc.depart(vm);
        this.departed.add(vm);
      }
      this.queue = this.queue.filter((q) => !this.departed.has(q.vm));
    }
    // A VM that ended before its arrival never arrives.
    for (const vm of this.schedule.arrivals.get(step) ?? [])
      if (!this.departed.has(vm)) this.queue.push({ vm, since: step, arrival: true });
    if (this.queue.length > 0) this.restart(step);
    if (this.draining.size > 0) this.evacuate(step);
  }

  private evacuate(step: number): void {
    const dc = this.sink.datacenter;
    const awake = hostsWhere(dc, (h) => dc.awake[h] === 1);
    const fleet = this.sink.fleet;
    for (const [h, from] of [...this.draining].sort((a, b) => a[0] - b[0])) {
      for (const vm of [...fleet.vmsOf(h)]) {
        const to = this.place(vm, awake, h);
        if (to < 0) break; // no room now: try again next step
        this.op(['left', h, vm]);
        this.op(['arrived', to, vm]);
        this.sink.migrated(vm, h, to);
      }
      if (!fleet.idle(h)) continue;
      const lost = dc.crash(h);
      invariant(lost.length === 0, () => `drained PM ${h} left with VMs ${lost.join(', ')}`);
      this.op(['crash', h]);
      const i = awake.indexOf(h);
      if (i >= 0) awake.splice(i, 1);
      this.draining.delete(h);
      this.drainsDone.push({ pm: h, from, left: step });
    }
  }

  private restart(step: number): void {
    const dc = this.sink.datacenter;
    const left: typeof this.queue = [];
    let awake: number[] | null = null;
    for (const q of this.queue) {
      if (!q.arrival && step - q.since < this.o.restartDelaySteps) {
        left.push(q);
        continue;
      }
      awake ??= hostsWhere(dc, (h) => dc.awake[h] === 1);
      const h = this.place(q.vm, awake);
      if (h < 0) {
        left.push(q);
        continue;
      }
      if (q.arrival) dc.arrive(q.vm, h);
      else dc.restart(q.vm, h);
      this.op(['arrived', h, q.vm]);
    }
    this.queue = left;
  }

  /**
   * The PM for `vm`: sampled first fit among `awake` (which grows when one is woken), never
   * `except` nor a draining PM; −1: none.
   */
  private place(vm: number, awake: number[], except = -1): number {
    const dc = this.sink.datacenter;
    const cpu = dc.vmCpuMips[vm]!;
    const ram = dc.vmRamUsedMb[vm]!;
    const k = Math.min(this.o.admissionSample, awake.length);
    // The first k of a random permutation (partial Fisher–Yates, undone after: `awake` stays sorted).
    const swaps: number[] = [];
    let found = -1;
    for (let i = 0; i < k && found < 0; i++) {
      const j = i + this.rng.int(awake.length - i);
      swaps.push(j);
      [awake[i], awake[j]] = [awake[j]!, awake[i]!];
      if (awake[i] !== except && this.sink.fleet.admits(awake[i]!, cpu, ram)) found = awake[i]!;
    }
    for (let i = swaps.length - 1; i >= 0; i--) {
      const j = swaps[i]!;
      [awake[i], awake[j]] = [awake[j]!, awake[i]!];
    }
    if (found >= 0) return found;
    const sleepers = hostsWhere(
      dc,
      (h) =>
        dc.awake[h] === 0 && dc.down[h] === 0 && !this.draining.has(h) && dc.ramCapMb[h]! >= ram,
    );
    if (sleepers.length === 0) return -1;
    const h = sleepers[this.rng.int(sleepers.length)]!;
    this.op(['woke', h]);
    this.sink.woke(h);
    awake.splice(sortedIndex(awake, h), 0, h);
    return h;
  }

  private op(op: FleetOp): void {
    this.sink.fleet.apply(op);
  }
}

function hostsWhere(dc: Datacenter, keep: (h: number) => boolean): number[] {
  const out: number[] = [];
  for (let h = 0; h < dc.hostCount; h++) if (keep(h)) out.push(h);
  return out;
}

function sortedIndex(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
