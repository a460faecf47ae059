/**
 * GlapAveraging's step as data: ProfileRequest → Profile (a train request, then the trained
 * tables) → Merge → MergeReply, after which both PMs hold the element-wise mean of their tables.
 */
import { describe, expect, it } from 'vitest';
import { GLAP_AVERAGING, type GlapAveragingState } from '../../../protocols/glap-averaging.ts';
import { MSG_TYPE_NAMES, MsgType, message, type Message } from '../../../protocols/messages.ts';
import { createPmNode, readDemand } from '../../../protocols/pm-node.ts';
import { ROUND_START, type NodeTick } from '../../../protocols/protocol.ts';
import { PolicyGlap, type GlapOptions } from '../../../src/policy/policy-glap.ts';
import type { VmProfile } from '../../../src/policy/policy.ts';
import { Rng } from '../../../src/core/rng.ts';
import { GREEDY_Q, PLAIN_PROTOCOL } from '../../helpers/fixtures.ts';
import { trainLocally } from '../../../protocols/glap-training.ts';
import { step, towards } from '../../helpers/protocol.ts';

const CPU: Record<number, number> = { 1: 3000, 2: 1500, 3: 500 };

function node(
  id: number,
  vms: number[],
  glap: GlapOptions,
): GlapAveragingState & { p: PolicyGlap } {
  const n = createPmNode({
    id,
    cpuCapMips: 4000,
    ramCapMb: 4096,
    rng: new Rng(10 + id),
    sensor: { cpuMips: (vm) => CPU[vm]!, ramMb: () => 0 },
    vms,
    asleep: false,
  });
  n.round = 1;
  readDemand(n);
  const p = new PolicyGlap(new Rng(id), GREEDY_Q, glap);
  return { node: n, learner: p, sampler: towards(1 - id), session: null, p };
}

/**
 * Runs the exchange `a` opens at round 1, delivering each message at once and carrying out
 * training and averaging as the agent does. Returns the message types in order.
 */
function settle(a: GlapAveragingState, b: GlapAveragingState): string[] {
  const nodes = [a, b];
  const types: string[] = [];
  const queue: Message[] = [];
  const run = (g: GlapAveragingState, ev: Message | NodeTick) => {
    for (const e of step(GLAP_AVERAGING, g, ev)) {
      if (e.fx === 'send') queue.push(e.msg);
      if (e.fx === 'train') {
        const [self, nb] = e.profiles as [VmProfile, VmProfile];
        trainLocally(g.learner, self, nb, PLAIN_PROTOCOL);
        types.push('(train)');
      }
      if (e.fx === 'merge') g.learner.merge(e.tables);
      if (e.fx === 'raise') run(g, { type: e.type, tick: true });
    }
  };
  run(a, ROUND_START);
  while (queue.length > 0) {
    const m = queue.shift()!;
    types.push(MSG_TYPE_NAMES[m.type]!);
    run(nodes[m.to]!, m);
  }
  return types;
}

const G = (over: Partial<GlapOptions>): GlapOptions => ({
  periodRounds: 1,
  trainBelowLoad: 0.8,
  episodes: 0,
  trainEpsilon: 0,
  trainEpsilonIn: 0,
  trainTables: 'both',
  ...over,
});

describe('GLAP learning exchange', () => {
  it('ends with both PMs holding the mean of their tables (no training episodes)', () => {
    const a = node(0, [3], G({}));
    const b = node(1, [2], G({}));
    a.p.q.phiIn.set(5, 7, 4);
    b.p.q.phiIn.set(5, 7, -2);
    b.p.q.phiOut.set(1, 2, 6);
    // a (12.5 % load) opens the exchange at round 1; b's turn would be round 0.
    expect(settle(a, b)).toEqual(['ProfileRequest', 'Profile', '(train)', 'Merge', 'MergeReply']);
    for (const p of [a.p, b.p]) {
      expect(p.q.phiIn.get(5, 7)).toBe(1);
      expect(p.q.phiOut.get(1, 2)).toBe(3);
    }
    expect(a.session).toBeNull();
  });

  it('a loaded PM (≥ trainBelowLoad) does not start one', () => {
    const a = node(0, [1], G({ trainBelowLoad: 0.5, episodes: 1 })); // 3000 / 4000 = 75 %
    expect(step(GLAP_AVERAGING, a, ROUND_START)).toEqual([]);
  });

  it('a Profile that answers no open exchange is ignored; a sleeping PM answers requests Asleep', () => {
    const a = node(0, [3], G({}));
    const stray = step(GLAP_AVERAGING, a, createProfile(1, 0, 4, 99));
    expect(stray).toEqual([]);
    a.node.asleep = true;
    const req = createProfile(1, 0, 5, 0);
    req.type = MsgType.ProfileRequest;
    const fx = step(GLAP_AVERAGING, a, req);
    expect(fx.map((e) => (e.fx === 'send' ? MSG_TYPE_NAMES[e.msg.type] : e.fx))).toEqual([
      'Asleep',
    ]);
  });
});

function createProfile(from: number, to: number, seq: number, re: number): Message {
  const m = message(MsgType.Profile, from, to, seq, re);
  m.data = [4000, 4096, 1500, 0];
  return m;
}
