/** Handler-level tests: call a protocol step with a node and a message, assert on its effects. */
import { describe, expect, it } from 'vitest';
import {
  isSenderAgainst,
  onMessage,
  onRoundEnd,
  onRoundStart,
  onStepStart,
} from '../../../protocols/consolidation.ts';
import {
  MsgFlag,
  MsgType,
  PROTOCOL_VERSION,
  message,
  type Message,
} from '../../../protocols/messages.ts';
import { createNode, type ConsolidationNode } from '../../../protocols/node-state.ts';
import { PeerSamplingUniform } from '../../../protocols/peer-sampling-uniform.ts';
import { PolicyQLearning } from '../../../src/policy/policy-q-learning.ts';
import { Rng } from '../../../src/core/rng.ts';
import { GREEDY_Q, PLAIN_PROTOCOL, recordingEffects } from '../../helpers/fixtures.ts';

/** VM id → (cpu MIPS, RAM MB), as the hypervisor reads them. */
const VMS: Record<number, [number, number]> = {
  10: [500, 1000],
  11: [800, 1000],
  12: [300, 613],
  13: [2000, 1740],
};

function node(id: number, vms: number[], opts: Partial<ConsolidationNode> = {}): ConsolidationNode {
  const base = createNode({
    id,
    cpuCapMips: 4000,
    ramCapMb: 4096,
    policy: new PolicyQLearning(new Rng(id), GREEDY_Q),
    sampler: new PeerSamplingUniform(id, 4),
    rng: new Rng(100 + id),
    sensor: { cpuMips: (vm) => VMS[vm]![0], ramMb: (vm) => VMS[vm]![1] },
    options: PLAIN_PROTOCOL,
    vms,
    asleep: false,
  });
  const n: ConsolidationNode = { ...base, round: 1, ...opts };
  onStepStart(n);
  return n;
}

/** A sampler that always picks `peer`. */
const towards = (peer: number) => ({
  select: () => peer,
  pickSleeper: () => -1,
  markAsleep() {},
  markAwake() {},
  startShuffle: () => null,
  onShuffle: () => [],
  onShuffleReply() {},
});

function probe(from: number, to: number, load: number, vmCount: number, flags = 0): Message {
  const m = message(MsgType.Probe, from, to, 1);
  m.cpuUtil = load;
  m.ramUtil = load;
  m.vmCount = vmCount;
  m.flags = flags;
  return m;
}

/** Runs a two-node exchange to quiescence, delivering in canonical order. */
function exchange(a: ConsolidationNode, b: ConsolidationNode) {
  const fx = recordingEffects();
  const nodes = [a, b];
  onRoundStart(a, 1, fx);
  let delivered = 0;
  while (fx.log.sent.length > delivered) {
    const batch = fx.log.sent.slice(delivered);
    delivered = fx.log.sent.length;
    for (const m of batch)
      onMessage(
        nodes.find((n) => n.id === m.to)!,
        m,
        fx,
      );
  }
  for (const n of nodes) onRoundEnd(n, fx);
  return fx.log;
}

describe('role rule', () => {
  it('the less loaded PM sends; an overloaded one always sends; an empty one never', () => {
    const light = node(0, [12]);
    expect(isSenderAgainst(light, probe(1, 0, 0.5, 2))).toBe(true);
    expect(isSenderAgainst(node(0, [10, 11, 13]), probe(1, 0, 0.1, 1))).toBe(false);
    expect(isSenderAgainst(light, probe(1, 0, 1.2, 3, MsgFlag.Overloaded))).toBe(false);
    expect(isSenderAgainst(node(0, []), probe(1, 0, 0.5, 2))).toBe(false);
    // equal load: lower id sends, and both sides agree
    const a = node(0, [12]);
    const b = node(1, [12]);
    const la = (a.cpuUsedMips / 4000 + a.ramUsedMb / 4096) / 2;
    expect(isSenderAgainst(a, probe(1, 0, la, 1))).toBe(true);
    expect(isSenderAgainst(b, probe(0, 1, la, 1))).toBe(false);
  });
});

