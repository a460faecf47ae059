/**
 * GLAP's tabular policy (Khelghatdoust 2018, §4.4): φout picks the VM to send by
 * argmax_a φout(s, a) over the VMs held (ε-greedy while learning); φin accepts an offered VM iff
 * φin(s, a) ≥ 0. Both tables learn online by Q-learning from the GLAP rewards.
 */
import type { Rng } from '../core/rng.ts';
import { QTable } from './q-table.ts';
import { pairReward, type RewardTables } from './rewards.ts';
import type { DecisionInput, NodePolicy } from './policy.ts';

export interface QLearningOptions {
  /** Learning rate α, (0..1]. */
  alpha: number;
  /** Discount factor γ, [0..1). */
  gamma: number;
  /** Probability (0..1) that πout picks a random VM instead of the greedy one. */
  epsilon: number;
  /** Probability (0..1) that πin accepts an offer φin would reject (RAM permitting), to keep learning. */
  epsilonIn: number;
  rewards: RewardTables;
  /** When false the tables are frozen (evaluation). */
  learning: boolean;
}

export class PolicyQLearning implements NodePolicy {
  readonly gossips = true;
  readonly phiOut: QTable;
  readonly phiIn: QTable;

  constructor(
    private readonly rng: Rng,
    private readonly o: QLearningOptions,
    tables?: { phiOut: QTable; phiIn: QTable },
  ) {
    this.phiOut = tables?.phiOut ?? new QTable();
    this.phiIn = tables?.phiIn ?? new QTable();
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
    return best;
  }

  accept(self: DecisionInput, action: number): boolean {
    if (this.phiIn.get(self.state, action) >= 0) return true;
    return this.o.learning && this.rng.chance(this.o.epsilonIn);
  }

  tables(): Readonly<Record<string, Float32Array>> {
    return { phiOut: this.phiOut.values, phiIn: this.phiIn.values };
  }

  learnOut(state: number, action: number, nextState: number, terminal: boolean): number {
    const r = pairReward(this.o.rewards.out, nextState);
    if (this.o.learning)
      this.phiOut.update(state, action, r, nextState, terminal, this.o.alpha, this.o.gamma);
    return r;
  }

  learnIn(state: number, action: number, nextState: number): number {
    const r = pairReward(this.o.rewards.in, nextState);
    if (this.o.learning)
      this.phiIn.update(state, action, r, nextState, false, this.o.alpha, this.o.gamma);
    return r;
  }
}
