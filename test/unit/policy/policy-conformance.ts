/**
 * The NodePolicy conformance suite: every policy (Q-tables, DQN, …) must pass it. It checks the
 * protocol contract of `protocols/consolidation.ts` — chooseVm returns −1 or the index of an
 * offered VM (never one beyond `count`, whatever the buffers hold there), accept returns a
 * boolean, learnOut/learnIn return the GLAP reward of the state reached — and that the policy's
 * value estimates stay finite through contract-legal sessions of decisions and learning, in
 * which every decision token is either rewarded or forgotten (and a policy that keeps something
 * per decision is left holding nothing), plus learn calls naming a token it never issued.
 */
import { expect, it } from 'vitest';
import fc from 'fast-check';
import type { DecisionInput, NodePolicy } from '../../../src/policy/policy.ts';
import { pairReward, type RewardTables } from '../../../src/policy/rewards.ts';
import { pairOf } from '../../../src/model/levels.ts';

export interface ConformanceSubject {
  /** A fresh, learning policy (the previous one may be released). */
  make(): NodePolicy;
  rewards: RewardTables;
  /** The policy's value estimates for a decision (e.g. Q-values of each candidate). */
  values(p: NodePolicy, self: DecisionInput, cpuFrac: number[], ramFrac: number[]): number[];
  /** fast-check runs per property (slow policies use fewer). */
  numRuns: number;
  /** Decisions the policy still keeps something for, if it keeps any (must end at 0). */
  pending?(p: NodePolicy): number;
}

const util = (max: number) => fc.double({ min: 0, max, noNaN: true, noDefaultInfinity: true });
const frac = fc.double({ min: 0.01, max: 0.7, noNaN: true, noDefaultInfinity: true });

const selfArb = fc
  .record({ cpuUtil: util(1.6), ramUtil: util(1) })
  .map((s): DecisionInput => ({ ...s, state: pairOf(s.cpuUtil, s.ramUtil) }));

const vmsArb = (min: number) => fc.array(fc.tuple(frac, frac), { minLength: min, maxLength: 8 });

/**
 * Candidate buffers as the protocol passes them: sized beyond `count` (its scratch buffers are
 * shared and grown), with stale entries after `count` that must never be chosen.
 */
function buffers(vms: [number, number][], slack: number) {
  const n = vms.length + slack;
  const actions = new Int32Array(n).fill(80);
  const cpu = new Float64Array(n).fill(0.01);
  const ram = new Float64Array(n).fill(0.01);
  vms.forEach(([c, r], i) => {
    cpu[i] = c;
    ram[i] = r;
    actions[i] = pairOf(c, r);
  });
  return { actions, cpu, ram };
}

type Op =
  | { kind: 'send'; self: DecisionInput; vms: [number, number][]; rejected: boolean }
  | { kind: 'receive'; self: DecisionInput; vm: [number, number]; expires: boolean }
  | { kind: 'stray'; state: number; action: number; next: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('send' as const),
    self: selfArb,
    vms: vmsArb(1),
    rejected: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('receive' as const),
    self: selfArb,
    vm: fc.tuple(frac, frac),
    expires: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('stray' as const),
    state: fc.integer({ min: 0, max: 80 }),
    action: fc.integer({ min: 0, max: 80 }),
    next: fc.integer({ min: 0, max: 80 }),
  }),
);

export function policyConformance(s: ConformanceSubject): void {
  const runs = { numRuns: s.numRuns };
  let tokens = 0;
  const token = () => ++tokens;

  it('chooseVm returns −1 or the index of an offered VM, and −1 when none is offered', () => {
    fc.assert(
      fc.property(selfArb, vmsArb(0), fc.integer({ min: 0, max: 4 }), (self, vms, slack) => {
        const p = s.make();
        const b = buffers(vms, slack);
        for (let k = 0; k < 3; k++) {
          const i = p.chooseVm(self, b.actions, b.cpu, b.ram, vms.length, token());
          expect(Number.isInteger(i)).toBe(true);
          expect(i).toBeGreaterThanOrEqual(-1);
          expect(i).toBeLessThan(vms.length);
          if (vms.length === 0) expect(i).toBe(-1);
        }
      }),
      runs,
    );
  });

  it('accept returns a boolean', () => {
    fc.assert(
      fc.property(selfArb, frac, frac, (self, c, r) => {
        const a = s.make().accept(self, pairOf(c, r), c, r, token());
        expect(typeof a).toBe('boolean');
      }),
      runs,
    );
  });

  it('learnOut and learnIn return the GLAP reward of the state reached', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 80 }),
        fc.boolean(),
        (st, a, next, terminal) => {
          const p = s.make();
          // Tokens the policy never issued: still the reward, nothing credited wrongly.
          const out = p.learnOut(0, st, a, next, terminal);
          const inn = p.learnIn(0, st, a, next);
          expect(Number.isFinite(out) && Number.isFinite(inn)).toBe(true);
          expect(out).toBe(pairReward(s.rewards.out, next));
          expect(inn).toBe(pairReward(s.rewards.in, next));
        },
      ),
      runs,
    );
  });

  it('sessions of decisions and learning keep every value finite', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), selfArb, (ops, probe) => {
        const p = s.make();
        for (const op of ops) {
          if (op.kind === 'send') {
            const b = buffers(op.vms, 2);
            const t = token();
            const i = p.chooseVm(op.self, b.actions, b.cpu, b.ram, op.vms.length, t);
            expect(i).toBeLessThan(op.vms.length);
            // The protocol rewards a choice after a committed migration, and forgets it when the
            // offer is rejected (or nothing was offered).
            if (i >= 0 && !op.rejected) {
              const [c, r] = op.vms[i]!;
              const next = pairOf(op.self.cpuUtil - c, op.self.ramUtil - r);
              const terminal = op.vms.length === 1;
              const rew = p.learnOut(t, op.self.state, b.actions[i]!, next, terminal);
              expect(rew).toBe(pairReward(s.rewards.out, next));
            } else p.forget?.(t);
          } else if (op.kind === 'receive') {
            const [c, r] = op.vm;
            const action = pairOf(c, r);
            const t = token();
            const ok = p.accept(op.self, action, c, r, t);
            expect(typeof ok).toBe('boolean');
            // An accepted offer commits (learnIn) unless its reservation expires first (forget).
            if (ok && !op.expires) {
              const next = pairOf(op.self.cpuUtil + c, op.self.ramUtil + r);
              expect(p.learnIn(t, op.self.state, action, next)).toBe(
                pairReward(s.rewards.in, next),
              );
            } else p.forget?.(t);
          } else {
            expect(Number.isFinite(p.learnIn(0, op.state, op.action, op.next))).toBe(true);
          }
        }
        if (s.pending) expect(s.pending(p), 'decisions left pending').toBe(0);
        const values = s.values(p, probe, [0.05, 0.3, 0.6], [0.1, 0.2, 0.4]);
        expect(values.length).toBeGreaterThan(0);
        for (const v of values) expect(Number.isFinite(v)).toBe(true);
      }),
      runs,
    );
  });
}
