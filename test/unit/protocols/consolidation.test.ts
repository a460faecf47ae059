/**
 * Consolidation's step as data: a node's state and one event in, the effects it wrote out
 * (sends, node events, learning requests naming their decision tokens). Two-node exchanges run
 * the same steps, delivering messages at once and carrying learning out as the agent would.
 */
import { describe, expect, it } from 'vitest';
import { CONSOLIDATION } from '../../../protocols/consolidation.ts';
import { CONTINUE_OFFERING } from '../../../protocols/consolidation-exchange.ts';
import { isSenderAgainst } from '../../../protocols/consolidation-rules.ts';
import type { ConsolidationState } from '../../../protocols/consolidation-state.ts';
import { MsgFlag, MsgType, message, type Message } from '../../../protocols/messages.ts';
import { ROUND_END, ROUND_INITIATE, ROUND_START } from '../../../protocols/protocol.ts';
import type { NodePolicy } from '../../../src/policy/policy.ts';
import type { PeerSampler } from '../../../protocols/peer-sampling.ts';
import { PolicyQLearning } from '../../../src/policy/policy-q-learning.ts';
import { Rng } from '../../../src/core/rng.ts';
import { GREEDY_Q, PLAIN_PROTOCOL } from '../../helpers/fixtures.ts';
import { consolidationNode, sends, step, towards, type Effect } from '../../helpers/protocol.ts';

/** VM id → (cpu MIPS, RAM MB), as the hypervisor reads them. */
const VMS: Record<number, [number, number]> = {
  10: [500, 1000],
  11: [800, 1000],
  12: [300, 613],
  13: [2000, 1740],
};
const sensor = { cpuMips: (vm: number) => VMS[vm]![0], ramMb: (vm: number) => VMS[vm]![1] };

function node(
  id: number,
  vms: number[],
  o: {
    policy?: NodePolicy;
    sampler?: PeerSampler;
    cpuCapMips?: number;
    ramCapMb?: number;
    asleep?: boolean;
  } = {},
): ConsolidationState {
  return consolidationNode({
    id,
    vms,
    sensor,
    options: PLAIN_PROTOCOL,
    policy: o.policy ?? new PolicyQLearning(new Rng(id), GREEDY_Q),
    ...o,
  });
}

function probe(from: number, to: number, load: number, vmCount: number, flags = 0): Message {
  const m = message(MsgType.Probe, from, to, 1);
  m.cpuUtil = load;
  m.ramUtil = load;
  m.vmCount = vmCount;
  m.flags = flags;
  return m;
}

function offer(from: number, to: number, seq: number, vm: number): Message {
  const m = message(MsgType.Offer, from, to, seq);
  m.vm = vm;
  m.cpuMips = VMS[vm]![0];
  m.ramMb = VMS[vm]![1];
  return m;
}

/**
 * PM 0 (VMs 12 and 10) invited by PM 1 and accepted: its VM in escrow, its Transfer sent. `runsHere`:
 * what its hypervisor says of a VM (absent: PMs never crash, and it cannot tell).
 */
function transferringSender(runsHere?: boolean): ConsolidationState {
  const s = { ...sensor, ...(runsHere === undefined ? {} : { runsHere: () => runsHere }) };
  const a = consolidationNode({
    id: 0,
    vms: [12, 10],
    sensor: s,
    options: PLAIN_PROTOCOL,
    policy: new PolicyQLearning(new Rng(0), GREEDY_Q),
    sampler: towards(1),
  });
  step(CONSOLIDATION, a, ROUND_INITIATE);
  step(CONSOLIDATION, a, { ...message(MsgType.Invite, 1, 0, 4), re: a.out!.last.seq });
  step(CONSOLIDATION, a, { ...message(MsgType.Accept, 1, 0, 5), re: a.out!.last.seq });
  expect(a.out!.phase).toBe('transferring');
  return a;
}

function transfer(from: number, to: number, seq: number, re: number, vm: number): Message {
  const m = offer(from, to, seq, vm);
  m.type = MsgType.Transfer;
  m.re = re;
  return m;
}

