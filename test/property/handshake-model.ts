/**
 * A model of the migration handshake (Offer → Accept | Reject → Transfer → Done | Nack) that
 * predicts, from the messages alone, where every VM is and what every PM's RAM is: owned RAM,
 * reserved RAM, VMs in escrow, who sleeps. The system is a few PMs running the real
 * Consolidation.step; the network is the test's: commands open exchanges, deliver, drop or
 * duplicate any message in flight, and tick rounds. Every command predicts the system's answer
 * (which reply a message gets, which VM moves where) and then checks the whole system against
 * the model. Decisions the model leaves to the system (who sends, which VM) are checked for
 * legality instead: an offered VM must be the sender's, an acceptance must fit.
 */
import { expect } from 'vitest';
import type fc from 'fast-check';
import { CONSOLIDATION } from '../../protocols/consolidation.ts';
import { CONTINUE_OFFERING } from '../../protocols/consolidation-exchange.ts';
import type { ConsolidationOptions } from '../../protocols/consolidation-options.ts';
import type { ConsolidationState } from '../../protocols/consolidation-state.ts';
import { MSG_TYPE_NAMES, MsgType, type Message } from '../../protocols/messages.ts';
import {
  Fx,
  Out,
  ROUND_END,
  ROUND_INITIATE,
  ROUND_START,
  type NodeTick,
} from '../../protocols/protocol.ts';
import type { NodePolicy } from '../../src/policy/policy.ts';
import { PLAIN_PROTOCOL } from '../helpers/fixtures.ts';
import { consolidationNode } from '../helpers/protocol.ts';
import { fixedPeer } from '../../protocols/peer-sampling.ts';

export const CAP_MB = 4096;
/** Timers that matter here: reservations expire; offers are retried, never abandoned. */
export const OPTIONS: ConsolidationOptions = {
  ...PLAIN_PROTOCOL,
  reservationTtlRounds: 2,
  maxOfferRetries: 1_000_000,
  wakeAfterStuckRounds: 1_000_000,
};

/** Sends the first VM it holds; accepts whatever fits (the protocol checks RAM). */
const FIRST_FIT: NodePolicy = {
  gossips: true,
  chooseVm: (_s, _a, _c, _r, count) => (count > 0 ? 0 : -1),
  accept: () => true,
  learnOut: () => 0,
  learnIn: () => 0,
};

export interface Setup {
  pms: number;
  /** Per VM: its RAM (MB), CPU (MIPS) and first host. */
  vms: { ramMb: number; cpuMips: number; host: number }[];
}

type Session =
  | { phase: 'probing'; peer: number; seq: number }
  | { phase: 'offering' | 'transferring'; peer: number; seq: number; vm: number; offerSeq: number };

interface Reservation {
  vm: number;
  ramMb: number;
  created: number;
}

/** What the model believes, and the network it shares with the system. */
export interface Model {
  setup: Setup;
  round: number;
  /** Committed owner of each VM: its sender's until the recipient commits its Transfer. */
  owner: number[];
  /** The PM whose session holds each VM in escrow (from Accept to Done or Nack), or -1. */
  escrow: number[];
  asleep: boolean[];
  session: (Session | null)[];
  /** Per recipient: open reservations and answers given, keyed by `from:seq` of the offer. */
  reservations: Map<string, Reservation>[];
  answers: Map<string, 'accepted' | 'rejected' | 'committed' | 'refused'>[];
  /** Messages in flight. */
  net: Message[];
  /** Transfers committed so far. */
  commits: number;
}

export interface Real {
  pms: ConsolidationState[];
  /** The peer each PM's sampler returns. */
  target: number[];
  out: Out;
}

export function build(setup: Setup): { model: Model; real: Real } {
  const target = Array.from({ length: setup.pms }, (_, i) => (i + 1) % setup.pms);
  const sensor = {
    cpuMips: (vm: number) => setup.vms[vm]!.cpuMips,
    ramMb: (vm: number) => setup.vms[vm]!.ramMb,
  };
  const pms = Array.from({ length: setup.pms }, (_, id) => {
    const vms = setup.vms.flatMap((v, i) => (v.host === id ? [i] : []));
    return consolidationNode({
      id,
      vms,
      sensor,
      options: OPTIONS,
      policy: FIRST_FIT,
      asleep: vms.length === 0,
      sampler: { ...fixedPeer(0), select: () => target[id]! },
    });
  });
  const model: Model = {
    setup,
    round: 1,
    owner: setup.vms.map((v) => v.host),
    escrow: setup.vms.map(() => -1),
    asleep: pms.map((p) => p.node.asleep),
    session: pms.map(() => null),
    reservations: pms.map(() => new Map()),
    answers: pms.map(() => new Map()),
    net: [],
    commits: 0,
  };
  return { model, real: { pms, target, out: new Out() } };
}

const ram = (m: Model, vm: number) => m.setup.vms[vm]!.ramMb;
/** VMs on a PM's books: owned, and not in its own escrow. */
const held = (m: Model, pm: number) =>
  m.owner.flatMap((o, vm) => (o === pm && m.escrow[vm] !== pm ? [vm] : []));
