/**
 * GLAP's two decisions (Khelghatdoust 2018, §4.4) made by a deep Q-network on continuous features
 * instead of the 81 × 81 Q-tables: πout sends argmax over the PM's VMs of Q_out(features) (a random
 * VM with probability ε while learning), and πin accepts iff Q_in(features) ≥ 0 (RAM fit is the
 * protocol's check). Rewards are the Q-table policy's (`pairReward` on the state reached).
 *
 * A reward names its decision's token (NodePolicy), so the policy keeps the continuous features
 * of each pending decision under its token: the last πout choice (a node has at most one offer
 * out), and every accepted offer until its reward or its `forget` (reservation expired) arrives.
 * Each transition is thus remembered with exactly the features it was decided on.
 */
import type { Rng } from '../../core/rng.ts';
import type { DecisionInput, NodePolicy } from '../policy.ts';
import { pairReward, type RewardTables } from '../rewards.ts';
import type { DqnAgent } from './dqn-agent.ts';
import { FEATURE_COUNT, HEADS, IN_BOOTSTRAP_OFFERS, Role, writeFeatures } from './features.ts';

/** Q-values come back row-major, one per head per row. */
const H = HEADS.length;

interface Pending {
  /** The decision's token. */
  token: number;
  x: Float32Array;
  next: Float32Array;
  nextRows: number;
}

export class PolicyDqn implements NodePolicy {
  readonly gossips = true;
  private feats = new Float32Array(8 * FEATURE_COUNT);
  private pendingOut: Pending | null = null;
  /** Accepted offers awaiting their reward, by token. */
  private readonly pendingIn = new Map<number, Pending>();

  /** `agent` may be shared by many PMs; `rng` is this PM's own stream (exploration draws). */
  constructor(
    readonly agent: DqnAgent,
    private readonly rng: Rng,
    private readonly rewards: RewardTables,
  ) {}

  chooseVm(
    self: DecisionInput,
    _actions: Int32Array,
    cpuFrac: Float64Array,
    ramFrac: Float64Array,
    count: number,
    token: number,
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
        token,
        x: x.slice(best * f, best * f + f),
        next,
        nextRows: count - 1,
      };
    }
    agent.onDecision();
    return best;
  }

  accept(
    self: DecisionInput,
    _action: number,
    cpuFrac: number,
    ramFrac: number,
    token: number,
  ): boolean {
    const x = new Float32Array(FEATURE_COUNT);
    writeFeatures(x, 0, Role.In, self.cpuUtil, self.ramUtil, cpuFrac, ramFrac);
    const agent = this.agent;
    let ok = agent.q(x, 1)[Role.In]! >= 0;
    if (!ok && agent.learning) ok = this.rng.chance(agent.epsilonIn());
    if (ok && agent.learning) {
      this.pendingIn.set(token, { token, x, ...inBootstrap(self, cpuFrac, ramFrac) });
    }
    agent.onDecision();
    return ok;
  }

  learnOut(
    token: number,
    _state: number,
    _action: number,
    nextState: number,
    terminal: boolean,
  ): number {
    const r = pairReward(this.rewards.out, nextState);
    const p = this.pendingOut;
    this.pendingOut = null;
    if (p !== null && p.token === token) {
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

  learnIn(token: number, _state: number, _action: number, nextState: number): number {
    const r = pairReward(this.rewards.in, nextState);
    const p = this.pendingIn.get(token);
    if (p !== undefined) {
      this.pendingIn.delete(token);
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

  forget(token: number): void {
    if (this.pendingOut?.token === token) this.pendingOut = null;
    this.pendingIn.delete(token);
  }

  /** Decisions awaiting their reward (for tests: nothing may leak). */
  get pending(): number {
    return this.pendingIn.size + (this.pendingOut === null ? 0 : 1);
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
