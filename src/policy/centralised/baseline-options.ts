/**
 * Options of the centralised baselines (config section `baselines`), declared once with their
 * defaults: Beloglazov & Buyya's (CCPE 2012) overload detectors as CloudSim 3.0.3
 * runs them, and the FFD reference's fill limit. Utilisations are fractions of capacity, 0..1.
 */
import { z } from 'zod';
import { optionsSection } from '../registry.ts';

const unit = z.number().min(0).max(1);

export const BASELINE_OPTIONS = optionsSection(
  'baselines',
  z
    .object({
      /** THR: CPU utilisation above which a host is over-utilised (CloudSim: 0.8). */
      thrUtilization: unit.default(0.8),
      /** LR, LRR: safety parameter multiplying the predicted utilisation (CloudSim: 1.2). */
      lrSafety: z.number().positive().max(100).default(1.2),
      /** IQR, MAD, LR, LRR: static threshold while a host's history is too short (CloudSim: 0.7). */
      lrFallbackUtilization: unit.default(0.7),
      /** IQR: safety parameter s of the threshold 1 − s × IQR (absent: CloudSim's 1.5). */
      iqrSafety: z.number().min(0).max(100).optional(),
      /** MAD: safety parameter s of the threshold 1 − s × MAD (absent: CloudSim's 2.5). */
      madSafety: z.number().min(0).max(100).optional(),
      /** FFD: fill a host while its CPU stays strictly below this fraction of capacity. */
      ffdMaxCpu: z.number().gt(0).max(1).default(1),
    })
    .strict()
    .prefault({}),
);

export type BaselineOptions = z.output<typeof BASELINE_OPTIONS.schema>;
