/**
 * GLAP's own learning mode (Khelghatdoust, IEEE CLUSTER 2016; thesis §4.4): the same φout / φin
 * tables and decisions as independent Q-learning, plus two things done over messages
 * (protocols/glap-averaging.ts):
 *  - local training: a PM under ~80 % load asks one neighbour for its VM profiles (each VM's CPU
 *    and RAM demand, and the neighbour's capacity) and runs the consolidation protocol between
 *    two simulated PMs made from them (protocols/glap-training.ts), deciding and learning on its
 *    own tables with the GLAP rewards, without moving anything;
 *  - gossip averaging: it then swaps tables with that neighbour and both keep the element-wise
 *    mean (push-pull averaging conserves the sum, so all tables converge to a shared value).
 * Online learning from real migrations continues as in `qlearning`.
 */
import { z } from 'zod';
import type { Rng } from '../core/rng.ts';
import { PolicyQLearning, QLEARNING_OPTIONS, type QLearningOptions } from './policy-q-learning.ts';
import { PAIR_COUNT } from '../model/levels.ts';
import { MAX_ROW_LENGTH } from './q-table.ts';
import { pairReward } from './rewards.ts';
import type { DecisionInput, GlapLearner, NodePolicy } from './policy.ts';
import { definePolicy, optionsSection } from './registry.ts';

const unit = z.number().min(0).max(1);

/**
 * Options of GLAP's learning mode (config section `glap`). Defaults are the tuned ones (README,
 * "Configuration"): train and average every 8 rounds (once a step); local training updates φout
 * only.
 */
export const GLAP_OPTIONS = optionsSection(
  'glap',
  z
    .object({
      /** Rounds between a PM's training-and-averaging exchanges (staggered by node id). ≥ 1. */
      periodRounds: z.number().int().min(1).max(1_000_000).default(8),
      /** A PM starts an exchange only while its CPU load (0..1) is below this (thesis: ~0.8). */
      trainBelowLoad: unit.default(0.8),
      /** Simulated consolidation episodes per exchange. */
      episodes: z.number().int().min(0).max(10_000).default(4),
      /** Probability of a random VM choice (πout) during local training. */
      trainEpsilon: unit.default(0.1),
      /** Probability of accepting an offer φin rejects during local training. */
      trainEpsilonIn: unit.default(0.05),
      /**
       * Tables local training updates: `both` (the thesis), or `out` only, leaving φin to what
       * real migrations teach (a simulated episode cannot know whether the next demand overloads
       * the recipient, which is what `qlearning.inRewardAt: next-step` learns).
       */
      trainTables: z.enum(['both', 'out']).default('out'),
    })
    .strict()
    .prefault({}),
);

export type GlapOptions = z.output<typeof GLAP_OPTIONS.schema>;

export class PolicyGlap implements NodePolicy, GlapLearner {
  readonly gossips = true;
  readonly q: PolicyQLearning;
  readonly trainer: NodePolicy | null;

  constructor(
    rng: Rng,
    qo: QLearningOptions,
    readonly options: GlapOptions,
  ) {
    this.q = new PolicyQLearning(rng.fork('online'), qo);
    this.trainer = qo.learning ? trainingPolicy(rng, qo, options, this.q) : null;
  }

  get glap(): GlapLearner {
    return this;
  }

  chooseVm(
    self: DecisionInput,
    actions: Int32Array,
    cpuFrac: Float64Array,
    ramFrac: Float64Array,
    count: number,
  ): number {
    return this.q.chooseVm(self, actions, cpuFrac, ramFrac, count);
  }

  accept(self: DecisionInput, action: number): boolean {
    return this.q.accept(self, action);
  }

  learnOut(
    token: number,
    state: number,
    action: number,
    nextState: number,
    terminal: boolean,
  ): number {
    return this.q.learnOut(token, state, action, nextState, terminal);
  }

  learnIn(token: number, state: number, action: number, nextState: number): number {
    return this.q.learnIn(token, state, action, nextState);
  }

  tables(): Readonly<Record<string, Float32Array>> {
    return this.q.tables();
  }

  observe(self: DecisionInput): void {
    this.q.observe(self);
  }

  exportTables(): Float32Array {
    const { phiOut, phiIn } = this.q;
    // Room for every allocated row in full; rows take only their entries not +0, so the end
    // usually goes unused (the next export starts where this one stopped).
    const room = (phiOut.allocatedRows() + phiIn.allocatedRows()) * MAX_ROW_LENGTH;
    if (slab.at + room > slab.values.length)
      slab = { values: new Float32Array(Math.max(SLAB_LENGTH, room)), at: 0 };
    const start = slab.at;
    slab.at = phiIn.writeRows(slab.values, phiOut.writeRows(slab.values, start, 0), PAIR_COUNT);
    return slab.values.subarray(start, slab.at);
  }

  merge(theirs: Float32Array): void {
    this.q.phiOut.averageWithRows(theirs, 0);
    this.q.phiIn.averageWithRows(theirs, PAIR_COUNT);
  }
}

/**
 * Exported tables are views into a shared slab, each of a part never written again: a
 * Float32Array of its own costs more to allocate than the rows take to write. A slab lives while
 * any message holding one of its views does.
 */
const SLAB_LENGTH = 1 << 16;
let slab = { values: new Float32Array(SLAB_LENGTH), at: 0 };

/**
 * The policy local training's simulated PMs decide and learn with: this PM's own tables, with the
 * training exploration (trainEpsilon, trainEpsilonIn) and φin's reward at commit (a simulated
 * episode has no next step); φin is left alone when `trainTables` is `out`. Its draws come from
 * the policy's root stream, the online policy's from a fork.
 */
function trainingPolicy(
  rng: Rng,
  qo: QLearningOptions,
  o: GlapOptions,
  online: PolicyQLearning,
): NodePolicy {
  const q = new PolicyQLearning(
    rng,
    { ...qo, epsilon: o.trainEpsilon, epsilonIn: o.trainEpsilonIn, inRewardAt: 'commit' },
    { phiOut: online.phiOut, phiIn: online.phiIn },
  );
  if (o.trainTables === 'both') return q;
  return {
    gossips: true,
    chooseVm: (self, actions, cpu, ram, count) => q.chooseVm(self, actions, cpu, ram, count),
    accept: (self, action) => q.accept(self, action),
    learnOut: (token, state, action, next, terminal) =>
      q.learnOut(token, state, action, next, terminal),
    learnIn: (_token, _state, _action, next) => pairReward(qo.rewards.in, next),
  };
}

export const GLAP_POLICY = definePolicy({
  name: 'glap',
  description:
    "GLAP learning mode: Q-tables trained locally on a neighbour's VMs and gossip-averaged, plus online learning",
  kind: 'gossip',
  sections: [QLEARNING_OPTIONS, GLAP_OPTIONS],
  create: (ctx, o) => new PolicyGlap(ctx.rng, o.qlearning, o.glap),
});
