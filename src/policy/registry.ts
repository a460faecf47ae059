/**
 * The policy registry: every policy a run can name with `--policy`. Adding a policy means adding
 * one entry here (see README, "Adding a policy"). `kind` tells how the policy runs: `gossip`
 * policies are per-node agents deciding from their own state and messages; `centralised` ones
 * (the baselines of registry-baselines.ts) are a controller that reads the whole datacenter once
 * per step, while their nodes only host VMs.
 */
import { ConfigError } from '../core/errors.ts';
import { PolicyNone } from './policy-none.ts';
import { PolicyQLearning, type QLearningOptions } from './policy-q-learning.ts';
import type { NodePolicy, PolicyContext } from './policy.ts';
import type { Rng } from '../core/rng.ts';
import { DQN_ENTRY } from './dqn/dqn-entry.ts';
import type { DqnOptions } from './dqn/dqn-options.ts';
import { BASELINE_ENTRIES, type BaselineOptions } from './registry-baselines.ts';
import { CLOUDSIM_ENTRIES } from './registry-cloudsim.ts';
import type { CloudSimAllocationQuirks } from './centralised/controller-cloudsim.ts';
import type { GlapOptions } from './policy-glap.ts';
import type { CentralisedController, DatacenterView } from './centralised/controller.ts';

/** Options of every policy, one section each (the run's resolved config provides them). */
export interface PolicyOptions {
  qlearning: QLearningOptions;
  /** The DQN's own options; it takes its rewards from `qlearning.rewards`. */
  dqn: DqnOptions;
  /** Centralised baselines (THR/LR-MMT, FFD); defaults when absent. */
  baselines?: BaselineOptions;
  /** GLAP learning mode (policy `glap`); defaults when absent. */
  glap?: GlapOptions;
  /** CloudSim's bookkeeping in its heuristics (config `cloudsim`); CloudSim's own when absent. */
  cloudsim?: CloudSimAllocationQuirks;
}

/** What a policy may know about the run as a whole when it prepares (never per-node state). */
export interface PolicyRunContext {
  readonly pms: number;
  /** A random stream for run-wide preparation (e.g. initial weights of a shared network). */
  readonly rng: Rng;
  readonly options: PolicyOptions;
}

export interface PolicyEntry {
  readonly name: string;
  readonly description: string;
  readonly kind: 'gossip' | 'centralised';
  /** A reference, not a deployable policy (e.g. an offline repack); flagged in comparisons. */
  readonly reference?: boolean;
  /**
   * Optional run-wide preparation, awaited once before the nodes are made (e.g. load a backend,
   * build a network shared by all nodes). Its result is handed to every `create` call.
   */
  prepare?(run: PolicyRunContext): Promise<unknown>;
  /** Makes the policy instance of one node. */
  create(ctx: PolicyContext, options: PolicyOptions, prepared: unknown): NodePolicy;
  /** Facts about the run to record in config.json (e.g. which backend ran), from `prepared`. */
  describe?(prepared: unknown): Record<string, unknown>;
  /**
   * `centralised` policies: the controller that decides each step from the datacenter's view,
   * with a random stream of its own (e.g. for random VM selection).
   */
  controller?(view: DatacenterView, options: PolicyOptions, rng: Rng): CentralisedController;
}

const ENTRIES: readonly PolicyEntry[] = [
  {
    name: 'qlearning',
    description: 'GLAP Q-tables φout/φin learnt online by each PM independently',
    kind: 'gossip',
    create: (ctx, o) => new PolicyQLearning(ctx.rng, o.qlearning),
  },
  {
    name: 'none',
    description: 'initial placement only: no gossip, no migrations',
    kind: 'gossip',
    create: () => new PolicyNone(),
  },
  DQN_ENTRY,
  ...BASELINE_ENTRIES,
  ...CLOUDSIM_ENTRIES,
];

export const POLICY_NAMES: readonly string[] = ENTRIES.map((e) => e.name);

export function policyEntry(name: string): PolicyEntry {
  const e = ENTRIES.find((x) => x.name === name);
  if (!e) throw new ConfigError(`unknown policy '${name}'; available: ${POLICY_NAMES.join(', ')}`);
  return e;
}
