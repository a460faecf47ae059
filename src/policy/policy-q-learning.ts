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
  /**
   * When φin learns from an accepted VM: `commit` (default), from the recipient's state right
   * after the VM arrives; `next-step`, from its state when the next step's demand has arrived
   * (`observe`), so that accepting into a host that the next demand overloads is punished.
   */
  inRewardAt?: 'commit' | 'next-step';
  /**
   * πout may send nothing: a PM that is not overloaded keeps its VMs when φout is negative for
   * every one of them (migrating would not pay). Default false: it always offers its best VM.
   */
  holdWhenNegative?: boolean;
}

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

  learnOut(state: number, action: number, nextState: number, terminal: boolean): number {
    const r = pairReward(this.o.rewards.out, nextState);
    if (this.o.learning)
      this.phiOut.update(state, action, r, nextState, terminal, this.o.alpha, this.o.gamma);
    return r;
  }

  learnIn(state: number, action: number, nextState: number): number {
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
