/**
 * The centralised policies the learned ones are compared against, one registry entry each
 * (moved whole from src/policy/registry-baselines.ts): CloudSim's THR-MMT and LR-MMT, and an
 * offline FFD repack as a reference near the lower bound. Their nodes are passive hypervisors
 * (PolicyNone); a controller acts on the whole datacenter once per step. A new centralised
 * heuristic is one more entry in this list.
 */
import { PolicyNone } from '../policy-none.ts';
import { definePolicy } from '../registry.ts';
import { BASELINE_OPTIONS } from './baseline-options.ts';
import { ControllerFfd } from './controller-ffd.ts';
import { controllerMmt } from './controller-mmt.ts';

export const CENTRALISED_POLICIES = [
  definePolicy({
    name: 'thr-mmt',
    description:
      'centralised THR-MMT (Beloglazov & Buyya 2012): static 0.8 threshold, minimum migration time, power-aware BFD',
    kind: 'centralised',
    sections: [BASELINE_OPTIONS],
    create: () => new PolicyNone(),
    controller: (view, o) => controllerMmt('thr', o.baselines, view.hostCount, view.vmCount),
  }),
  definePolicy({
    name: 'lr-mmt',
    description:
      'centralised LR-MMT (Beloglazov & Buyya 2012): local regression × 1.2, minimum migration time, power-aware BFD',
    kind: 'centralised',
    sections: [BASELINE_OPTIONS],
    create: () => new PolicyNone(),
    controller: (view, o) => controllerMmt('lr', o.baselines, view.hostCount, view.vmCount),
  }),
  definePolicy({
    name: 'ffd',
    description: 'reference: offline first-fit-decreasing repack every step, migrations free',
    kind: 'reference',
    sections: [BASELINE_OPTIONS],
    create: () => new PolicyNone(),
    controller: (_view, o) => new ControllerFfd({ maxCpu: o.baselines.ffdMaxCpu }),
  }),
] as const;
