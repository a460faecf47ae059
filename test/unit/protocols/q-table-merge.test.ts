/**
 * GLAP's learning exchange over messages: ProfileRequest → Profile (train) → Merge → MergeReply,
 * after which both PMs hold the element-wise mean of their tables; and local training on a
 * neighbour's profile teaches φin to refuse a VM that would overload it.
 */
import { describe, expect, it } from 'vitest';
import { onMessage, onRoundStart, onStepStart } from '../../../protocols/consolidation.ts';
import { MsgType, type Message } from '../../../protocols/messages.ts';
import { createNode, type ConsolidationNode } from '../../../protocols/node-state.ts';
import { PolicyGlap, type GlapOptions } from '../../../src/policy/policy-glap.ts';
import { pairOf } from '../../../src/model/levels.ts';
import { Rng } from '../../../src/core/rng.ts';
import { GREEDY_Q, PLAIN_PROTOCOL, recordingEffects } from '../../helpers/fixtures.ts';

const CPU: Record<number, number> = { 1: 3000, 2: 1500, 3: 500 };

function node(id: number, vms: number[], glap: GlapOptions): ConsolidationNode {
  const n = createNode({
    id,
    cpuCapMips: 4000,
    ramCapMb: 4096,
    policy: new PolicyGlap(new Rng(id), GREEDY_Q, glap),
    sampler: {
      select: () => 1 - id,
      pickSleeper: () => -1,
      markAsleep() {},
      markAwake() {},
      startShuffle: () => null,
      onShuffle: () => [],
      onShuffleReply() {},
    },
    rng: new Rng(10 + id),
    sensor: { cpuMips: (vm) => CPU[vm]!, ramMb: () => 0 },
    options: PLAIN_PROTOCOL,
    vms,
    asleep: false,
  });
  onStepStart(n);
  return n;
}

/** Delivers messages between the two nodes until none is left (GLAP ones only). */
function settle(nodes: ConsolidationNode[], first: Message[]): MsgType[] {
  const seen: number[] = [];
  let inFlight = first.filter((m) => m.type >= MsgType.ProfileRequest);
  while (inFlight.length > 0) {
    const fx = recordingEffects();
    for (const m of inFlight) {
      seen.push(m.type);
      onMessage(nodes[m.to]!, m, fx);
    }
    inFlight = fx.log.sent;
  }
  return seen as MsgType[];
}
type MsgType = (typeof MsgType)[keyof typeof MsgType];

describe('GLAP learning exchange', () => {
  it('ends with both PMs holding the mean of their tables (no training episodes)', () => {
    const g = {
      periodRounds: 1,
      trainBelowLoad: 0.8,
      episodes: 0,
      trainEpsilon: 0,
      trainEpsilonIn: 0,
      trainTables: 'both' as const,
    };
    const a = node(0, [3], g);
    const b = node(1, [2], g);
    const pa = a.policy as PolicyGlap;
    const pb = b.policy as PolicyGlap;
    pa.q.phiIn.set(5, 7, 4);
    pb.q.phiIn.set(5, 7, -2);
    pb.q.phiOut.set(1, 2, 6);
    const fx = recordingEffects();
    onRoundStart(a, 1, fx); // a (12.5 % load) opens the exchange; b's turn is round 0
    const types = settle([a, b], fx.log.sent);
    expect(types).toEqual([
      MsgType.ProfileRequest,
      MsgType.Profile,
      MsgType.Merge,
      MsgType.MergeReply,
    ]);
    for (const p of [pa, pb]) {
      expect(p.q.phiIn.get(5, 7)).toBe(1);
      expect(p.q.phiOut.get(1, 2)).toBe(3);
    }
    expect(pa.session).toBeNull();
  });

  it('a loaded PM (≥ trainBelowLoad) does not start one', () => {
    const g = {
      periodRounds: 1,
      trainBelowLoad: 0.5,
      episodes: 1,
      trainEpsilon: 0,
      trainEpsilonIn: 0,
      trainTables: 'both' as const,
    };
    const a = node(0, [1], g); // 3000 / 4000 = 75 %
    const fx = recordingEffects();
    onRoundStart(a, 1, fx);
    expect(fx.log.sent.filter((m) => m.type === MsgType.ProfileRequest)).toHaveLength(0);
  });

  it("local training on the neighbour's VMs teaches φin to refuse an overloading VM", () => {
    // Self holds 3000 MIPS of 4000 (75 %); the neighbour a 1500 MIPS VM. Sending it to self
    // would make 4500 ≥ 4000: Overload. The reversed episode tries exactly that.
    const g = {
      periodRounds: 1,
      trainBelowLoad: 0.8,
      episodes: 2,
      trainEpsilon: 0,
      trainEpsilonIn: 0,
      trainTables: 'both' as const,
    };
    const self = node(0, [1], g);
    const p = self.policy as PolicyGlap;
    p.train(
      { cpuCapMips: 4000, ramCapMb: 4096, vms: [3000, 0] },
      { cpuCapMips: 4000, ramCapMb: 4096, vms: [1500, 0] },
    );
    expect(p.q.phiIn.get(pairOf(0.75, 0), pairOf(1500 / 4000, 0))).toBeLessThan(0);
  });
});
