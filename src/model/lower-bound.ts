/**
 * Lower bound on the number of active PMs for a step: for each resource, the fewest hosts whose
 * combined capacity covers the total demand when the largest hosts are taken first; the bound is
 * the maximum over resources (a relaxation of bin packing: VMs are treated as divisible).
 */

/** Fewest hosts (largest first) whose capacities sum to at least `demand`. Capacities sorted descending. */
export function hostsToCover(demand: number, capacitiesDesc: Float64Array): number {
  if (demand <= 0) return 0;
  let sum = 0;
  for (let i = 0; i < capacitiesDesc.length; i++) {
    sum += capacitiesDesc[i]!;
    // A relative epsilon so that demand exactly equal to n capacities needs n hosts, not n+1.
    if (sum >= demand * (1 - 1e-12)) return i + 1;
  }
  return capacitiesDesc.length;
}

export function sortedDescending(values: ArrayLike<number>): Float64Array {
  const a = Float64Array.from(values);
  a.sort();
  a.reverse();
  return a;
}

/** max over resources of hostsToCover(total demand of that resource). */
export function activePmLowerBound(
  cpuDemandMips: number,
  ramDemandMb: number,
  cpuCapDesc: Float64Array,
  ramCapDesc: Float64Array,
): number {
  return Math.max(hostsToCover(cpuDemandMips, cpuCapDesc), hostsToCover(ramDemandMb, ramCapDesc));
}
