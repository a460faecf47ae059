/**
 * GLAP's exchange (Khelghatdoust 2018, §4.4) as handlers of one PM's consolidation state. Two
 * PMs meet; the role rule makes one the sender, which offers VMs one at a time, chosen by πout;
 * the recipient accepts by πin and RAM fit. Each migration is a handshake
 * Offer → Accept | Reject → Transfer → Done | Nack in which the recipient reserves RAM on Accept
 * and commits on Transfer, so a VM is never lost or duplicated and RAM is never over-committed,
 * even with several exchanges touching one PM in a round, or with lost, duplicated, delayed or
 * reordered messages. Every πout / πin decision gets a token; its reward (or its end without
 * one) names it.
 */
import { pairOf } from '../src/model/levels.ts';
import {
  fitOf,
  isOverloaded,
  isSenderAgainst,
  recordKey,
  selfInput,
  selfState,
} from './consolidation-rules.ts';
import {
  RecordKind,
  decisionRecord,
  recordKind,
  type ConsolidationState,
  type OutSession,
} from './consolidation-state.ts';
import { MsgFlag, MsgType, message, type Message, type MsgTypeCode } from './messages.ts';
import { nextSeq } from './pm-node.ts';
import { reply, tick, type NodeTick, type Out } from './protocol.ts';

/** Raised after a migration completed: the sender offers its next VM to the same peer. */
export const CONTINUE_OFFERING: NodeTick = tick(-16);

/** A probe (or wake, or invite) carrying the node's load for the role rule. */
export function withLoad(c: ConsolidationState, m: Message): Message {
  const n = c.node;
  const self = selfInput(c);
  m.cpuUtil = self.cpuUtil;
  m.ramUtil = self.ramUtil;
  m.vmCount = n.vms.length;
  m.flags = isOverloaded(c) ? MsgFlag.Overloaded : 0;
  if (c.options.senderBy === 'work') m.cpuMips = n.cpuUsedMips + c.cpuReservedMips;
  return m;
}

/**
 * A shallow copy of `m` for a retransmission (the original may be retained by its recipient).
 * Built field by field from `message` rather than by object spread, so that every message keeps
 * the same hidden class and the handlers stay monomorphic.
 */
export function copyOf(m: Message): Message {
  const c = message(m.type, m.from, m.to, m.seq, m.re);
  c.v = m.v;
  c.vm = m.vm;
  c.cpuMips = m.cpuMips;
  c.ramMb = m.ramMb;
  c.cpuUtil = m.cpuUtil;
  c.ramUtil = m.ramUtil;
  c.vmCount = m.vmCount;
  c.flags = m.flags;
  c.peers = m.peers;
  c.data = m.data;
  c.rows = m.rows;
  return c;
}

function newSession(
  c: ConsolidationState,
  phase: OutSession['phase'],
  peer: number,
  last: Message,
): OutSession {
  return {
    phase,
    peer,
    last,
    sentRound: c.node.round,
    retries: 0,
    vm: -1,
    vmCpuMips: 0,
    vmRamMb: 0,
    state: 0,
    action: 0,
    token: 0,
    overloadMode: false,
    moved: 0,
  };
}

/** Opens an exchange with `peer`: a Probe, or a Wake to a sleeper. Returns the message sent. */
export function startProbe(
  c: ConsolidationState,
  peer: number,
  type: MsgTypeCode,
  out: Out,
): Message {
  const m = withLoad(c, message(type, c.node.id, peer, nextSeq(c.node)));
  c.out = newSession(c, 'probing', peer, m);
  out.exchangeStarted();
  out.send(m);
  return m;
}

/** `c`'s Invite answering probe `m`: "you send" (the role rule made `c` the recipient). */
export function inviteOf(c: ConsolidationState, m: Message): Message {
  return withLoad(c, message(MsgType.Invite, c.node.id, m.from, nextSeq(c.node), m.seq));
}

/** Is `m` the answer to the node's current outgoing request in `phase`? */
export function matches(c: ConsolidationState, m: Message, phase: OutSession['phase']): boolean {
  const s = c.out;
  return s !== null && s.phase === phase && s.peer === m.from && s.last.seq === m.re;
}

