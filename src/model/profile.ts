/**
 * Datacenter profiles: which physical model a run uses. `default` is the honest model (RAM is a
 * hard limit at every step; an awake host draws at least its idle power). `cloudsim` reproduces
 * the quirks of CloudSim 3.0.3's PlanetLab power examples (Beloglazov & Buyya 2012), so that our
 * figures can be held against CloudSim's published ones:
 *  - VM types by contiguous blocks (VM i has type ⌊i / ⌈N/4⌉⌋), as CloudSim's Helper.createVmList;
 *  - RAM counts only at the initial allocation: afterwards a VM's requested RAM is 0
 *    (UtilizationModelNull), so memory never constrains a migration;
 *  - a host at exactly 0 % CPU is charged 0 W and is not "active" for SLATAH
 *    (PowerHost.getEnergyLinearInterpolation returns 0 when the utilisation is 0; the host
 *    state history marks a host active only when its allocated MIPS > 0), even while it holds VMs;
 *  - a host violates its SLA only when its VMs request more than its capacity (allocated <
 *    requested): a host at exactly 100 % does not count for SLATAH;
 *  - its initial allocation (placement-cloudsim.ts), chosen through the `placement` key.
 */
import type { VmType } from './hardware.ts';
import { VM_TYPES } from './hardware.ts';
import { PLACEMENTS } from './placement.ts';

export const PROFILES = ['default', 'cloudsim'] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface DatacenterProfile {
  readonly name: ProfileName;
  /** VM type of VM `i` among `n` VMs. */
  vmType(i: number, n: number): VmType;
  /**
   * Whether a VM's RAM counts against its host after the initial placement (true: the VM's type
   * RAM, or its traced memory use; false: 0 MB, CloudSim's UtilizationModelNull).
   */
  readonly ramBinds: boolean;
  /** A host at exactly 0 % CPU draws 0 W and is left out of SLATAH's active time (CloudSim). */
  readonly zeroPowerAtZeroCpu: boolean;
  /** Only demand above capacity is an overload (CloudSim); else a host at 100 % counts too. */
  readonly overloadAboveCapacityOnly: boolean;
}

/** Round-robin types: VM i has type i mod 4 (portable, independent of directory order). */
export const PROFILE_DEFAULT: DatacenterProfile = {
  name: 'default',
  vmType: (i) => VM_TYPES[i % VM_TYPES.length]!,
  ramBinds: true,
  zeroPowerAtZeroCpu: false,
  overloadAboveCapacityOnly: false,
};

export const PROFILE_CLOUDSIM: DatacenterProfile = {
  name: 'cloudsim',
  vmType: (i, n) => VM_TYPES[Math.floor(i / Math.ceil(n / VM_TYPES.length))]!,
  ramBinds: false,
  zeroPowerAtZeroCpu: true,
  overloadAboveCapacityOnly: true,
};

export function profileOf(name: ProfileName): DatacenterProfile {
  return name === 'cloudsim' ? PROFILE_CLOUDSIM : PROFILE_DEFAULT;
}

/** Initial placements a config may name: the generic ones and CloudSim's. */
export const ALL_PLACEMENTS = [...PLACEMENTS, 'cloudsim'] as const;
export type AnyPlacement = (typeof ALL_PLACEMENTS)[number];
