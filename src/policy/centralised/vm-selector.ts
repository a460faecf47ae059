/**
 * VM selection of Beloglazov & Buyya (2012), as CloudSim 3.0.3's PowerVmSelectionPolicy* classes
 * pick the next VM to take off an over-utilised host, among its VMs not already migrating (in the
 * host's list order, which breaks ties):
 *  - MMT (MinimumMigrationTime): the least RAM, i.e. the shortest migration;
 *  - MU (MinimumUtilization): the lowest current CPU utilisation;
 *  - RS (RandomSelection): uniformly at random (from the run's seeded stream; CloudSim's is not);
 *  - MC (MaximumCorrelation): the VM whose utilisation history the others' histories explain best
 *    (highest R² of a least-squares fit on them), falling back to MMT when the fit cannot be
 *    computed (fewer samples than VMs, a singular design).
 */
import type { Rng } from '../../core/rng.ts';
import { CloudSimMathError } from './cloudsim-math.ts';
import { allRSquared } from './cloudsim-least-squares.ts';
import type { SelectorName } from './cloudsim-heuristics.ts';

/** What a selector may read about one host's candidate VMs. */
export interface SelectionCandidates {
  /** The host's VMs that may migrate, in the host's list order. */
  readonly vms: readonly number[];
  /** A VM's RAM, in MB (what its migration copies). */
  ramMb(vm: number): number;
  /** A VM's CPU utilisation now, 0..1 of its requested MIPS. */
  util(vm: number): number;
  /** A VM's utilisation history, newest first (0..1 each). */
  history(vm: number): ArrayLike<number>;
}

export interface VmSelector {
  readonly name: SelectorName;
  /** Index in `c.vms` of the VM to migrate, or −1 when there is none. */
  select(c: SelectionCandidates): number;
}

/** The first VM minimising `metric` (strictly smaller wins, as CloudSim's loops do). */
function argMin(c: SelectionCandidates, metric: (vm: number) => number): number {
  let best = -1;
  let min = Number.MAX_VALUE;
  c.vms.forEach((vm, i) => {
    const m = metric(vm);
    if (m < min) {
      min = m;
      best = i;
    }
  });
  return best;
}

export class VmSelectorMinimumMigrationTime implements VmSelector {
  readonly name = 'mmt';
  select(c: SelectionCandidates): number {
    return argMin(c, (vm) => c.ramMb(vm));
  }
}

export class VmSelectorMinimumUtilization implements VmSelector {
  readonly name = 'mu';
  select(c: SelectionCandidates): number {
    return argMin(c, (vm) => c.util(vm));
  }
}

export class VmSelectorRandom implements VmSelector {
  readonly name = 'rs';
  constructor(private readonly rng: Rng) {}
  select(c: SelectionCandidates): number {
    return c.vms.length === 0 ? -1 : this.rng.int(c.vms.length);
  }
}

export class VmSelectorMaximumCorrelation implements VmSelector {
  readonly name = 'mc';
  private readonly fallback = new VmSelectorMinimumMigrationTime();

  select(c: SelectionCandidates): number {
    const n = c.vms.length;
    if (n === 0) return -1;
    let r2: number[];
    try {
      r2 = correlations(c);
    } catch (e) {
      if (e instanceof CloudSimMathError) return this.fallback.select(c);
      throw e;
    }
    let max = Number.MIN_VALUE; // Java's Double.MIN_VALUE: R² ≤ 0 (or NaN) never wins
    let best = 0;
    r2.forEach((m, i) => {
      if (m > max) {
        max = m;
        best = i;
      }
    });
    return best;
  }
}

/**
 * R² of each VM's history regressed on the others' (getCorrelationCoefficients over the histories
 * cut to the shortest one).
 */
function correlations(c: SelectionCandidates): number[] {
  const rows = c.vms.map((vm) => c.history(vm));
  let m = Infinity;
  for (const r of rows) m = Math.min(m, r.length);
  return allRSquared(rows, m);
}

export function vmSelector(name: SelectorName, rng: Rng): VmSelector {
  switch (name) {
    case 'mmt':
      return new VmSelectorMinimumMigrationTime();
    case 'mu':
      return new VmSelectorMinimumUtilization();
    case 'rs':
      return new VmSelectorRandom(rng);
    case 'mc':
      return new VmSelectorMaximumCorrelation();
  }
}
