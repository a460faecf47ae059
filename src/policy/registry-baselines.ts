/**
 * Registry entries of GLAP's learning mode and of the baselines the learned policies are compared
 * against: V-MAN gossip and an offline FFD repack as a reference near the lower bound (CloudSim's
 * centralised heuristics are in registry-cloudsim.ts). Centralised entries run no gossip: their
 * nodes are passive hypervisors, and a controller acts on the whole datacenter once per step.
 */
import { ControllerFfd } from './centralised/controller-ffd.ts';
import { PolicyNone } from './policy-none.ts';
import { PolicyVman } from './policy-vman.ts';
import { DEFAULT_GLAP_OPTIONS, PolicyGlap } from './policy-glap.ts';
import type { PolicyEntry } from './registry.ts';

/** Options of the centralised baselines (config section `baselines`). */
export interface BaselineOptions {
  /** THR: utilisation above which a host is over-utilised (CloudSim: 0.8). */
  thrUtilization: number;
  /** LR, LRR: safety parameter multiplying the prediction (CloudSim: 1.2). */
  lrSafety: number;
  /** IQR, MAD, LR, LRR: static threshold while a host's history is too short (CloudSim: 0.7). */
  lrFallbackUtilization: number;
  /** IQR: safety parameter s of the threshold 1 − s × IQR (absent: CloudSim's 1.5). */
  iqrSafety?: number;
  /** MAD: safety parameter s of the threshold 1 − s × MAD (absent: CloudSim's 2.5). */
  madSafety?: number;
  /** FFD fills a host while its CPU stays strictly below this fraction of capacity. */
  ffdMaxCpu: number;
}

export const DEFAULT_BASELINE_OPTIONS: BaselineOptions = {
  thrUtilization: 0.8,
  lrSafety: 1.2,
  lrFallbackUtilization: 0.7,
  ffdMaxCpu: 1,
};

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
    name: 'ffd',
    description: 'reference: offline first-fit-decreasing repack every step, migrations free',
    kind: 'centralised',
    reference: true,
    create: () => new PolicyNone(),
    controller: (_view, o) =>
      new ControllerFfd({ maxCpu: (o.baselines ?? DEFAULT_BASELINE_OPTIONS).ffdMaxCpu }),
  },
];
