/**
 * GLAP's two decisions (Khelghatdoust 2018, §4.4) made by a deep Q-network on continuous features
 * instead of the 81 × 81 Q-tables: πout sends argmax over the PM's VMs of Q_out(features) (a random
 * VM with probability ε while learning), and πin accepts iff Q_in(features) ≥ 0 (RAM fit is the
 * protocol's check). Rewards are the Q-table policy's (`pairReward` on the state reached).
 *
 * NodePolicy's learn calls carry level-pair indices only, so the policy remembers the continuous
 * features of its own pending decisions: the last πout choice (the protocol has at most one
 * outgoing offer per node, and a learnOut follows its chooseVm or never comes), and a short FIFO
 * of accepted offers keyed by (state pair, action pair), since several reservations can be open
 * at once. Two open reservations with the same key may be matched in the wrong order; their
 * features then differ only within one level pair. Entries whose reservation expired are evicted
 * oldest-first once the FIFO is full.
 */
import type { Rng } from '../../core/rng.ts';
import { PAIR_COUNT } from '../../model/levels.ts';
import type { DecisionInput, NodePolicy } from '../policy.ts';
import { pairReward, type RewardTables } from '../rewards.ts';
import type { DqnAgent } from './dqn-agent.ts';
import { FEATURE_COUNT, HEADS, IN_BOOTSTRAP_OFFERS, Role, writeFeatures } from './features.ts';

/** Q-values come back row-major, one per head per row. */
const H = HEADS.length;

/** Accepted offers whose learnIn is awaited; more than a PM ever has open in one round. */
const PENDING_IN_MAX = 16;

interface Pending {
  /** state × 81 + action, as the learn call will name it. */
  key: number;
  x: Float32Array;
  next: Float32Array;
  nextRows: number;
}

export class PolicyDqn implements NodePolicy {
  readonly gossips = true;
  private feats = new Float32Array(8 * FEATURE_COUNT);
  private pendingOut: Pending | null = null;
  private readonly pendingIn: Pending[] = [];

  /** `agent` may be shared by many PMs; `rng` is this PM's own stream (exploration draws). */
  constructor(
    readonly agent: DqnAgent,
    private readonly rng: Rng,
    private readonly rewards: RewardTables,
  ) {}

  chooseVm(
    self: DecisionInput,
    actions: Int32Array,
    cpuFrac: Float64Array,
    ramFrac: Float64Array,
    count: number,
  ): number {
    if (count <= 0) return -1;
    const f = FEATURE_COUNT;
    if (this.feats.length < count * f) this.feats = new Float32Array(2 * count * f);
    const x = this.feats;
    for (let i = 0; i < count; i++) {
      writeFeatures(x, i * f, Role.Out, self.cpuUtil, self.ramUtil, cpuFrac[i]!, ramFrac[i]!);
    }
    const agent = this.agent;
    let best: number;
    if (agent.learning && this.rng.chance(agent.epsilonOut())) {
      best = this.rng.int(count);
    } else {
      const q = agent.q(x, count);
      best = 0;
      for (let i = 1; i < count; i++) if (q[i * H + Role.Out]! > q[best * H + Role.Out]!) best = i;
    }
    if (agent.learning) {
      // After the move the PM is at s′ = s − a; its next choices are the VMs it keeps.
      const cpu = self.cpuUtil - cpuFrac[best]!;
      const ram = self.ramUtil - ramFrac[best]!;
      const next = new Float32Array((count - 1) * f);
      for (let i = 0, r = 0; i < count; i++) {
        if (i !== best) writeFeatures(next, f * r++, Role.Out, cpu, ram, cpuFrac[i]!, ramFrac[i]!);
      }
      this.pendingOut = {
        key: self.state * PAIR_COUNT + actions[best]!,
        x: x.slice(best * f, best * f + f),
        next,
        nextRows: count - 1,
      };
    }
    agent.onDecision();
    return best;
  }

  accept(self: DecisionInput, action: number, cpuFrac: number, ramFrac: number): boolean {
    const x = new Float32Array(FEATURE_COUNT);
    writeFeatures(x, 0, Role.In, self.cpuUtil, self.ramUtil, cpuFrac, ramFrac);
    const agent = this.agent;
    let ok = agent.q(x, 1)[Role.In]! >= 0;
    if (!ok && agent.learning) ok = this.rng.chance(agent.epsilonIn());
    if (ok && agent.learning) {
      if (this.pendingIn.length >= PENDING_IN_MAX) this.pendingIn.shift();
      this.pendingIn.push({
        key: self.state * PAIR_COUNT + action,
        x,
        ...inBootstrap(self, cpuFrac, ramFrac),
      });
    }
    agent.onDecision();
    return ok;
  }

  learnOut(state: number, action: number, nextState: number, terminal: boolean): number {
    const r = pairReward(this.rewards.out, nextState);
    const p = this.pendingOut;
    this.pendingOut = null;
    if (p !== null && p.key === state * PAIR_COUNT + action) {
      this.agent.remember({
        x: p.x,
        role: Role.Out,
        reward: r,
        terminal,
        next: p.next,
        nextRows: p.nextRows,
      });
    }
    return r;
  }

  learnIn(state: number, action: number, nextState: number): number {
    const r = pairReward(this.rewards.in, nextState);
    const key = state * PAIR_COUNT + action;
    const i = this.pendingIn.findIndex((p) => p.key === key);
    if (i >= 0) {
      const p = this.pendingIn.splice(i, 1)[0]!;
      this.agent.remember({
        x: p.x,
        role: Role.In,
        reward: r,
        terminal: false,
        next: p.next,
        nextRows: p.nextRows,
      });
    }
    return r;
  }

  /** Q-values (reward units) of πout for each candidate VM: for inspection and tests. */
  qOut(self: DecisionInput, cpuFrac: ArrayLike<number>, ramFrac: ArrayLike<number>): number[] {
    const n = cpuFrac.length;
    const x = new Float32Array(n * FEATURE_COUNT);
    for (let i = 0; i < n; i++) {
      writeFeatures(
        x,
        i * FEATURE_COUNT,
        Role.Out,
        self.cpuUtil,
        self.ramUtil,
        cpuFrac[i]!,
        ramFrac[i]!,
      );
    }
    const q = this.agent.q(x, n);
    return Array.from({ length: n }, (_, i) => q[i * H + Role.Out]! / this.agent.hp.rewardScale);
  }

  /** Q-value (reward units) of πin for one offer: accepted iff ≥ 0. */
  qIn(self: DecisionInput, cpuFrac: number, ramFrac: number): number {
    const x = new Float32Array(FEATURE_COUNT);
    writeFeatures(x, 0, Role.In, self.cpuUtil, self.ramUtil, cpuFrac, ramFrac);
    return this.agent.q(x, 1)[Role.In]! / this.agent.hp.rewardScale;
  }
}

/** The recipient's next-state rows: s′ = s + a, and the bootstrap offers that still fit its RAM. */
function inBootstrap(
  self: DecisionInput,
  cpuFrac: number,
  ramFrac: number,
): { next: Float32Array; nextRows: number } {
  const cpu = self.cpuUtil + cpuFrac;
  const ram = self.ramUtil + ramFrac;
  const f = FEATURE_COUNT;
  const next = new Float32Array(IN_BOOTSTRAP_OFFERS.length * f);
  let rows = 0;
  for (const [c, r] of IN_BOOTSTRAP_OFFERS) {
    if (ram + r <= 1) writeFeatures(next, f * rows++, Role.In, cpu, ram, c, r);
  }
  return { next, nextRows: rows };
}
