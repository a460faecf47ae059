/**
 * The workload contract: per step, each VM's CPU demand as a fraction (0..1) of its requested
 * MIPS. Memory is reserved by VM type (the RAM a VM is given) unless the trace records its use.
 */

export interface Workload {
  /** Human-readable description, e.g. `synthetic:diurnal` or `planetlab:<dir>`. */
  readonly name: string;
  readonly vmCount: number;
  /** Steps available (Infinity for generated workloads). */
  readonly maxSteps: number;
  /** Length of one step, in seconds. */
  readonly stepSeconds: number;
  /** Writes each VM's CPU utilisation (0..1 of its requested MIPS) at `step` into `out[vm]`. */
  cpuUtilAt(step: number, out: Float64Array): void;
  /**
   * Traces with memory (Bitbrains): writes each VM's RAM utilisation (0..1 of its type's RAM) at
   * `step`. Absent: a VM uses its type's RAM throughout.
   */
  ramUtilAt?(step: number, out: Float64Array): void;
  /** Traces with network (Bitbrains): each VM's network throughput at `step`, in KB/s (in + out). */
  networkKBpsAt?(step: number, out: Float64Array): void;
  /**
   * Traces that say when a VM runs (Bitbrains): per VM, the steps of its first and last non-empty
   * sample (some CPU or memory in use); −1 for both when it has none.
   */
  vmLifetimes?(): VmLifetimes;
}

export interface VmLifetimes {
  first: Int32Array;
  last: Int32Array;
}