export function onProbe(c: ConsolidationState, m: Message, out: Out): void {
  const n = c.node;
  if (n.asleep) {
    if (m.type !== MsgType.Wake) {
      reply(n, out, m, MsgType.Asleep);
      return;
    }
    n.asleep = false;
    out.woke();
    if (c.options.wakeRounds > 0) {
      c.upAtRound = n.round + c.options.wakeRounds; // powered on, not up yet: it answers then
      c.pendingWake = m;
      return;
    }
  }
  if (c.upAtRound > 0) {
    // Coming up: it can host nothing yet. The Wake it answers once up may arrive twice.
    const w = c.pendingWake;
    if (w === null || w.from !== m.from || w.seq !== m.seq) reply(n, out, m, MsgType.Decline);
    return;
  }
  const busySending = c.out !== null && c.out.phase !== 'probing';
  if (isSenderAgainst(c, m)) {
    if (busySending || !c.policy.gossips) {
      reply(n, out, m, MsgType.Decline);
      return;
    }
    const previous = c.out;
    c.out = null; // our own probe, if any, is dropped: its answer will find no session
    if (!startOffering(c, m.from, isOverloaded(c), m.seq, out)) {
      c.out = previous;
      reply(n, out, m, MsgType.Decline);
    }
    return;
  }
  if (busySending || !c.policy.gossips) {
    reply(n, out, m, MsgType.Decline);
    return;
  }
  out.send(inviteOf(c, m));
}

/**
 * Picks a VM by πout and offers it to `peer`; starts or continues the sending session.
 * Returns false when the policy sends nothing.
 */
export function startOffering(
  c: ConsolidationState,
  peer: number,
  overloadMode: boolean,
  re: number,
  out: Out,
  moved = 0,
): boolean {
  const n = c.node;
  const count = n.vms.length;
  if (count === 0) return false;
  const w = out.candidates(count);
  for (let i = 0; i < count; i++) {
    const vm = n.vms[i]!;
    const cpu = n.sensor.cpuMips(vm) / n.cpuCapMips;
    const ram = n.sensor.ramMb(vm) / n.ramCapMb;
    w.cpu[i] = cpu;
    w.ram[i] = ram;
    w.actions[i] = pairOf(cpu, ram);
  }
  const self = selfInput(c);
  const token = ++c.tokens;
  const idx = c.policy.chooseVm(self, w.actions, w.cpu, w.ram, count, token);
  if (idx < 0 || idx >= count) {
    out.forget(token);
    return false;
  }
  const vm = n.vms[idx]!;
  const m = message(MsgType.Offer, n.id, peer, nextSeq(n), re);
  m.vm = vm;
  m.cpuMips = n.sensor.cpuMips(vm);
  m.ramMb = n.sensor.ramMb(vm);
  if (overloadMode) m.flags = MsgFlag.Overloaded; // shedding: recipients may rescue
  const s = newSession(c, 'offering', peer, m);
  s.vm = vm;
  s.vmCpuMips = m.cpuMips;
  s.vmRamMb = m.ramMb;
  s.state = self.state;
  s.action = w.actions[idx]!;
  s.token = token;
  s.overloadMode = overloadMode;
  s.moved = moved;
  c.out = s;
  out.send(m);
  return true;
}

export function onOffer(c: ConsolidationState, m: Message, out: Out): void {
  const n = c.node;
  const key = recordKey(m.from, m.seq);
  const rec = c.records.get(key);
  if (rec !== undefined) {
    // A retransmission or duplicate: repeat the answer given, never decide twice.
    const kind = recordKind(rec);
    if (kind === RecordKind.Accepted) reply(n, out, m, MsgType.Accept);
    else if (kind === RecordKind.Rejected || kind === RecordKind.Refused)
      reply(n, out, m, MsgType.Reject);
    return; // Committed: the sender is past this offer
  }
  const busySending = c.out !== null && c.out.phase !== 'probing';
  const self = selfInput(c);
  const action = pairOf(m.cpuMips / n.cpuCapMips, m.ramMb / n.ramCapMb);
  let ok = false;
  let token = 0;
  if (!n.asleep && !busySending && !n.draining) {
    const fit = fitOf(c, m.cpuMips, m.ramMb, (m.flags & MsgFlag.Overloaded) !== 0);
    if (fit < 0) {
      // πin decides (RAM fits; no rescue applies).
      token = ++c.tokens;
      const cpuFrac = m.cpuMips / n.cpuCapMips;
      const ramFrac = m.ramMb / n.ramCapMb;
      ok = c.policy.accept(self, pairOf(cpuFrac, ramFrac), cpuFrac, ramFrac, token);
      if (!ok) out.forget(token);
    } else ok = fit === 1;
  }
  if (!ok) {
    c.records.set(key, decisionRecord(RecordKind.Rejected, n.round));
    reply(n, out, m, MsgType.Reject);
    return;
  }
  c.reservations.set(key, {
    vm: m.vm,
    cpuMips: m.cpuMips,
    ramMb: m.ramMb,
    state: self.state,
    action,
    token,
    createdRound: n.round,
  });
  c.reserved = c.reservations.size;
  c.cpuReservedMips += m.cpuMips;
  c.ramReservedMb += m.ramMb;
  c.records.set(key, decisionRecord(RecordKind.Accepted, n.round));
  reply(n, out, m, MsgType.Accept);
}