/** A policy that records the decision tokens it is given and what it is told about them. */
function spyPolicy(acceptAll = true) {
  const log: string[] = [];
  const inner = new PolicyQLearning(new Rng(7), GREEDY_Q);
  const p: NodePolicy = {
    gossips: true,
    chooseVm: (s, a, c, r, n, token) => (
      log.push(`choose#${token}`),
      inner.chooseVm(s, a, c, r, n)
    ),
    accept: (_s, _a, _c, _r, token) => (log.push(`accept#${token}`), acceptAll),
    learnOut: (token, s, a, n, t) => (log.push(`out#${token}`), inner.learnOut(token, s, a, n, t)),
    learnIn: (token, s, a, n) => (log.push(`in#${token}`), inner.learnIn(token, s, a, n)),
    forget: (token) => void log.push(`forget#${token}`),
  };
  return { p, log };
}

/**
 * Runs an exchange opened by `a`'s round to quiescence, delivering each message at once, raising
 * continuations and carrying out learning as the agent does; then both nodes' round end.
 */
function exchange(a: ConsolidationState, b: ConsolidationState): [number, Effect][] {
  const nodes = [a, b];
  const log: [number, Effect][] = [];
  const queue: Message[] = [];
  const run = (c: ConsolidationState, ev: Parameters<typeof step>[2]) => {
    for (const e of step(CONSOLIDATION, c, ev)) {
      log.push([c.node.id, e]);
      if (e.fx === 'send') queue.push(e.msg);
      if (e.fx === 'learnOut') c.policy.learnOut(e.token, e.state, e.action, e.next, e.terminal);
      if (e.fx === 'learnIn') c.policy.learnIn(e.token, e.state, e.action, e.next);
      if (e.fx === 'raise') run(c, CONTINUE_OFFERING);
    }
  };
  run(a, ROUND_START);
  run(a, ROUND_INITIATE);
  while (queue.length > 0) {
    const m = queue.shift()!;
    run(
      nodes.find((n) => n.node.id === m.to)!,
      m,
    );
  }
  for (const n of nodes) run(n, ROUND_END);
  return log;
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
    const la = (a.node.cpuUsedMips / 4000 + a.node.ramUsedMb / 4096) / 2;
    expect(isSenderAgainst(a, probe(1, 0, la, 1))).toBe(true);
    expect(isSenderAgainst(b, probe(0, 1, la, 1))).toBe(false);
  });
});

describe('exchange', () => {
  it('a light PM empties itself into a busier one, then sleeps', () => {
    const a = node(0, [12]); // light: will send
    const b = node(1, [10, 11]);
    const log = exchange(a, b);
    expect(sends(log.map(([, e]) => e))).toEqual([
      'Probe 0→1',
      'Invite 1→0',
      'Offer 0→1',
      'Accept 1→0',
      'Transfer 0→1',
      'Done 1→0',
    ]);
    expect(log.filter(([, e]) => e.fx === 'migrated')).toEqual([
      [1, { fx: 'migrated', vm: 12, from: 0 }],
    ]);
    expect(b.node.vms).toEqual([10, 11, 12]);
    expect(b.node.ramUsedMb).toBe(2613);
    expect(a.node.vms).toEqual([]);
    expect(a.node.asleep).toBe(true);
    expect(log.filter(([, e]) => e.fx === 'slept')).toEqual([[0, { fx: 'slept' }]]);
    expect(log.filter(([, e]) => e.fx.startsWith('learn')).map(([id, e]) => [id, e.fx])).toEqual([
      [1, 'learnIn'],
      [0, 'learnOut'],
    ]);
    expect(b.reservations.size).toBe(0);
    expect(b.ramReservedMb).toBe(0);
  });

  it('the recipient rejects a VM whose RAM does not fit, and nothing moves', () => {
    const a = node(0, [13]); // 1740 MB
    const b = node(1, [10, 11, 12], { ramCapMb: 3000 }); // 2613 MB used
    const log = exchange(a, b);
    expect(sends(log.map(([, e]) => e))).toContain('Reject 1→0');
    expect(log.some(([, e]) => e.fx === 'migrated')).toBe(false);
    expect(a.node.vms).toEqual([13]);
    expect(a.out).toBeNull();
  });
});

