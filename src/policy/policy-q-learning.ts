/**
 * GLAP's tabular policy (Khelghatdoust 2018, §4.4): φout picks the VM to send by
 * argmax_a φout(s, a) over the VMs held (ε-greedy while learning); φin accepts an offered VM iff
 * φin(s, a) ≥ 0. Both tables learn online by Q-learning from the GLAP rewards.
 */
import { z } from 'zod';
import type { Rng } from '../core/rng.ts';
import { QTABLE_MODES, QTable } from './q-table.ts';
import { DEFAULT_REWARDS, pairReward } from './rewards.ts';
import type { DecisionInput, NodePolicy } from './policy.ts';
import { definePolicy, optionsSection } from './registry.ts';

const unit = z.number().min(0).max(1);

/**
 * Options of the Q-table policies (config section `qlearning`; GLAP and the DQN read its rewards
 * too). Defaults are the tuned ones (README, "Configuration"): φin learns from the next step's
 * state, with an Overload penalty (−160) that makes a ~5 % risk of overloading not worth a VM;
 * φout holds VMs unless sending leaves the PM Low or Medium; α = 0.1 averages the noisy next-step
 * outcomes. The thesis's reward shapes still hold (rewards.ts checks them).
 */
export const QLEARNING_OPTIONS = optionsSection(
  'qlearning',
  z
    .object({
      /** Learning rate α, (0..1]. */
      alpha: z.number().gt(0).max(1).default(0.1),
      /** Discount factor γ, [0..1). */
      gamma: z.number().min(0).lt(1).default(0.5),
      /** Probability (0..1) that πout picks a random VM instead of the greedy one. */
      epsilon: unit.default(0.05),
      /** Probability (0..1) that πin accepts an offer φin would reject (RAM permitting). */
      epsilonIn: unit.default(0),
      /** When false the tables are frozen (evaluation). */
      learning: z.boolean().default(true),
      rewards: z
        .object({
          out: z.array(z.number()).default(() => [...DEFAULT_REWARDS.out]),
          in: z.array(z.number()).default(() => [...DEFAULT_REWARDS.in]),
        })
        .strict()
        .prefault({}),
      /**
       * When φin learns from an accepted VM: `commit`, from the recipient's state right after the
       * VM arrives; `next-step`, from its state when the next step's demand has arrived
       * (`observe`), so that accepting into a host that the next demand overloads is punished.
       */
      inRewardAt: z.enum(['commit', 'next-step']).default('next-step'),
      /**
       * πout may send nothing: a PM that is not overloaded keeps its VMs when φout is negative
       * for every one of them (migrating would not pay).
       */
      holdWhenNegative: z.boolean().default(true),
      /**
       * Storage of φout and φin (`--qtables`): `sparse` allocates a table's rows when first
       * written (~1–3 KB per PM instead of 52 KB), `dense` the whole 81 × 81. Same values and
       * decisions either way (src/policy/q-table.ts).
       */
      tables: z.enum(QTABLE_MODES).default('sparse'),
    })
    .strict()
    .prefault({}),
);

export type QLearningOptions = z.output<typeof QLEARNING_OPTIONS.schema>;

export class PolicyQLearning implements NodePolicy {
  readonly gossips = true;
  readonly phiOut: QTable;
  readonly phiIn: QTable;
  /** (state, action) pairs of VMs accepted since the last observation (next-step mode). */
  private readonly pendingIn: number[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly o: QLearningOptions,
    tables?: { phiOut: QTable; phiIn: QTable },
  ) {
    this.phiOut = tables?.phiOut ?? new QTable(o.tables);
    this.phiIn = tables?.phiIn ?? new QTable(o.tables);
  }

  chooseVm(
    self: DecisionInput,
    actions: Int32Array,
    _c: Float64Array,
    _r: Float64Array,
    count: number,
  ): number {
    if (count === 0) return -1;
    if (this.o.learning && this.rng.chance(this.o.epsilon)) return this.rng.int(count);
    let best = 0;
    let bestQ = this.phiOut.get(self.state, actions[0]!);
    for (let i = 1; i < count; i++) {
      const q = this.phiOut.get(self.state, actions[i]!);
      if (q > bestQ) {
        bestQ = q;
        best = i;
      }
    }
    if (this.o.holdWhenNegative && bestQ < 0 && self.cpuUtil < 1 && self.ramUtil <= 1) return -1;
    return best;
  }

  accept(self: DecisionInput, action: number): boolean {
    if (this.phiIn.get(self.state, action) >= 0) return true;
    return this.o.learning && this.rng.chance(this.o.epsilonIn);
  }

  tables(): Readonly<Record<string, Float32Array>> {
    return { phiOut: this.phiOut.values, phiIn: this.phiIn.values };
  }

  /** Q-tables credit a decision by its (state, action) pair, which the reward carries. */
  learnOut(
    _token: number,
    state: number,
    action: number,
    nextState: number,
    terminal: boolean,
  ): number {
    const r = pairReward(this.o.rewards.out, nextState);
    if (this.o.learning)
      this.phiOut.update(state, action, r, nextState, terminal, this.o.alpha, this.o.gamma);
    return r;
  }

  learnIn(_token: number, state: number, action: number, nextState: number): number {
    const r = pairReward(this.o.rewards.in, nextState);
    if (!this.o.learning) return r;
    if (this.o.inRewardAt === 'next-step') this.pendingIn.push(state, action);
    else this.phiIn.update(state, action, r, nextState, false, this.o.alpha, this.o.gamma);
    return r;
  }

  /** Start of a step, new demand read: the deferred φin updates of next-step mode. */
  observe(self: DecisionInput): void {
    const p = this.pendingIn;
    if (p.length === 0) return;
    const r = pairReward(this.o.rewards.in, self.state);
    for (let i = 0; i < p.length; i += 2)
      this.phiIn.update(p[i]!, p[i + 1]!, r, self.state, false, this.o.alpha, this.o.gamma);
    p.length = 0;
  }
}

export const QLEARNING_POLICY = definePolicy({
  name: 'qlearning',
  description: 'GLAP Q-tables φout/φin learnt online by each PM independently',
  kind: 'gossip',
  sections: [QLEARNING_OPTIONS],
  create: (ctx, o) => new PolicyQLearning(ctx.rng, o.qlearning),
});