export function onAccept(c: ConsolidationState, m: Message, out: Out): void {
  if (!matches(c, m, 'offering')) return;
  const n = c.node;
  const s = c.out!;
  // Escrow: the VM leaves our books now; it returns on Nack, and is gone for good on Done.
  const i = n.vms.indexOf(s.vm);
  if (i < 0) {
    c.out = null;
    out.forget(s.token);
    return;
  }
  n.vms[i] = n.vms[n.vms.length - 1]!;
  n.vms.pop();
  n.cpuUsedMips -= s.vmCpuMips;
  n.ramUsedMb -= s.vmRamMb;
  if (n.vms.length === 0) {
    n.cpuUsedMips = 0;
    n.ramUsedMb = 0;
  }
  const t = message(MsgType.Transfer, n.id, m.from, nextSeq(n), s.last.seq);
  t.vm = s.vm;
  t.cpuMips = s.vmCpuMips;
  t.ramMb = s.vmRamMb;
  s.phase = 'transferring';
  s.last = t;
  s.sentRound = n.round;
  s.retries = 0;
  out.send(t);
}

export function onTransfer(c: ConsolidationState, m: Message, out: Out): void {
  const n = c.node;
  const key = recordKey(m.from, m.re);
  const rec = c.records.get(key);
  if (rec !== undefined && recordKind(rec) === RecordKind.Committed) {
    reply(n, out, m, MsgType.Done);
    return;
  }
  const r = c.reservations.get(key);
  if (r === undefined && n.vms.includes(m.vm)) {
    // Committed long ago, its record pruned since (recordTtlRounds), every Done lost: the VM runs
    // here, so the sender no longer has it. A Nack would hand it back, and it would run twice.
    c.records.set(key, decisionRecord(RecordKind.Committed, n.round));
    reply(n, out, m, MsgType.Done);
    return;
  }
  if (r === undefined || r.vm !== m.vm || n.asleep) {
    c.records.set(key, decisionRecord(RecordKind.Refused, n.round));
    reply(n, out, m, MsgType.Nack);
    return;
  }
  c.reservations.delete(key);
  c.reserved = c.reservations.size;
  c.cpuReservedMips -= r.cpuMips;
  c.ramReservedMb -= r.ramMb;
  if (c.reserved === 0) {
    c.cpuReservedMips = 0;
    c.ramReservedMb = 0;
  }
  n.vms.push(m.vm);
  n.cpuUsedMips += m.cpuMips;
  n.ramUsedMb += m.ramMb;
  c.records.set(key, decisionRecord(RecordKind.Committed, n.round));
  out.migrated(m.vm, m.from);
  out.learnIn(r.token, r.state, r.action, selfState(c));
  reply(n, out, m, MsgType.Done);
}

/**
 * The VM is the recipient's: φout learns (the learning request names the decision), and the
 * sender goes on offering unless it is empty, reached the exchange's cap, or shed its overload.
 */
export function onDone(c: ConsolidationState, m: Message, out: Out): void {
  if (!matches(c, m, 'transferring')) return;
  const s = c.out!;
  const moved = s.moved + 1;
  const terminal = c.node.vms.length === 0;
  out.learnOut(s.token, s.state, s.action, selfState(c), terminal);
  c.out = null;
  const max = c.options.maxMigrationsPerExchange;
  if (!terminal && (max === 0 || moved < max) && (!s.overloadMode || isOverloaded(c))) {
    // The next choice must see φout after this update: continue once the learning is done.
    s.moved = moved;
    c.resume = s;
    out.raise(CONTINUE_OFFERING);
  }
}

/** The raised continuation of `onDone`. */
export function continueOffering(c: ConsolidationState, out: Out): void {
  const s = c.resume;
  c.resume = null;
  if (s !== null) startOffering(c, s.peer, s.overloadMode, 0, out, s.moved);
}

export function onNack(c: ConsolidationState, m: Message, out: Out): void {
  if (!matches(c, m, 'transferring')) return;
  // Where PMs can crash, a recipient that committed the VM, crashed (the VM restarted elsewhere)
  // and came back answers a retransmission with Nack: its hypervisor says whether it runs here.
  endTransfer(c, c.out!, out);
}

/**
 * Ends a transferring session without Done: the VM in escrow is this PM's again, unless its
 * hypervisor (where PMs can crash; elsewhere it cannot tell, and a VM cannot leave unseen) says
 * the migration switched over.
 */
export function endTransfer(c: ConsolidationState, s: OutSession, out: Out): void {
  const runsHere = c.node.sensor.runsHere;
  if (runsHere === undefined || runsHere(s.vm, c.node.id)) takeBack(c, s);
  c.out = null;
  out.forget(s.token);
}

/** The VM in escrow did not move: it is this PM's again. */
function takeBack(c: ConsolidationState, s: OutSession): void {
  const n = c.node;
  n.vms.push(s.vm);
  n.cpuUsedMips += s.vmCpuMips;
  n.ramUsedMb += s.vmRamMb;
}