describe('handlers as data', () => {
  it('Offer → Accept with a reservation; its duplicate gets the same answer and no second one', () => {
    const { p, log } = spyPolicy();
    const b = node(1, [10], { policy: p });
    const first = step(CONSOLIDATION, b, offer(0, 1, 5, 12));
    expect(sends(first)).toEqual(['Accept 1→0']);
    expect(first[0]!.fx === 'send' && first[0]!.msg.re).toBe(5);
    expect(sends(step(CONSOLIDATION, b, offer(0, 1, 5, 12)))).toEqual(['Accept 1→0']);
    expect(log).toEqual(['accept#1']); // decided once
    expect(b.ramReservedMb).toBe(613);
  });

  it('Transfer commits: migrated, a learnIn naming the acceptance token, Done; a duplicate only Done', () => {
    const { p } = spyPolicy();
    const b = node(1, [10], { policy: p });
    step(CONSOLIDATION, b, offer(0, 1, 5, 12));
    const fx = step(CONSOLIDATION, b, transfer(0, 1, 6, 5, 12));
    expect(fx.map((e) => e.fx)).toEqual(['migrated', 'learnIn', 'send']);
    expect(fx[1]).toMatchObject({ fx: 'learnIn', token: 1 });
    expect(sends(fx)).toEqual(['Done 1→0']);
    expect(step(CONSOLIDATION, b, transfer(0, 1, 6, 5, 12)).map((e) => e.fx)).toEqual(['send']);
    expect(b.node.vms).toEqual([10, 12]);
  });

  it('a Transfer retransmitted after its Committed record was pruned still gets Done, not Nack', () => {
    const b = node(1, [10]);
    step(CONSOLIDATION, b, offer(0, 1, 5, 12));
    step(CONSOLIDATION, b, transfer(0, 1, 6, 5, 12)); // committed; say its Done is lost, every time
    b.node.round = 64 * Math.ceil((PLAIN_PROTOCOL.recordTtlRounds + 2) / 64); // a pruning round
    step(CONSOLIDATION, b, ROUND_START);
    expect(b.records.size).toBe(0);
    expect(sends(step(CONSOLIDATION, b, transfer(0, 1, 6, 5, 12)))).toEqual(['Done 1→0']);
    expect(b.node.vms).toEqual([10, 12]);
    // A VM that is not here is still refused.
    expect(sends(step(CONSOLIDATION, b, transfer(0, 1, 8, 7, 13)))).toEqual(['Nack 1→0']);
  });

  it('an expired reservation forgets its decision; the late Transfer is refused (Nack)', () => {
    const { p } = spyPolicy();
    const b = node(1, [10], { policy: p });
    step(CONSOLIDATION, b, offer(0, 1, 5, 12));
    b.node.round = 1 + PLAIN_PROTOCOL.reservationTtlRounds;
    expect(step(CONSOLIDATION, b, ROUND_START)).toEqual([{ fx: 'forget', token: 1 }]);
    expect(b.ramReservedMb).toBe(0);
    expect(sends(step(CONSOLIDATION, b, transfer(0, 1, 6, 5, 12)))).toEqual(['Nack 1→0']);
    expect(b.node.vms).toEqual([10]);
  });

  it('a rejected offer forgets its πout decision; Done rewards it by token and continues', () => {
    const { p, log } = spyPolicy();
    const a = node(0, [10, 12], { policy: p, sampler: towards(1) });
    const invite = message(MsgType.Invite, 1, 0, 9);
    step(CONSOLIDATION, a, ROUND_INITIATE); // opens a probing session, as a round would
    invite.re = a.out!.last.seq;
    const offered = step(CONSOLIDATION, a, invite);
    expect(sends(offered)).toEqual(['Offer 0→1']);
    const offerSeq = a.out!.last.seq;
    const reject = message(MsgType.Reject, 1, 0, 10, offerSeq);
    expect(step(CONSOLIDATION, a, reject)).toEqual([{ fx: 'forget', token: 1 }]);
    expect(a.out).toBeNull();
    expect(log).toEqual(['choose#1']);

    step(CONSOLIDATION, a, ROUND_INITIATE);
    step(CONSOLIDATION, a, { ...invite, seq: 11, re: a.out!.last.seq });
    const accept = message(MsgType.Accept, 1, 0, 12, a.out!.last.seq);
    expect(sends(step(CONSOLIDATION, a, accept))).toEqual(['Transfer 0→1']);
    const done = message(MsgType.Done, 1, 0, 13, a.out!.last.seq);
    const fx = step(CONSOLIDATION, a, done);
    expect(fx).toEqual([
      expect.objectContaining({ fx: 'learnOut', token: 2, terminal: false }),
      { fx: 'raise', type: CONTINUE_OFFERING.type },
    ]);
    expect(sends(step(CONSOLIDATION, a, CONTINUE_OFFERING))).toEqual(['Offer 0→1']);
    expect(log).toEqual(['choose#1', 'choose#2', 'choose#3']);
  });

  it('a sleeping PM answers Asleep to a probe and wakes for a Wake', () => {
    const s = node(2, [], { asleep: true });
    expect(sends(step(CONSOLIDATION, s, probe(0, 2, 1.1, 3, MsgFlag.Overloaded)))).toEqual([
      'Asleep 2→0',
    ]);
    expect(s.node.asleep).toBe(true);
    const w = probe(0, 2, 1.1, 3, MsgFlag.Overloaded);
    w.type = MsgType.Wake;
    const fx = step(CONSOLIDATION, s, w);
    expect(s.node.asleep).toBe(false);
    expect(fx.map((e) => e.fx)).toEqual(['woke', 'send']);
    expect(sends(fx)).toEqual(['Invite 2→0']);
  });

  it('with wakeRounds, a woken PM powers on at once but answers the Wake, and hosts, only once up', () => {
    const options = { ...PLAIN_PROTOCOL, wakeRounds: 2 };
    const s = consolidationNode({
      id: 2,
      vms: [],
      sensor,
      options,
      policy: new PolicyQLearning(new Rng(2), GREEDY_Q),
      asleep: true,
    });
    s.node.round = 10;
    const w = probe(0, 2, 1.1, 3, MsgFlag.Overloaded);
    w.type = MsgType.Wake;
    expect(step(CONSOLIDATION, s, w).map((e) => e.fx)).toEqual(['woke']); // powered on: no answer yet
    expect(s.node.asleep).toBe(false);
    expect(sends(step(CONSOLIDATION, s, w))).toEqual([]); // a copy of the Wake: still nothing
    expect(sends(step(CONSOLIDATION, s, probe(5, 2, 0.5, 1)))).toEqual(['Decline 2→5']);
    s.node.round = 11;
    expect(step(CONSOLIDATION, s, ROUND_START)).toEqual([]); // still coming up: holds its round
    expect(step(CONSOLIDATION, s, ROUND_END)).toEqual([]); // empty, but it does not sleep
    expect(s.node.asleep).toBe(false);
    s.node.round = 12;
    expect(sends(step(CONSOLIDATION, s, ROUND_START))).toEqual(['Invite 2→0']); // up: answers
    expect(s.upAtRound).toBe(0);

    // The waker waits for it: its Wake session outlasts retryAfterRounds by wakeRounds.
    const o = consolidationNode({
      id: 0,
      vms: [13, 11],
      sensor,
      options,
      policy: new PolicyQLearning(new Rng(0), GREEDY_Q),
      cpuCapMips: 2500,
      sampler: { ...towards(1), pickSleeper: () => 2 },
    });
    o.stuckRounds = options.wakeAfterStuckRounds;
    o.node.round = 10;
    step(CONSOLIDATION, o, ROUND_START);
    expect(sends(step(CONSOLIDATION, o, ROUND_INITIATE))).toEqual(['Wake 0→2']);
    for (const round of [11, 12]) {
      o.node.round = round;
      step(CONSOLIDATION, o, ROUND_START);
      expect(o.out?.phase).toBe('probing');
    }
    o.node.round = 13;
    step(CONSOLIDATION, o, ROUND_START);
    expect(o.out).toBeNull(); // no answer within retryAfterRounds + wakeRounds: abandoned
  });

  it('an overloaded PM that stays stuck wakes a sleeper it knows of', () => {
    const o = node(0, [13, 11], { cpuCapMips: 2500 }); // 2800 MIPS on 2500: overloaded
    o.stuckRounds = PLAIN_PROTOCOL.wakeAfterStuckRounds;
    const sampler = { ...towards(1), pickSleeper: () => 3 };
    const stuck = { ...o, sampler };
    expect(step(CONSOLIDATION, stuck, ROUND_START)).toEqual([]);
    const fx = step(CONSOLIDATION, stuck, ROUND_INITIATE);
    expect(fx.map((e) => e.fx)).toEqual(['exchange', 'send']);
    expect(sends(fx)).toEqual(['Wake 0→3']);
  });

  it('an unanswered offer is retransmitted and holds the round; after the retries it is forgotten', () => {
    const a = node(0, [12], { sampler: towards(1) });
    step(CONSOLIDATION, a, ROUND_INITIATE);
    step(CONSOLIDATION, a, { ...message(MsgType.Invite, 1, 0, 4), re: a.out!.last.seq });
    for (let r = 1; r <= PLAIN_PROTOCOL.maxOfferRetries; r++) {
      a.node.round++;
      expect(sends(step(CONSOLIDATION, a, ROUND_START))).toEqual(['Offer 0→1']);
    }
    a.node.round++;
    expect(step(CONSOLIDATION, a, ROUND_START)).toEqual([
      expect.objectContaining({ fx: 'forget' }),
    ]);
    expect(a.out).toBeNull();
  });

  it('a Transfer unanswered past the retries: the hypervisor decides (VM taken back, or gone)', () => {
    const toTransferring = (runsHere?: boolean) => {
      const a = transferringSender(runsHere);
      const vm = a.out!.vm;
      expect(a.node.vms).not.toContain(vm); // in escrow
      for (let r = 1; r <= PLAIN_PROTOCOL.maxOfferRetries; r++) {
        a.node.round++;
        expect(sends(step(CONSOLIDATION, a, ROUND_START))).toEqual(['Transfer 0→1']);
      }
      a.node.round++;
      return { a, vm, fx: step(CONSOLIDATION, a, ROUND_START) };
    };
    // The migration never switched over: the VM is the sender's again.
    const back = toTransferring(true);
    expect(back.fx[0]).toEqual(expect.objectContaining({ fx: 'forget' }));
    expect(back.a.out?.phase).not.toBe('transferring');
    expect(back.a.node.vms).toContain(back.vm);
    expect(back.a.node.ramUsedMb).toBe(1613);
    // It did (the recipient committed, then went silent): the escrow ends, nothing comes back.
    const gone = toTransferring(false);
    expect(gone.fx[0]).toEqual(expect.objectContaining({ fx: 'forget' }));
    expect(gone.a.node.vms).not.toContain(gone.vm);
    expect(gone.a.node.ramUsedMb).toBe(1613 - VMS[gone.vm]![1]);
    // Without a hypervisor that can tell (PMs never crash), the sender keeps asking.
    const asking = toTransferring(undefined);
    expect(sends(asking.fx)).toEqual(['Transfer 0→1']);
  });

  it('a Nack takes the VM back only where the hypervisor says it still runs', () => {
    const nacked = (runsHere?: boolean) => {
      const a = transferringSender(runsHere);
      const vm = a.out!.vm;
      step(CONSOLIDATION, a, { ...message(MsgType.Nack, 1, 0, 6), re: a.out!.last.seq });
      expect(a.out).toBeNull();
      return { a, vm };
    };
    // PMs never crash, or the migration never switched over: the VM is the sender's again.
    for (const runsHere of [undefined, true]) {
      const { a, vm } = nacked(runsHere);
      expect(a.node.vms).toContain(vm);
    }
    // The recipient committed it, crashed and came back: the VM runs elsewhere, not here.
    const gone = nacked(false);
    expect(gone.a.node.vms).not.toContain(gone.vm);
    expect(gone.a.node.ramUsedMb).toBe(1613 - VMS[gone.vm]![1]);
  });
});
