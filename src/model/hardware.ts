/**
 * Host and VM types of the CloudSim 3.0.3 power examples (Beloglazov & Buyya 2012): HP ProLiant
 * ML110 G4 / G5 hosts with their SPECpower_ssj2008 tables, and four single-core VM types.
 */

export interface HostType {
  readonly name: string;
  /** Number of cores. */
  readonly cores: number;
  /** Capacity of one core, in MIPS. */
  readonly mipsPerCore: number;
  /** Memory, in MB. */
  readonly ramMb: number;
  /** Network bandwidth, in Mbit/s. */
  readonly bandwidthMbps: number;
  /** Power in watts at 0 %, 10 %, …, 100 % CPU (11 entries); linear in between. */
  readonly powerW: readonly number[];
}

export interface VmType {
  readonly name: string;
  /** Requested CPU capacity (1 core), in MIPS. */
  readonly mips: number;
  /** Memory, in MB. */
  readonly ramMb: number;
}

export const HOST_HP_ML110_G4: HostType = {
  name: 'HP ProLiant ML110 G4',
  cores: 2,
  mipsPerCore: 1860,
  ramMb: 4096,
  bandwidthMbps: 1000,
  powerW: [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117],
};

export const HOST_HP_ML110_G5: HostType = {
  name: 'HP ProLiant ML110 G5',
  cores: 2,
  mipsPerCore: 2660,
  ramMb: 4096,
  bandwidthMbps: 1000,
  powerW: [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135],
};

/** Host types in CloudSim's alternation order: host i has type HOST_TYPES[i % 2]. */
export const HOST_TYPES: readonly HostType[] = [HOST_HP_ML110_G4, HOST_HP_ML110_G5];

/** VM types in CloudSim's order (High-CPU Medium, Extra Large, Small, Micro). */
export const VM_TYPES: readonly VmType[] = [
  { name: 'high-cpu-medium', mips: 2500, ramMb: 870 },
  { name: 'extra-large', mips: 2000, ramMb: 1740 },
  { name: 'small', mips: 1000, ramMb: 1740 },
  { name: 'micro', mips: 500, ramMb: 613 },
];

export function hostCpuMips(t: HostType): number {
  return t.cores * t.mipsPerCore;
}

/**
 * Power in watts of a host at CPU utilisation u (0..1; values above 1 are clamped), by linear
 * interpolation of the SPECpower table (CloudSim's PowerModelSpecPower).
 */
export function powerW(t: HostType, u: number): number {
  const x = u <= 0 ? 0 : u >= 1 ? 1 : u;
  const pos = x * 10;
  const i = Math.min(9, Math.floor(pos));
  const lo = t.powerW[i]!;
  const hi = t.powerW[i + 1]!;
  return lo + (hi - lo) * (pos - i);
}
