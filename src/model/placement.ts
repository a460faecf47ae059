/**
 * Initial placement of VMs on hosts (the state at t = 0, before any agent acts). `random` puts each
 * VM on a uniformly drawn host with enough free RAM; `round-robin` deals VMs to hosts in turn,
 * skipping hosts without room. RAM is a hard limit; CPU is not checked (it varies per step).
 */
import { ConfigError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';

export const PLACEMENTS = ['random', 'round-robin'] as const;
export type PlacementKind = (typeof PLACEMENTS)[number];

export function initialPlacement(
  hostRamMb: Float64Array,
  vmRamMb: Float64Array,
  kind: PlacementKind,
  rng: Rng,
): Int32Array {
  const hosts = hostRamMb.length;
  const free = Float64Array.from(hostRamMb);
  const placement = new Int32Array(vmRamMb.length);
  let cursor = 0;
  for (let vm = 0; vm < vmRamMb.length; vm++) {
    const need = vmRamMb[vm]!;
    let host = -1;
    if (kind === 'random') {
      for (let t = 0; t < 16 && host < 0; t++) {
        const h = rng.int(hosts);
        if (free[h]! >= need) host = h;
      }
      cursor = rng.int(hosts);
    }
    for (let k = 0; k < hosts && host < 0; k++) {
      const h = (cursor + k) % hosts;
      if (free[h]! >= need) host = h;
    }
    if (host < 0) {
      const total = vmRamMb.reduce((a, b) => a + b, 0);
      const cap = hostRamMb.reduce((a, b) => a + b, 0);
      throw new ConfigError(
        `cannot place ${vmRamMb.length} VMs on ${hosts} PMs: RAM runs out at VM ${vm} ` +
          `(the VMs need ${Math.round(total)} MB, the PMs have ${Math.round(cap)} MB); use more --pms or fewer --vms`,
      );
    }
    free[host]! -= need;
    placement[vm] = host;
    if (kind === 'round-robin') cursor = (host + 1) % hosts;
  }
  return placement;
}