describe('exchange', () => {
  it('a light PM empties itself into a busier one, then sleeps', () => {
    const a = node(0, [12], { sampler: towards(1) }); // light: will send
    const b = node(1, [10, 11]);
    const log = exchange(a, b);
    expect(log.sent.map((m) => m.type)).toEqual([
      MsgType.Probe,
      MsgType.Invite,
      MsgType.Offer,
      MsgType.Accept,
      MsgType.Transfer,
      MsgType.Done,
    ]);
    expect(log.migrated).toEqual([[12, 0, 1]]);
    expect(b.vms).toEqual([10, 11, 12]);
    expect(b.ramUsedMb).toBe(2613);
    expect(a.vms).toEqual([]);
    expect(a.asleep).toBe(true);
    expect(log.slept).toEqual([0]);
    expect(log.rewards.map(([role]) => role).sort()).toEqual(['in', 'out']);
    expect(b.reservations.size).toBe(0);
    expect(b.ramReservedMb).toBe(0);
  });

  it('the recipient rejects a VM whose RAM does not fit, and nothing moves', () => {
    const a = node(0, [13], { sampler: towards(1) }); // 1740 MB
    const b = node(1, [10, 11, 12], { ramCapMb: 3000 }); // 2613 MB used
    const log = exchange(a, b);
    expect(log.sent.map((m) => m.type)).toContain(MsgType.Reject);
    expect(log.migrated).toEqual([]);
    expect(a.vms).toEqual([13]);
    expect(a.out).toBeNull();
  });

  it('a duplicated Transfer commits once and is answered Done again', () => {
    const b = node(1, [10]);
    const fx = recordingEffects();
    const offer = message(MsgType.Offer, 0, 1, 5);
    offer.vm = 12;
    offer.cpuMips = 300;
    offer.ramMb = 613;
    onMessage(b, offer, fx);
    onMessage(b, { ...offer }, fx); // duplicate offer: same answer, one reservation
    expect(fx.log.sent.map((m) => m.type)).toEqual([MsgType.Accept, MsgType.Accept]);
    expect(b.ramReservedMb).toBe(613);
    const t = message(MsgType.Transfer, 0, 1, 6, 5);
    t.vm = 12;
    t.cpuMips = 300;
    t.ramMb = 613;
    onMessage(b, t, fx);
    onMessage(b, { ...t }, fx);
    expect(fx.log.migrated).toEqual([[12, 0, 1]]);
    expect(b.vms).toEqual([10, 12]);
    expect(fx.log.sent.slice(2).map((m) => m.type)).toEqual([MsgType.Done, MsgType.Done]);
  });

  it('a Transfer after the reservation expired is refused (Nack) and the sender keeps its VM', () => {
    const b = node(1, [10]);
    const fx = recordingEffects();
    const offer = message(MsgType.Offer, 0, 1, 5);
    offer.vm = 12;
    offer.cpuMips = 300;
    offer.ramMb = 613;
    onMessage(b, offer, fx);
    onRoundStart(b, 1 + PLAIN_PROTOCOL.reservationTtlRounds, fx);
    expect(b.ramReservedMb).toBe(0);
    const t = message(MsgType.Transfer, 0, 1, 6, 5);
    t.vm = 12;
    t.cpuMips = 300;
    t.ramMb = 613;
    onMessage(b, t, fx);
    expect(fx.log.sent.at(-1)!.type).toBe(MsgType.Nack);
    expect(b.vms).toEqual([10]);
  });

  it('a sleeping PM answers Asleep to a probe and wakes for a Wake', () => {
    const s = node(2, [], { asleep: true });
    const fx = recordingEffects();
    onMessage(s, probe(0, 2, 1.1, 3, MsgFlag.Overloaded), fx);
    expect(fx.log.sent.at(-1)!.type).toBe(MsgType.Asleep);
    expect(s.asleep).toBe(true);
    const w = probe(0, 2, 1.1, 3, MsgFlag.Overloaded);
    w.type = MsgType.Wake;
    onMessage(s, w, fx);
    expect(s.asleep).toBe(false);
    expect(fx.log.woke).toEqual([2]);
    expect(fx.log.sent.at(-1)!.type).toBe(MsgType.Invite);
  });

  it('an overloaded PM that stays stuck wakes a sleeper it knows of', () => {
    const o = node(0, [13, 11], { cpuCapMips: 2500 }); // 2800 MIPS on 2500: overloaded
    o.stuckRounds = PLAIN_PROTOCOL.wakeAfterStuckRounds;
    o.sampler.markAsleep(3);
    const fx = recordingEffects();
    onRoundStart(o, 5, fx);
    expect(fx.log.sent).toHaveLength(1);
    expect(fx.log.sent[0]!.type).toBe(MsgType.Wake);
    expect(fx.log.sent[0]!.to).toBe(3);
  });

  it('drops messages of another protocol version and reports them', () => {
    const b = node(1, [10]);
    const fx = recordingEffects();
    const m = probe(0, 1, 0.1, 1);
    m.v = PROTOCOL_VERSION + 1;
    onMessage(b, m, fx);
    expect(fx.log.sent).toEqual([]);
    expect(fx.log.rejected).toHaveLength(1);
  });
});
