/**
 * Seeded synthetic workloads, the scenarios of the seed report (steady random load, periodic
 * spikes, high usage) plus a diurnal day/night cycle. Demand is a stateless hash of
 * (seed, vm, step), so it does not depend on generation order and any step can be asked first.
 */
import { hashUnit } from '../core/rng.ts';
import { ConfigError } from '../core/errors.ts';
import type { Workload } from './workload.ts';

export const SYNTHETIC_KINDS = ['steady', 'diurnal', 'spikes', 'high'] as const;
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];

/** Steps in one simulated day at 300 s per step. */
const DAY_STEPS = 288;

export class WorkloadSynthetic implements Workload {
  readonly name: string;
  readonly maxSteps = Infinity;
  private readonly base: Float64Array;
  private readonly amp: Float64Array;
  private readonly phase: Float64Array;
  private readonly period: Float64Array;

  constructor(
    readonly kind: SyntheticKind,
    readonly vmCount: number,
    private readonly seed: number,
    readonly stepSeconds = 300,
  ) {
    if (!SYNTHETIC_KINDS.includes(kind)) {
      throw new ConfigError(
        `unknown synthetic workload '${kind}'; expected one of ${SYNTHETIC_KINDS.join(', ')}`,
      );
    }
    this.name = `synthetic:${kind}`;
    this.base = new Float64Array(vmCount);
    this.amp = new Float64Array(vmCount);
    this.phase = new Float64Array(vmCount);
    this.period = new Float64Array(vmCount);
    for (let vm = 0; vm < vmCount; vm++) {
      const r = (k: number) => hashUnit(seed, vm, -1 - k);
      switch (kind) {
        case 'steady':
          this.base[vm] = 0.05 + 0.45 * r(0);
          this.amp[vm] = 0.05;
          break;
        case 'diurnal':
          this.base[vm] = 0.1 + 0.3 * r(0);
          this.amp[vm] = this.base[vm]! * (0.5 + 0.5 * r(1));
          // Peaks spread over a few hours around mid-afternoon.
          this.phase[vm] = (r(2) - 0.5) * ((2 * Math.PI) / 6);
          break;
        case 'spikes':
          this.base[vm] = 0.05 + 0.25 * r(0);
          this.amp[vm] = 0.4 + 0.3 * r(1);
          this.period[vm] = 24 + Math.floor(48 * r(2));
          this.phase[vm] = Math.floor(this.period[vm]! * r(3));
          break;
        case 'high':
          this.base[vm] = 0.6 + 0.3 * r(0);
          this.amp[vm] = 0.08;
          break;
      }
    }
  }

  cpuUtilAt(step: number, out: Float64Array): void {
    const seed = this.seed;
    for (let vm = 0; vm < this.vmCount; vm++) {
      const noise = hashUnit(seed, vm, step) - 0.5; // uniform in [-0.5, 0.5)
      const b = this.base[vm]!;
      const a = this.amp[vm]!;
      let u: number;
      switch (this.kind) {
        case 'steady':
        case 'high':
          u = b + 2 * a * noise;
          break;
        case 'diurnal':
          u = b + a * Math.sin((2 * Math.PI * step) / DAY_STEPS - Math.PI / 2 + this.phase[vm]!);
          u += 0.1 * b * noise;
          break;
        case 'spikes': {
          const p = this.period[vm]!;
          const t = (step + this.phase[vm]!) % p;
          const spikeLen = 2 + Math.floor(4 * hashUnit(seed, vm, -10));
          u = b + 0.05 * noise + (t < spikeLen ? a : 0);
          break;
        }
      }
      out[vm] = u < 0 ? 0 : u > 1 ? 1 : u;
    }
  }
}
