/**
 * Registry entries of GLAP's learning mode and of the baselines the learned policies are compared
 * against: V-MAN gossip, CloudSim's centralised THR-MMT and LR-MMT, and an offline FFD repack as a
 * reference near the lower bound. Centralised entries run no gossip: their nodes are passive
 * hypervisors, and a controller acts on the whole datacenter once per step.
 */
import {
  controllerMmt,
  DEFAULT_MMT_OPTIONS,
  type MmtOptions,
} from './centralised/controller-mmt.ts';
import { ControllerFfd } from './centralised/controller-ffd.ts';
import { PolicyNone } from './policy-none.ts';
import { PolicyVman } from './policy-vman.ts';
import { DEFAULT_GLAP_OPTIONS, PolicyGlap } from './policy-glap.ts';
import type { PolicyEntry } from './registry.ts';

/** Options of the centralised baselines (config section `baselines`). */
export interface BaselineOptions extends MmtOptions {
  /** FFD fills a host while its CPU stays strictly below this fraction of capacity. */
  ffdMaxCpu: number;
}

export const DEFAULT_BASELINE_OPTIONS: BaselineOptions = { ...DEFAULT_MMT_OPTIONS, ffdMaxCpu: 1 };

export const BASELINE_ENTRIES: readonly PolicyEntry[] = [
  {
    name: 'glap',
    description:
      "GLAP learning mode: Q-tables trained locally on a neighbour's VMs and gossip-averaged, plus online learning",
    kind: 'gossip',
    create: (ctx, o) => new PolicyGlap(ctx.rng, o.qlearning, o.glap ?? DEFAULT_GLAP_OPTIONS),
  },
  {
    name: 'vman',
    description:
      'V-MAN gossip (Marzolla et al. 2011): the less loaded PM pushes every VM that fits',
    kind: 'gossip',
    create: () => new PolicyVman(),
  },
  {
    name: 'thr-mmt',
    description:
      'centralised THR-MMT (Beloglazov & Buyya 2012): static 0.8 threshold, minimum migration time, power-aware BFD',
    kind: 'centralised',
    create: () => new PolicyNone(),
    controller: (view, o) =>
      controllerMmt('thr', o.baselines ?? DEFAULT_BASELINE_OPTIONS, view.hostCount, view.vmCount),
  },
  {
    name: 'lr-mmt',
    description:
      'centralised LR-MMT (Beloglazov & Buyya 2012): local regression × 1.2, minimum migration time, power-aware BFD',
    kind: 'centralised',
    create: () => new PolicyNone(),
    controller: (view, o) =>
      controllerMmt('lr', o.baselines ?? DEFAULT_BASELINE_OPTIONS, view.hostCount, view.vmCount),
  },
  {
    name: 'ffd',
    description: 'reference: offline first-fit-decreasing repack every step, migrations free',
    kind: 'centralised',
    reference: true,
    create: () => new PolicyNone(),
    controller: (_view, o) =>
      new ControllerFfd({ maxCpu: (o.baselines ?? DEFAULT_BASELINE_OPTIONS).ffdMaxCpu }),
  },
];
