/**
 * GLAP's own learning mode (Khelghatdoust, IEEE CLUSTER 2016; thesis §4.4): the same φout / φin
 * tables and decisions as independent Q-learning, plus two things done over messages
 * (protocols/glap-averaging.ts):
 *  - local training: a PM under ~80 % load asks one neighbour for its VM profiles (each VM's CPU
 *    and RAM demand, and the neighbour's capacity) and simulates consolidation between the two PMs
 *    on its own tables, with the GLAP rewards, without moving anything;
 *  - gossip averaging: it then swaps tables with that neighbour and both keep the element-wise
 *    mean (push-pull averaging conserves the sum, so all tables converge to a shared value).
 * Online learning from real migrations continues as in `qlearning`.
 */
import { z } from 'zod';
import { levelOf, pairOf, LEVEL_COUNT } from '../model/levels.ts';
import type { Rng } from '../core/rng.ts';
import { PolicyQLearning, QLEARNING_OPTIONS, type QLearningOptions } from './policy-q-learning.ts';
import { pairReward } from './rewards.ts';
import type { DecisionInput, GlapLearner, NodePolicy, VmProfile } from './policy.ts';
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

/** One simulated PM of a training episode. */
interface SimPm {
  cap: number;
  ramCap: number;
  cpu: number[];
  ram: number[];
  cpuSum: number;
  ramSum: number;
}

export class PolicyGlap implements NodePolicy, GlapLearner {
  readonly gossips = true;
  readonly q: PolicyQLearning;

  constructor(
    private readonly rng: Rng,
    private readonly qo: QLearningOptions,
    readonly options: GlapOptions,
  ) {
    this.q = new PolicyQLearning(rng.fork('online'), qo);
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
    const a = this.q.phiOut.values;
    const out = new Float32Array(a.length * 2);
    out.set(a, 0);
    out.set(this.q.phiIn.values, a.length);
    return out;
  }

  merge(theirs: Float32Array): void {
    const a = this.q.phiOut.values;
    const b = this.q.phiIn.values;
    if (theirs.length !== a.length + b.length) return; // not a table pair: ignore
    for (let i = 0; i < a.length; i++) a[i] = (a[i]! + theirs[i]!) / 2;
    for (let i = 0; i < b.length; i++) b[i] = (b[i]! + theirs[a.length + i]!) / 2;
  }

  train(self: VmProfile, neighbour: VmProfile): void {
    if (!this.qo.learning) return;
    for (let e = 0; e < this.options.episodes; e++) {
      const a = simPm(self);
      const b = simPm(neighbour);
      // Natural roles on even episodes (the less loaded PM sends), reversed on odd ones, so that
      // both directions of the pair are explored.
      let [sender, recipient] = senderFirst(a, b) ? [a, b] : [b, a];
      if (e % 2 === 1) [sender, recipient] = [recipient, sender];
      this.episode(sender, recipient);
    }
  }

  /** One simulated exchange: offers until the sender is empty, is rejected, or stops shedding. */
  private episode(s: SimPm, r: SimPm): void {
    const o = this.qo;
    const overloadMode = isOver(s);
    while (s.cpu.length > 0) {
      const state = pairOf(s.cpuSum / s.cap, s.ramSum / s.ramCap);
      let idx: number;
      if (this.rng.chance(this.options.trainEpsilon)) idx = this.rng.int(s.cpu.length);
      else {
        idx = 0;
        let best = -Infinity;
        for (let i = 0; i < s.cpu.length; i++) {
          const q = this.q.phiOut.get(state, pairOf(s.cpu[i]! / s.cap, s.ram[i]! / s.ramCap));
          if (q > best) {
            best = q;
            idx = i;
          }
        }
      }
      const c = s.cpu[idx]!;
      const m = s.ram[idx]!;
      if (r.ramSum + m > r.ramCap) return; // RAM is a hard limit, as in the protocol
      const rState = pairOf(r.cpuSum / r.cap, r.ramSum / r.ramCap);
      const rAction = pairOf(c / r.cap, m / r.ramCap);
      const accept =
        this.q.phiIn.get(rState, rAction) >= 0 || this.rng.chance(this.options.trainEpsilonIn);
      if (!accept) return;
      const sAction = pairOf(c / s.cap, m / s.ramCap);
      s.cpu.splice(idx, 1);
      s.ram.splice(idx, 1);
      s.cpuSum -= c;
      s.ramSum -= m;
      if (s.cpu.length === 0) {
        s.cpuSum = 0;
        s.ramSum = 0;
      }
      r.cpu.push(c);
      r.ram.push(m);
      r.cpuSum += c;
      r.ramSum += m;
      const rNext = pairOf(r.cpuSum / r.cap, r.ramSum / r.ramCap);
      if (this.options.trainTables !== 'out')
        this.q.phiIn.update(
          rState,
          rAction,
          pairReward(o.rewards.in, rNext),
          rNext,
          false,
          o.alpha,
          o.gamma,
        );
      const sNext = pairOf(s.cpuSum / s.cap, s.ramSum / s.ramCap);
      const terminal = s.cpu.length === 0;
      this.q.phiOut.update(
        state,
        sAction,
        pairReward(o.rewards.out, sNext),
        sNext,
        terminal,
        o.alpha,
        o.gamma,
      );
      if (overloadMode && !isOver(s)) return;
    }
  }
}

function simPm(p: VmProfile): SimPm {
  const cpu: number[] = [];
  const ram: number[] = [];
  let cpuSum = 0;
  let ramSum = 0;
  for (let i = 0; i + 1 < p.vms.length; i += 2) {
    cpu.push(p.vms[i]!);
    ram.push(p.vms[i + 1]!);
    cpuSum += p.vms[i]!;
    ramSum += p.vms[i + 1]!;
  }
  return { cap: p.cpuCapMips, ramCap: p.ramCapMb, cpu, ram, cpuSum, ramSum };
}

function isOver(p: SimPm): boolean {
  return levelOf(p.cpuSum / p.cap) === LEVEL_COUNT - 1 || p.ramSum > p.ramCap;
}

/** The protocol's role rule: overloaded sends; an empty PM never sends; else the less loaded. */
function senderFirst(a: SimPm, b: SimPm): boolean {
  const ao = isOver(a);
  if (ao !== isOver(b)) return ao;
  if (a.cpu.length === 0) return false;
  if (b.cpu.length === 0) return true;
  return (
    (a.cpuSum / a.cap + a.ramSum / a.ramCap) / 2 <= (b.cpuSum / b.cap + b.ramSum / b.ramCap) / 2
  );
}

export const GLAP_POLICY = definePolicy({
  name: 'glap',
  description:
    "GLAP learning mode: Q-tables trained locally on a neighbour's VMs and gossip-averaged, plus online learning",
  kind: 'gossip',
  sections: [QLEARNING_OPTIONS, GLAP_OPTIONS],
  create: (ctx, o) => new PolicyGlap(ctx.rng, o.qlearning, o.glap),
});
