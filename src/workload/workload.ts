/**
 * The workload contract: per step, each VM's CPU demand as a fraction (0..1) of its requested
 * MIPS. Memory is reserved by VM type (the RAM a VM is given), so it is not part of the trace.
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
}
