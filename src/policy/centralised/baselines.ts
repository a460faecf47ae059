/**
 * The centralised policies the learned ones are compared against, one registry entry each: an
 * offline FFD repack as a reference near the lower bound, then every heuristic of CloudSim 3.0.3's
 * power benchmark (Beloglazov & Buyya 2012): each overload detector (THR, IQR, MAD, LR, LRR)
 * with each VM selection (MMT, MC, MU, RS), as `--policy <detector>-<selector>` (e.g. lr-mmt).
 * Their nodes are passive hypervisors (PolicyNone); a controller acts on the whole datacenter
 * once per step. Parameters come from config `baselines` (CloudSim's runners' values by default),
 * CloudSim's bookkeeping quirks from the run-level config `cloudsim` (CloudSim's own when absent).
 */
import type { Rng } from '../../core/rng.ts';
import { PolicyNone } from '../policy-none.ts';
import { definePolicy, type PolicyOptions } from '../registry.ts';
import { BASELINE_OPTIONS, type BaselineOptions } from './baseline-options.ts';
import { CLOUDSIM_HEURISTICS, type CloudSimHeuristic } from './cloudsim-heuristics.ts';
import {
  CLOUDSIM_ALLOCATION_QUIRKS,
  ControllerCloudSim,
  type CloudSimAllocationQuirks,
} from './controller-cloudsim.ts';
import type { DatacenterView } from './controller.ts';
import { ControllerFfd } from './controller-ffd.ts';
import { overloadDetector } from './overload-detector.ts';
import { vmSelector } from './vm-selector.ts';

/** The heuristic's detector parameter from the run's options (THR threshold or safety). */
function parameterOf(h: CloudSimHeuristic, b: BaselineOptions): number {
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
  baselines: BaselineOptions,
  options: PolicyOptions,
  rng: Rng,
): ControllerCloudSim {
  // The run-level `cloudsim` section carries the datacenter's behaviours too; the controller
  // reads only its allocation quirks.
  const quirks =
    (options.cloudsim as CloudSimAllocationQuirks | undefined) ?? CLOUDSIM_ALLOCATION_QUIRKS;
  return new ControllerCloudSim(
    overloadDetector(h.detector, parameterOf(h, baselines), baselines.lrFallbackUtilization),
    vmSelector(h.selector, rng),
    quirks,
    view.hostCount,
    view.vmCount,
  );
}

export const FFD_POLICY = definePolicy({
  name: 'ffd',
  description: 'reference: offline first-fit-decreasing repack every step, migrations free',
  kind: 'reference',
  sections: [BASELINE_OPTIONS],
  create: () => new PolicyNone(),
  controller: (_view, o) => new ControllerFfd({ maxCpu: o.baselines.ffdMaxCpu }),
});

export const CLOUDSIM_POLICIES = CLOUDSIM_HEURISTICS.map((h) =>
  definePolicy({
    name: h.name,
    description: h.description,
    kind: 'centralised',
    sections: [BASELINE_OPTIONS],
    create: () => new PolicyNone(),
    controller: (view, o, rng) => cloudSimController(h, view, o.baselines, o, rng),
  }),
);

export const CENTRALISED_POLICIES = [FFD_POLICY, ...CLOUDSIM_POLICIES] as const;
