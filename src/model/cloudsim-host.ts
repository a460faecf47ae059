/**
 * A CloudSim 3.0.3 host's arithmetic, to the bit where it decides anything: the SPECpower model
 * (PowerModelSpecPower.getPower), the utilisation a host reports (HostDynamicWorkload.
 * getUtilizationOfCpu) and how its VmSchedulerTimeSharedOverSubscription shares MIPS among its
 * VMs, migrating ones included. Used by the `cloudsim` profile's step integrator
 * (cloudsim-interval.ts) and by the CloudSim heuristics' planning (policy/centralised/).
 */
import type { HostType } from './hardware.ts';

/**
 * PowerModelSpecPower.getPower: the SPECpower table at 0 %, 10 %, …, 100 %, linear in between,
 * computed exactly as CloudSim does (its rounding decides ties between candidate hosts).
 * @param u CPU utilisation, 0..1 (CloudSim throws outside that range; callers clamp first)
 */
export function cloudSimPowerW(t: HostType, u: number): number {
  if (u % 0.1 === 0) return t.powerW[Math.trunc(u * 10)]!;
  const u1 = Math.floor(u * 10);
  const u2 = Math.ceil(u * 10);
  const p1 = t.powerW[u1]!;
  const p2 = t.powerW[u2]!;
  const delta = (p2 - p1) / 10;
  return p1 + delta * (u - u1 / 10) * 100;
}

/**
 * HostDynamicWorkload.getUtilizationOfCpu: allocated MIPS over capacity, with values a hair above
 * 1 (< 1.01, floating-point noise) reported as 1.
 */
export function cloudSimUtilization(allocatedMips: number, capMips: number): number {
  const u = allocatedMips / capMips;
  return u > 1 && u < 1.01 ? 1 : u;
}

/** How a VM sits on a host for the scheduler (VmScheduler's migrating-in / -out lists). */
export const VmRole = {
  /** Runs here, not migrating. */
  Resident: 0,
  /** Migrating away from here: allocated 90 % of its request (the rest is the migration's cost). */
  Out: 1,
  /** Migrating in: 10 % of its request is allocated here, against its full request. */
  In: 2,
} as const;
export type VmRoleValue = (typeof VmRole)[keyof typeof VmRole];

/**
 * VmSchedulerTimeSharedOverSubscription's allocation for the VMs of one host, given each VM's
 * request (MIPS, uncapped) and role: a VM's request is capped at one core (CloudSim VMs have one
 * PE); an incoming VM needs 10 % of it. If everything needed fits, each VM gets its capped request
 * (× 0.9 migrating out, × 0.1 migrating in); otherwise every VM gets it scaled by capacity ÷ need,
 * rounded down to whole MIPS (redistributeMipsDueToOverSubscription).
 * Writes each VM's allocated MIPS into `allocated` and returns the host's utilisation MIPS as
 * HostDynamicWorkload.updateVmsProcessing sums it (a migrating-out VM counted at allocated ÷ 0.9).
 * @param perCoreCap whether a VM's request is capped at `peMips` (one core)
 */
export function cloudSimAllocate(
  capMips: number,
  peMips: number,
  requested: ArrayLike<number>,
  roles: ArrayLike<number>,
  count: number,
  allocated: Float64Array,
  perCoreCap = true,
): number {
  let needed = 0;
  let available = capMips;
  let over = false;
  for (let i = 0; i < count; i++) {
    const r = requested[i]!;
    const c = perCoreCap && r > peMips ? peMips : r;
    const need = roles[i] === VmRole.In ? c * 0.1 : c;
    needed += need;
    // The scheduler adds VMs one at a time; the first that does not fit triggers the
    // redistribution, which then covers every VM (later ones too).
    if (!over && available >= need) available -= need;
    else if (need > 0) over = true;
  }
  const scale = over ? capMips / needed : 1;
  let util = 0;
  for (let i = 0; i < count; i++) {
    const r = requested[i]!;
    const c = perCoreCap && r > peMips ? peMips : r;
    const role = roles[i];
    let a: number;
    if (over) {
      a = role === VmRole.Out ? c * scale * 0.9 : role === VmRole.In ? c * 0.1 * scale : c * scale;
      a = Math.floor(a);
    } else a = role === VmRole.Out ? c * 0.9 : role === VmRole.In ? c * 0.1 : c;
    allocated[i] = a;
    util += role === VmRole.Out ? a / 0.9 : a;
  }
  return util;
}