const ramOf = (m: Model, pm: number) => held(m, pm).reduce((s, vm) => s + ram(m, vm), 0);
const reservedOf = (m: Model, pm: number) =>
  [...m.reservations[pm]!.values()].reduce((s, r) => s + r.ramMb, 0);
const key = (from: number, seq: number) => `${from}:${seq}`;
const name = (m: Message) => MSG_TYPE_NAMES[m.type]!;

/** Runs one event on PM `pm`, follows raised events; returns the messages it sent. */
function run(real: Real, pm: number, ev: Message | NodeTick): Message[] {
  const c = real.pms[pm]!;
  const out = real.out;
  const sent: Message[] = [];
  let next: Message | NodeTick | null = ev;
  while (next !== null) {
    CONSOLIDATION.step(c, next as never, out);
    next = out.raised === null ? null : CONTINUE_OFFERING;
    for (let i = 0; i < out.count; i++)
      if (out.code[i] === Fx.Send) sent.push(out.ref[i] as Message);
    out.clear();
  }
  return sent;
}

/** A message the system sent: the model learns the sender's new session from it. */
function observeSent(m: Model, msg: Message): void {
  const p = msg.from;
  if (msg.type === MsgType.Probe) m.session[p] = { phase: 'probing', peer: msg.to, seq: msg.seq };
  else if (msg.type === MsgType.Offer) {
    const s = m.session[p] ?? null;
    if (s?.phase === 'offering' && s.seq === msg.seq) return; // a retransmission
    expect(held(m, p), `PM ${p} offers VM ${msg.vm} it does not hold`).toContain(msg.vm);
    expect(s === null || s.phase === 'probing', `PM ${p} offers while busy`).toBe(true);
    m.session[p] = { phase: 'offering', peer: msg.to, seq: msg.seq, vm: msg.vm, offerSeq: msg.seq };
  }
  m.net.push(msg);
}

/** Delivers `msg`: predicts the answer and the state change, runs the system, compares. */
export function deliver(m: Model, real: Real, msg: Message): void {
  const to = msg.to;
  let expected: string[] | null = null; // predicted replies, by type name (null: not predicted)
  const k = key(msg.from, msg.type === MsgType.Transfer ? msg.re : msg.seq);
  const s = m.session[to] ?? null;
  const matches = (phase: Session['phase']) =>
    s !== null && s.phase === phase && s.peer === msg.from && s.seq === msg.re;
  switch (msg.type) {
    case MsgType.Offer: {
      const answer = m.answers[to]!.get(k);
      if (answer === 'committed') expected = [];
      else if (answer !== undefined) expected = [answer === 'accepted' ? 'Accept' : 'Reject'];
      else {
        const busy = s !== null && s.phase !== 'probing';
        const fits = ramOf(m, to) + reservedOf(m, to) + ram(m, msg.vm) <= CAP_MB;
        const ok = !m.asleep[to] && !busy && fits;
        m.answers[to]!.set(k, ok ? 'accepted' : 'rejected');
        if (ok) m.reservations[to]!.set(k, { vm: msg.vm, ramMb: ram(m, msg.vm), created: m.round });
        expected = [ok ? 'Accept' : 'Reject'];
      }
      break;
    }
    case MsgType.Accept:
      if (matches('offering') && s!.phase === 'offering') {
        m.escrow[s!.vm] = to; // leaves the sender's books, in escrow until Done or Nack
        expected = ['Transfer'];
      } else expected = [];
      break;
    case MsgType.Transfer: {
      const r = m.reservations[to]!.get(k);
      if (m.answers[to]!.get(k) === 'committed') expected = ['Done'];
      else if (r !== undefined && r.vm === msg.vm && !m.asleep[to]) {
        m.reservations[to]!.delete(k);
        m.answers[to]!.set(k, 'committed');
        m.owner[msg.vm] = to; // committed: the VM is the recipient's (the sender learns on Done)
        m.commits++;
        expected = ['Done'];
      } else {
        m.answers[to]!.set(k, 'refused');
        expected = ['Nack'];
      }
      break;
    }
    case MsgType.Done:
      if (matches('transferring') && s!.phase === 'transferring') {
        m.escrow[s!.vm] = -1; // gone for good
        m.session[to] = null;
      }
      break; // the sender may go on offering: checked as an observed Offer
    case MsgType.Nack:
      if (matches('transferring') && s!.phase === 'transferring') {
        m.escrow[s!.vm] = -1; // back on the sender's books
        m.session[to] = null;
      }
      expected = [];
      break;
    case MsgType.Reject:
      if (matches('offering')) m.session[to] = null;
      expected = [];
      break;
    case MsgType.Probe:
      if (m.asleep[to]) expected = ['Asleep'];
      break; // an awake PM's role and answer are the system's decision
    case MsgType.Invite:
    case MsgType.Decline:
    case MsgType.Asleep:
      if (matches('probing')) m.session[to] = null;
      if (msg.type !== MsgType.Invite) expected = [];
      break;
  }
  const sent = run(real, to, msg);
  if (expected !== null)
    expect(sent.map(name), `answer of PM ${to} to ${name(msg)}`).toEqual(expected);
  for (const x of sent) {
    if (x.type === MsgType.Transfer) {
      const t = m.session[to]!;
      expect(t.phase === 'offering' && x.vm === t.vm, 'Transfer of the accepted VM').toBe(true);
      m.session[to] = {
        ...(t as Extract<Session, { vm: number }>),
        phase: 'transferring',
        seq: x.seq,
      };
    } else if (x.type === MsgType.Offer && msg.type === MsgType.Probe) {
      m.session[to] = null; // a PM that sends drops its own probe
    }
    observeSent(m, x);
  }
}

