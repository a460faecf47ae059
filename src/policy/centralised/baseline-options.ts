/**
 * Options of the centralised baselines (config section `baselines`), declared once with their
 * defaults: Beloglazov & Buyya's (CCPE 2012) THR and LR overload detectors as CloudSim 3.0.3
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
      /** LR: safety parameter multiplying the predicted utilisation (CloudSim: 1.2). */
      lrSafety: z.number().positive().max(100).default(1.2),
      /** LR: static threshold while a host has fewer than 10 samples (CloudSim: 0.7). */
      lrFallbackUtilization: unit.default(0.7),
      /** FFD: fill a host while its CPU stays strictly below this fraction of capacity. */
      ffdMaxCpu: z.number().gt(0).max(1).default(1),
    })
    .strict()
    .prefault({}),
);

export type BaselineOptions = z.output<typeof BASELINE_OPTIONS.schema>;
