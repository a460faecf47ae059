/**
 * GLAP's local training runs the real consolidation protocol: one exchange trained locally and
 * the same exchange run by the PM agents over the in-memory transport make the same decisions
 * (same VMs offered, same answers, same rewards, by token) and leave the same tables; training
 * teaches φin to refuse a VM that would overload the PM; a reversed episode swaps the roles.
 */
import { describe, expect, it } from 'vitest';
import { localExchange, simulatedPm, trainLocally } from '../../../protocols/glap-training.ts';
import { Out } from '../../../protocols/protocol.ts';
import type { ConsolidationOptions } from '../../../protocols/consolidation-options.ts';
import { STACK } from '../../../nodes/protocol-stack.ts';
import { PmAgent } from '../../../nodes/pm-agent.ts';
import { CycleEngine } from '../../../src/engine/cycle-engine.ts';
import { TransportInMemory } from '../../../src/transport/transport-in-memory.ts';
import type { Message } from '../../../protocols/messages.ts';
import type { GlapLearner, NodePolicy, VmProfile } from '../../../src/policy/policy.ts';
import { PolicyQLearning } from '../../../src/policy/policy-q-learning.ts';
import { pairOf } from '../../../src/model/levels.ts';
import { Rng } from '../../../src/core/rng.ts';
import { GREEDY_Q, PLAIN_PROTOCOL } from '../../helpers/fixtures.ts';
import { sinkInto, towards } from '../../helpers/protocol.ts';

/** A Q-table policy that logs every decision and reward, with its token. */
function logged(q: PolicyQLearning, log: string[]): NodePolicy {
  return {
    gossips: true,
    chooseVm(self, actions, cpu, ram, count, token) {
      const i = q.chooseVm(self, actions, cpu, ram, count);
      log.push(`#${token} πout s${self.state}: ${i < 0 ? 'none' : `${cpu[i]!.toFixed(4)}`}`);
      return i;
    },
    accept(self, action, c, r, token) {
      const ok = q.accept(self, action);
      log.push(`#${token} πin s${self.state} a${action}: ${ok}`);
      return ok;
    },
    learnOut(token, s, a, next, terminal) {
      log.push(`#${token} out s${s} a${a} → s${next}${terminal ? ' end' : ''}`);
      return q.learnOut(token, s, a, next, terminal);
    },
    learnIn(token, s, a, next) {
      log.push(`#${token} in s${s} a${a} → s${next}`);
      return q.learnIn(token, s, a, next);
    },
  };
}

const learnerOf = (trainer: NodePolicy, episodes = 1): GlapLearner => ({
  options: { periodRounds: 8, trainBelowLoad: 0.8, episodes },
  trainer,
  exportTables: () => new Float32Array(0),
  merge() {},
});

const greedy = () => new PolicyQLearning(new Rng(1), { ...GREEDY_Q, holdWhenNegative: true });

/**
 * (MIPS, MB) per VM. PM 3, a G5, does more work (2600 MIPS) at a lower mean utilisation (43 %)
 * than PM 5, a G4 (2000 MIPS, 59 %): the thesis's rule makes PM 3 the sender, `senderBy: work`
 * makes PM 5 the sender. Either way both VMs fit the recipient's RAM.
 */
const SELF: VmProfile = { node: 3, cpuCapMips: 5320, ramCapMb: 4096, vms: [1800, 613, 800, 870] };
const PEER: VmProfile = { node: 5, cpuCapMips: 3720, ramCapMb: 4096, vms: [1100, 1740, 900, 870] };

/** The same two PMs as PM agents, PM 3 probing PM 5 in round 1; returns after that round. */
async function protocolRun(policy: NodePolicy, options: ConsolidationOptions) {
  const profiles = [SELF, PEER];
  const sensor = {
    cpuMips: (vm: number) => profiles[vm >> 4]!.vms[2 * (vm & 15)]!,
    ramMb: (vm: number) => profiles[vm >> 4]!.vms[2 * (vm & 15) + 1]!,
  };
  const transport = new TransportInMemory<Message>(6);
  const agents: (PmAgent | undefined)[] = [];
  profiles.forEach((p, k) => {
    agents[p.node] = new PmAgent(
      {
        id: p.node,
        cpuCapMips: p.cpuCapMips,
        ramCapMb: p.ramCapMb,
        rng: new Rng(p.node),
        sensor,
        vms: Array.from({ length: p.vms.length / 2 }, (_, i) => 16 * k + i),
        asleep: false,
        policy,
        sampler: towards(profiles[1 - k]!.node),
        options,
      },
      STACK,
      sinkInto(transport),
      new Out(),
      () => {},
    );
  });
  const engine = new CycleEngine(agents, transport);
  engine.startStep(0);
  await engine.runRound();
  return agents;
}

describe('GLAP local training', () => {
  // Round 1: (1 + 3) % 4 === 0, so PM 3 probes; (1 + 5) % 4 !== 0, so PM 5 does not.
  for (const [name, options] of [
    [
      'tuned options (the less working PM sends, rescue at 80 %)',
      { ...PLAIN_PROTOCOL, senderBy: 'work', rescueBelowCpu: 0.8 },
    ],
    ["the thesis's options (the less utilised PM sends)", PLAIN_PROTOCOL],
  ] as const) {
    it(`one exchange trained locally makes the protocol's own decisions: ${name}`, async () => {
      const opts: ConsolidationOptions = { ...options, probeEveryRounds: 4 };
      const trained: string[] = [];
      const tq = greedy();
      trainLocally(learnerOf(logged(tq, trained)), SELF, PEER, opts);
      const ran: string[] = [];
      const rq = greedy();
      await protocolRun(logged(rq, ran), opts);
      // Two VMs moved: two πout choices, two acceptances, their rewards.
      expect(trained.filter((l) => / (out|in) /.test(l))).toHaveLength(4);
      expect(trained).toEqual(ran);
      expect(tq.phiOut.values).toEqual(rq.phiOut.values);
      expect(tq.phiIn.values).toEqual(rq.phiIn.values);
    });
  }

  it('teaches φin to refuse a VM that would overload the PM', () => {
    // PM 0 holds 3000 MIPS of 4000 (75 %); its neighbour one VM of 1500 MIPS, which it sends
    // (less work): 4500 ≥ 4000 overloads PM 0, and the Overload reward turns φin negative.
    const q = greedy();
    trainLocally(
      learnerOf(q),
      { node: 0, cpuCapMips: 4000, ramCapMb: 4096, vms: [3000, 0] },
      { node: 1, cpuCapMips: 4000, ramCapMb: 4096, vms: [1500, 0] },
      PLAIN_PROTOCOL,
    );
    expect(q.phiIn.get(pairOf(0.75, 0), pairOf(1500 / 4000, 0))).toBeLessThan(0);
  });

  it('a reversed episode makes the PM the role rule would make the recipient send', () => {
    for (const reversed of [false, true]) {
      const q = greedy();
      const a = simulatedPm(SELF, q, PEER.node, PLAIN_PROTOCOL);
      const b = simulatedPm(PEER, q, SELF.node, PLAIN_PROTOCOL);
      localExchange(a, b, reversed, new Out());
      // By utilisation PM 3 empties itself into PM 5; reversed, PM 5 sends to PM 3.
      expect([a.node.vms.length, b.node.vms.length]).toEqual(reversed ? [4, 0] : [0, 4]);
    }
  });
});
