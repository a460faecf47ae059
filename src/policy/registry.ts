/**
 * The policy registry: every policy a run can name with `--policy`. Adding a policy means adding
 * one entry here (see README, "Adding a policy"). `kind` tells how the policy runs: `gossip`
 * policies are per-node agents deciding from their own state and messages.
 */
import { ConfigError } from '../core/errors.ts';
import { PolicyNone } from './policy-none.ts';
import { PolicyQLearning, type QLearningOptions } from './policy-q-learning.ts';
import type { NodePolicy, PolicyContext } from './policy.ts';

/** Options of every policy, one section each (the run's resolved config provides them). */
export interface PolicyOptions {
  qlearning: QLearningOptions;
}

export interface PolicyEntry {
  readonly name: string;
  readonly description: string;
  readonly kind: 'gossip';
  /** Makes the policy instance of one node. */
  create(ctx: PolicyContext, options: PolicyOptions): NodePolicy;
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
];

export const POLICY_NAMES: readonly string[] = ENTRIES.map((e) => e.name);

export function policyEntry(name: string): PolicyEntry {
  const e = ENTRIES.find((x) => x.name === name);
  if (!e) throw new ConfigError(`unknown policy '${name}'; available: ${POLICY_NAMES.join(', ')}`);
  return e;
}
