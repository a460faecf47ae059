/**
 * πin through the protocol's own step: an Offer is accepted ⇔ φin(s, a) ≥ 0 ∧ RAM fits — for
 * arbitrary tables, PM states and VMs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CONSOLIDATION } from '../../protocols/consolidation.ts';
import { selfInput } from '../../protocols/consolidation-rules.ts';
import type { ConsolidationState } from '../../protocols/consolidation-state.ts';
import { MSG_TYPE_NAMES, MsgType, message } from '../../protocols/messages.ts';
import { PolicyQLearning } from '../../src/policy/policy-q-learning.ts';
import { QTable } from '../../src/policy/q-table.ts';
import { pairOf } from '../../src/model/levels.ts';
import { Rng } from '../../src/core/rng.ts';
import { GREEDY_Q, PLAIN_PROTOCOL } from '../helpers/fixtures.ts';
import { consolidationNode, step } from '../helpers/protocol.ts';

function node(
  policy: PolicyQLearning,
  cpuUsed: number,
  ramUsed: number,
  ramReserved: number,
): ConsolidationState {
  const c = consolidationNode({
    id: 0,
    vms: [],
    policy,
    sensor: { cpuMips: () => 0, ramMb: () => 0 },
    options: PLAIN_PROTOCOL,
    cpuCapMips: 3720,
  });
  c.node.cpuUsedMips = cpuUsed;
  c.node.ramUsedMb = ramUsed;
  c.ramReservedMb = ramReserved;
  return c;
}

/** Offers a VM of (cpuMips, ramMb); true iff the node answers Accept. */
function accepts(c: ConsolidationState, cpuMips: number, ramMb: number): boolean {
  const m = message(MsgType.Offer, 1, 0, 1);
  m.vm = 7;
  m.cpuMips = cpuMips;
  m.ramMb = ramMb;
  const answers = step(CONSOLIDATION, c, m).flatMap((e) =>
    e.fx === 'send' ? [MSG_TYPE_NAMES[e.msg.type]] : [],
  );
  expect(answers).toHaveLength(1);
  return answers[0] === 'Accept';
}

describe('accept/reject (πin)', () => {
  it('accepts iff φin(s,a) ≥ 0 and the RAM fits', () => {
    fc.assert(
      fc.property(
        fc.float32Array({
          minLength: 81 * 81,
          maxLength: 81 * 81,
          noNaN: true,
          noDefaultInfinity: true,
        }),
        fc.double({ min: 0, max: 2 * 3720, noNaN: true }),
        fc.double({ min: 0, max: 4096, noNaN: true }),
        fc.double({ min: 0, max: 2048, noNaN: true }),
        fc.double({ min: 0, max: 2500, noNaN: true }),
        fc.constantFrom(613, 870, 1740, 4096, 5000),
        (values, cpuUsed, ramUsed, ramReserved, vmCpu, vmRam) => {
          const policy = new PolicyQLearning(new Rng(1), GREEDY_Q, {
            phiOut: new QTable(),
            phiIn: new QTable(values),
          });
          const n = node(policy, cpuUsed, ramUsed, ramReserved);
          const s = selfInput(n).state;
          const a = pairOf(vmCpu / 3720, vmRam / 4096);
          const fits = ramUsed + ramReserved + vmRam <= 4096;
          expect(accepts(n, vmCpu, vmRam)).toBe(policy.phiIn.get(s, a) >= 0 && fits);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the PM state counts RAM already reserved for incoming VMs', () => {
    const phiIn = new QTable();
    const policy = new PolicyQLearning(new Rng(1), GREEDY_Q, { phiOut: new QTable(), phiIn });
    // Reject only from the state the reservation puts the PM in.
    const reservedState = pairOf(0, 2048 / 4096);
    phiIn.set(reservedState, pairOf(0.1, 613 / 4096), -1);
    expect(accepts(node(policy, 0, 0, 0), 372, 613)).toBe(true);
    expect(accepts(node(policy, 0, 0, 2048), 372, 613)).toBe(false);
  });
});