/** `a` opens an exchange with `b` (its round's initiative). */
export function open(m: Model, real: Real, a: number, b: number): void {
  real.target[a] = b;
  const sent = run(real, a, ROUND_INITIATE);
  expect(sent.map((x) => `${name(x)} ${x.to}`)).toEqual([`Probe ${b}`]);
  observeSent(m, sent[0]!);
}

/** A round passes: timers at its start, sleep at its end. */
export function tick(m: Model, real: Real): void {
  m.round++;
  for (const c of real.pms) c.node.round = m.round;
  for (let p = 0; p < real.pms.length; p++) {
    if (m.asleep[p]) continue;
    for (const [k, r] of m.reservations[p]!) {
      if (m.round - r.created >= OPTIONS.reservationTtlRounds) {
        m.reservations[p]!.delete(k);
        m.answers[p]!.set(k, 'refused');
      }
    }
    const s = m.session[p] ?? null;
    const sent = run(real, p, ROUND_START);
    if (s?.phase === 'probing') m.session[p] = null; // abandoned: nothing to lose
    const again =
      s === null || s.phase === 'probing' ? [] : [s.phase === 'offering' ? 'Offer' : 'Transfer'];
    expect(sent.map(name), `PM ${p}'s timers`).toEqual(again);
    for (const x of sent) observeSent(m, x);
  }
  for (let p = 0; p < real.pms.length; p++) {
    run(real, p, ROUND_END);
    const idle = held(m, p).length === 0 && m.session[p] === null && m.reservations[p]!.size === 0;
    if (!m.asleep[p] && idle) m.asleep[p] = true;
  }
}

/** The whole system against the model. */
export function checkAll(m: Model, real: Real): void {
  const seen = new Int32Array(m.owner.length).fill(-1);
  real.pms.forEach((c, p) => {
    const n = c.node;
    expect(
      [...n.vms].sort((a, b) => a - b),
      `VMs of PM ${p}`,
    ).toEqual(held(m, p));
    for (const vm of n.vms) seen[vm] = p;
    expect(n.ramUsedMb, `RAM of PM ${p}`).toBeCloseTo(ramOf(m, p), 6);
    expect(c.ramReservedMb, `reserved RAM of PM ${p}`).toBeCloseTo(reservedOf(m, p), 6);
    expect(n.ramUsedMb + c.ramReservedMb).toBeLessThanOrEqual(CAP_MB + 1e-6);
    expect(n.asleep, `PM ${p} asleep`).toBe(m.asleep[p]);
    const inEscrow = c.out?.phase === 'transferring' ? c.out.vm : -1;
    expect(inEscrow, `escrow of PM ${p}`).toBe(m.escrow.indexOf(p));
  });
  // Every VM is in exactly one place: on its owner's books, or (not yet committed) in the
  // escrow of its owner.
  m.owner.forEach((o, vm) => {
    if (seen[vm] === -1) expect(m.escrow[vm], `VM ${vm} is nowhere`).toBe(o);
    else expect(seen[vm], `VM ${vm}`).toBe(o);
  });
}

type Cmd = fc.Command<Model, Real>;

export class OpenCommand implements Cmd {
  constructor(
    readonly a: number,
    readonly b: number,
  ) {}
  check(m: Model) {
    const { a, b } = this;
    return (
      a < m.asleep.length &&
      b < m.asleep.length &&
      a !== b &&
      !m.asleep[a] &&
      m.session[a] === null &&
      held(m, a).length > 0
    );
  }
  run(m: Model, r: Real) {
    open(m, r, this.a, this.b);
    checkAll(m, r);
  }
  toString = () => `open(${this.a}→${this.b})`;
}

export class DeliverCommand implements Cmd {
  constructor(
    readonly k: number,
    readonly how: 'deliver' | 'drop' | 'duplicate',
  ) {}
  check = (m: Model) => m.net.length > 0;
  run(m: Model, r: Real) {
    const i = this.k % m.net.length;
    const msg = m.net[i]!;
    if (this.how === 'duplicate') m.net.push(msg);
    else m.net.splice(i, 1);
    if (this.how === 'deliver') deliver(m, r, msg);
    checkAll(m, r);
  }
  toString = () => `${this.how}(${this.k})`;
}

export class TickCommand implements Cmd {
  check = () => true;
  run(m: Model, r: Real) {
    tick(m, r);
    checkAll(m, r);
  }
  toString = () => 'tick';
}
