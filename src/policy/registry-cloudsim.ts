/**
 * Registry entries of CloudSim 3.0.3's power heuristics (Beloglazov & Buyya 2012): every overload
 * detector (THR, IQR, MAD, LR, LRR) with every VM selection policy (MMT, MC, MU, RS), as
 * `--policy <detector>-<selector>` (e.g. lr-mmt). Each is a centralised controller
 * (controller-cloudsim.ts); its nodes only host VMs. Parameters come from config `baselines`
 * (CloudSim's runners' values by default) and CloudSim's bookkeeping quirks from config `cloudsim`.
 */
import type { Rng } from '../core/rng.ts';
import { CLOUDSIM_HEURISTICS, type CloudSimHeuristic } from './centralised/cloudsim-heuristics.ts';
import {
  CLOUDSIM_ALLOCATION_QUIRKS,
  ControllerCloudSim,
} from './centralised/controller-cloudsim.ts';
import type { DatacenterView } from './centralised/controller.ts';
import { overloadDetector } from './centralised/overload-detector.ts';
import { vmSelector } from './centralised/vm-selector.ts';
import { PolicyNone } from './policy-none.ts';
import type { PolicyEntry, PolicyOptions } from './registry.ts';
import { DEFAULT_BASELINE_OPTIONS } from './registry-baselines.ts';

/** The heuristic's detector parameter from the run's options (THR threshold or safety). */
function parameterOf(h: CloudSimHeuristic, o: PolicyOptions): number {
  const b = o.baselines ?? DEFAULT_BASELINE_OPTIONS;
  switch (h.detector) {
    case 'thr':
      return b.thrUtilization;
    case 'iqr':
      return b.iqrSafety ?? h.parameter;
    case 'mad':
      return b.madSafety ?? h.parameter;
    default:
      return b.lrSafety;
  }
}

/** The controller of heuristic `h` for a datacenter. */
export function cloudSimController(
  h: CloudSimHeuristic,
  view: DatacenterView,
  o: PolicyOptions,
  rng: Rng,
): ControllerCloudSim {
  const b = o.baselines ?? DEFAULT_BASELINE_OPTIONS;
  return new ControllerCloudSim(
    overloadDetector(h.detector, parameterOf(h, o), b.lrFallbackUtilization),
    vmSelector(h.selector, rng),
    o.cloudsim ?? CLOUDSIM_ALLOCATION_QUIRKS,
    view.hostCount,
    view.vmCount,
  );
}

export const CLOUDSIM_ENTRIES: readonly PolicyEntry[] = CLOUDSIM_HEURISTICS.map((h) => ({
  name: h.name,
  description: h.description,
  kind: 'centralised',
  create: () => new PolicyNone(),
  controller: (view, o, rng) => cloudSimController(h, view, o, rng),
}));
