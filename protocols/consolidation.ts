/**
 * GLAP's gossip exchange (Khelghatdoust 2018, §4.4) as a message protocol. Two PMs meet; the less
 * utilised one (or an overloaded one) becomes the sender and offers VMs one at a time, chosen by
 * πout; the recipient accepts by πin and RAM fit. Each migration is a handshake
 * Offer → Accept | Reject → Transfer → Done | Nack in which the recipient reserves RAM on Accept
 * and commits on Transfer, so a VM is never lost or duplicated and RAM is never over-committed,
 * even with several exchanges touching one PM in a round, or with lost, duplicated, delayed or
 * reordered messages. Handlers mutate only their own node and emit effects through `Effects`.
 */
import { pairOf } from '../src/model/levels.ts';
import type { DecisionInput } from '../src/policy/policy.ts';
import { MsgFlag, MsgType, PROTOCOL_VERSION, message, type Message } from './messages.ts';
import type { ConsolidationNode, Effects, OutSession } from './node-state.ts';
import { RecordKind } from './node-state.ts';
import { glapRoundStart, onGlapMessage } from './q-table-merge.ts';

// ---- own-state helpers ------------------------------------------------------------------------

/** CPU demand at or above `shedAboveCpu` of capacity (default: full), or RAM over capacity. */
export function isOverloaded(n: ConsolidationNode): boolean {
  return n.cpuUsedMips >= n.cpuCapMips * n.options.shedAboveCpu || n.ramUsedMb > n.ramCapMb;
}

/** Mean utilisation over resources, including reservations; ranks PMs for the sender role. */
export function loadOf(n: ConsolidationNode): number {
  return (
    ((n.cpuUsedMips + n.cpuReservedMips) / n.cpuCapMips +
      (n.ramUsedMb + n.ramReservedMb) / n.ramCapMb) /
    2
  );
}

/** The node's decision input: its state pair and utilisations, reservations included. */
export function selfInput(n: ConsolidationNode): DecisionInput {
  const cpuUtil = (n.cpuUsedMips + n.cpuReservedMips) / n.cpuCapMips;
  const ramUtil = (n.ramUsedMb + n.ramReservedMb) / n.ramCapMb;
  return { state: pairOf(cpuUtil, ramUtil), cpuUtil, ramUtil };
}

/**
 * Role rule: is `n` the sender when it meets the author of probe `m`? An overloaded PM always
 * sends; otherwise the less loaded one sends (it tries to empty itself and sleep); an empty PM
 * never sends; ties go to the lower node id. Both sides evaluate the same rule.
 */
export function isSenderAgainst(n: ConsolidationNode, m: Message): boolean {
  const selfOver = isOverloaded(n);
  const otherOver = (m.flags & MsgFlag.Overloaded) !== 0;
  if (selfOver !== otherOver) return selfOver;
  if (n.vms.length === 0) return false;
  if (m.vmCount === 0) return true;
  if (n.options.senderBy === 'work') {
    const mips = n.cpuUsedMips + n.cpuReservedMips;
    if (mips !== m.cpuMips) return mips < m.cpuMips;
  }
  const mine = loadOf(n);
  const theirs = (m.cpuUtil + m.ramUtil) / 2;
  if (mine !== theirs) return mine < theirs;
  return n.id < m.from;
}

/** πin with the hard constraint: accept ⇔ policy accepts (φin(s,a) ≥ 0 for Q-tables) ∧ RAM fits. */
export function decideAccept(
  n: ConsolidationNode,
  cpuMips: number,
  ramMb: number,
  rescue = false,
): boolean {
  if (n.ramUsedMb + n.ramReservedMb + ramMb > n.ramCapMb) return false;
  const rescueBelow = n.options.rescueBelowCpu;
  if (rescue && rescueBelow > 0) {
    // Strictly below, with the offered VM and what is already reserved.
    return n.cpuUsedMips + n.cpuReservedMips + cpuMips < rescueBelow * n.cpuCapMips;
  }
  const self = selfInput(n);
  const cpuFrac = cpuMips / n.cpuCapMips;
  const ramFrac = ramMb / n.ramCapMb;
  return n.policy.accept(self, pairOf(cpuFrac, ramFrac), cpuFrac, ramFrac);
}

function recordKey(from: number, seq: number): number {
  return from * 4294967296 + seq;
}

function nextSeq(n: ConsolidationNode): number {
  return ++n.seq;
}

function withLoad(n: ConsolidationNode, m: Message): Message {
  const self = selfInput(n);
  m.cpuUtil = self.cpuUtil;
  m.ramUtil = self.ramUtil;
  m.vmCount = n.vms.length;
  m.flags = isOverloaded(n) ? MsgFlag.Overloaded : 0;
  if (n.options.senderBy === 'work') m.cpuMips = n.cpuUsedMips + n.cpuReservedMips;
  return m;
}

/**
 * A shallow copy of `m` for a retransmission (the original may be retained by its recipient).
 * Built field by field from `message` rather than by object spread, so that every message keeps
 * the same hidden class and the handlers stay monomorphic.
 */
function copyOf(m: Message): Message {
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
  return c;
}

function reply(n: ConsolidationNode, fx: Effects, to: Message, type: Message['type']): Message {
  const m = message(type, n.id, to.from, nextSeq(n), to.seq);
  fx.send(m);
  return m;
}

// ---- round lifecycle -------------------------------------------------------------------------

/** Start of a gossip round: timers (retransmit, expire), then at most one new exchange. */
export function onRoundStart(n: ConsolidationNode, round: number, fx: Effects): void {
  n.round = round;
  if (n.asleep) return;
  expireReservations(n, round);
  if ((round & 63) === 0) pruneRecords(n, round);
  const learn = glapRoundStart(n, round); // GLAP learning mode only (q-table-merge.ts)
  if (learn !== null) fx.send(learn);

  const s = n.out;
  if (s !== null) {
    if (round - s.sentRound < n.options.retryAfterRounds) return;
    switch (s.phase) {
      case 'probing':
        n.out = null; // an unanswered probe costs nothing to abandon
        break;
      case 'offering':
        if (s.retries < n.options.maxOfferRetries) {
          s.retries++;
          s.sentRound = round;
          fx.send(copyOf(s.last));
          return;
        }
        n.out = null; // the VM never left: abandoning is safe; any reservation expires
        break;
      case 'transferring':
        // The VM is in escrow: only Done or Nack may resolve it, so keep asking.
        s.sentRound = round;
        fx.send(copyOf(s.last));
        return;
    }
  }
  if (!n.policy.gossips) return;
  const shuffle = n.sampler.startShuffle(n.rng);
  if (shuffle !== null) {
    const m = message(MsgType.Shuffle, n.id, shuffle.to, nextSeq(n));
    m.peers = shuffle.entries;
    fx.send(m);
  }
  if (n.vms.length === 0) return; // nothing to offer, nothing to ask for: it will sleep

  if (isOverloaded(n) && n.stuckRounds >= n.options.wakeAfterStuckRounds) {
    const sleeper = n.sampler.pickSleeper(n.rng);
    if (sleeper >= 0) {
      startProbe(n, sleeper, MsgType.Wake, fx);
      return;
    }
  }
  const every = n.options.probeEveryRounds;
  if (every > 1 && (round + n.id) % every !== 0 && !isOverloaded(n)) return;
  const peer = n.sampler.select(n.rng);
  if (peer >= 0) startProbe(n, peer, MsgType.Probe, fx);
}

/** End of a gossip round: an empty, idle PM goes to sleep; track how long it stays overloaded. */
export function onRoundEnd(n: ConsolidationNode, fx: Effects): void {
  if (n.asleep) return;
  n.stuckRounds = isOverloaded(n) ? n.stuckRounds + 1 : 0;
  if (n.vms.length === 0 && n.out === null && n.reservations.size === 0) {
    n.asleep = true;
    n.stuckRounds = 0;
    fx.slept(n.id);
  }
}

function startProbe(n: ConsolidationNode, peer: number, type: Message['type'], fx: Effects): void {
  const m = withLoad(n, message(type, n.id, peer, nextSeq(n)));
  n.out = newSession(n, 'probing', peer, m);
  fx.exchangeStarted(n.id);
  fx.send(m);
}

function newSession(
  n: ConsolidationNode,
  phase: OutSession['phase'],
  peer: number,
  last: Message,
): OutSession {
  return {
    phase,
    peer,
    last,
    sentRound: n.round,
    retries: 0,
    vm: -1,
    vmCpuMips: 0,
    vmRamMb: 0,
    state: 0,
    action: 0,
    overloadMode: false,
    moved: 0,
  };
}

function expireReservations(n: ConsolidationNode, round: number): void {
  if (n.reservations.size === 0) return;
  for (const [key, r] of n.reservations) {
    if (round - r.createdRound >= n.options.reservationTtlRounds) {
      n.reservations.delete(key);
      n.cpuReservedMips -= r.cpuMips;
      n.ramReservedMb -= r.ramMb;
      n.records.set(key, { kind: RecordKind.Refused, round });
    }
  }
  if (n.reservations.size === 0) {
    // Exact zero: sums of floats must not drift.
    n.cpuReservedMips = 0;
    n.ramReservedMb = 0;
  }
}

function pruneRecords(n: ConsolidationNode, round: number): void {
  for (const [key, r] of n.records) {
    if (round - r.round > n.options.recordTtlRounds && !n.reservations.has(key))
      n.records.delete(key);
  }
}

// ---- message handling ------------------------------------------------------------------------

/** Handles one inbound message. Messages of another protocol version are ignored and counted. */
export function onMessage(n: ConsolidationNode, m: Message, fx: Effects): void {
  if (m.v !== PROTOCOL_VERSION) {
    fx.rejected(n.id, m);
    return;
  }
  if (m.type === MsgType.Asleep) n.sampler.markAsleep(m.from);
  else n.sampler.markAwake(m.from);

  switch (m.type) {
    case MsgType.Probe:
    case MsgType.Wake:
      return onProbe(n, m, fx);
    case MsgType.Invite:
      if (matches(n, m, 'probing')) {
        n.out = null;
        startOffering(n, m.from, isOverloaded(n), 0, fx);
      }
      return;
    case MsgType.Decline:
    case MsgType.Asleep:
      if (matches(n, m, 'probing')) n.out = null;
      return;
    case MsgType.Offer:
      return onOffer(n, m, fx);
    case MsgType.Accept:
      return onAccept(n, m, fx);
    case MsgType.Reject:
      if (matches(n, m, 'offering')) n.out = null;
      return;
    case MsgType.Transfer:
      return onTransfer(n, m, fx);
    case MsgType.Done:
      return onDone(n, m, fx);
    case MsgType.Shuffle:
      if (n.asleep) {
        reply(n, fx, m, MsgType.Asleep);
      } else {
        const r = message(MsgType.ShuffleReply, n.id, m.from, nextSeq(n), m.seq);
        r.peers = n.sampler.onShuffle(m.from, m.peers ?? [], n.rng);
        fx.send(r);
      }
      return;
    case MsgType.ShuffleReply:
      n.sampler.onShuffleReply(m.from, m.peers ?? []);
      return;
    case MsgType.Nack:
      if (matches(n, m, 'transferring')) {
        const s = n.out!;
        restoreVm(n, s.vm, s.vmCpuMips, s.vmRamMb);
        n.out = null;
      }
      return;
    case MsgType.ProfileRequest:
    case MsgType.Profile:
    case MsgType.Merge:
    case MsgType.MergeReply:
      return onGlapMessage(n, m, fx);
    default:
      fx.rejected(n.id, m);
  }
}

/** Is `m` the answer to the node's current outgoing request in `phase`? */
function matches(n: ConsolidationNode, m: Message, phase: OutSession['phase']): boolean {
  const s = n.out;
  return s !== null && s.phase === phase && s.peer === m.from && s.last.seq === m.re;
}

function onProbe(n: ConsolidationNode, m: Message, fx: Effects): void {
  if (n.asleep) {
    if (m.type !== MsgType.Wake) {
      reply(n, fx, m, MsgType.Asleep);
      return;
    }
    n.asleep = false;
    fx.woke(n.id);
  }
  const busySending = n.out !== null && n.out.phase !== 'probing';
  if (isSenderAgainst(n, m)) {
    if (busySending || !n.policy.gossips) {
      reply(n, fx, m, MsgType.Decline);
      return;
    }
    const previous = n.out;
    n.out = null; // our own probe, if any, is dropped: its answer will find no session
    if (!startOffering(n, m.from, isOverloaded(n), m.seq, fx)) {
      n.out = previous;
      reply(n, fx, m, MsgType.Decline);
    }
    return;
  }
  if (busySending || !n.policy.gossips) {
    reply(n, fx, m, MsgType.Decline);
    return;
  }
  fx.send(withLoad(n, message(MsgType.Invite, n.id, m.from, nextSeq(n), m.seq)));
}

/** Candidate scratch buffers shared by all nodes (single-threaded; grown on demand). */
let candActions = new Int32Array(64);
let candCpu = new Float64Array(64);
let candRam = new Float64Array(64);

/**
 * Picks a VM by πout and offers it to `peer`; starts or continues the sending session.
 * Returns false when the policy sends nothing.
 */
function startOffering(
  n: ConsolidationNode,
  peer: number,
  overloadMode: boolean,
  re: number,
  fx: Effects,
  moved = 0,
): boolean {
  const count = n.vms.length;
  if (count === 0) return false;
  if (candActions.length < count) {
    const size = Math.max(count, candActions.length * 2);
    candActions = new Int32Array(size);
    candCpu = new Float64Array(size);
    candRam = new Float64Array(size);
  }
  for (let i = 0; i < count; i++) {
    const vm = n.vms[i]!;
    const c = n.sensor.cpuMips(vm) / n.cpuCapMips;
    const r = n.sensor.ramMb(vm) / n.ramCapMb;
    candCpu[i] = c;
    candRam[i] = r;
    candActions[i] = pairOf(c, r);
  }
  const self = selfInput(n);
  const idx = n.policy.chooseVm(self, candActions, candCpu, candRam, count);
  if (idx < 0 || idx >= count) return false;
  const vm = n.vms[idx]!;
  const m = message(MsgType.Offer, n.id, peer, nextSeq(n), re);
  m.vm = vm;
  m.cpuMips = n.sensor.cpuMips(vm);
  m.ramMb = n.sensor.ramMb(vm);
  if (overloadMode) m.flags = MsgFlag.Overloaded; // shedding: recipients may rescue
  const s = newSession(n, 'offering', peer, m);
  s.vm = vm;
  s.vmCpuMips = m.cpuMips;
  s.vmRamMb = m.ramMb;
  s.state = self.state;
  s.action = candActions[idx]!;
  s.overloadMode = overloadMode;
  s.moved = moved;
  n.out = s;
  fx.send(m);
  return true;
}

function onOffer(n: ConsolidationNode, m: Message, fx: Effects): void {
  const key = recordKey(m.from, m.seq);
  const rec = n.records.get(key);
  if (rec !== undefined) {
    // A retransmission or duplicate: repeat the answer given, never decide twice.
    if (rec.kind === RecordKind.Accepted) reply(n, fx, m, MsgType.Accept);
    else if (rec.kind === RecordKind.Rejected || rec.kind === RecordKind.Refused)
      reply(n, fx, m, MsgType.Reject);
    return; // Committed: the sender is past this offer
  }
  const busySending = n.out !== null && n.out.phase !== 'probing';
  const self = selfInput(n);
  const rescue = (m.flags & MsgFlag.Overloaded) !== 0;
  const ok = !n.asleep && !busySending && decideAccept(n, m.cpuMips, m.ramMb, rescue);
  if (!ok) {
    n.records.set(key, { kind: RecordKind.Rejected, round: n.round });
    reply(n, fx, m, MsgType.Reject);
    return;
  }
  n.reservations.set(key, {
    vm: m.vm,
    cpuMips: m.cpuMips,
    ramMb: m.ramMb,
    state: self.state,
    action: pairOf(m.cpuMips / n.cpuCapMips, m.ramMb / n.ramCapMb),
    createdRound: n.round,
  });
  n.cpuReservedMips += m.cpuMips;
  n.ramReservedMb += m.ramMb;
  n.records.set(key, { kind: RecordKind.Accepted, round: n.round });
  reply(n, fx, m, MsgType.Accept);
}

function onAccept(n: ConsolidationNode, m: Message, fx: Effects): void {
  if (!matches(n, m, 'offering')) return;
  const s = n.out!;
  // Escrow: the VM leaves our books now; it returns on Nack, and is gone for good on Done.
  const i = n.vms.indexOf(s.vm);
  if (i < 0) {
    n.out = null;
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
  fx.send(t);
}

function onTransfer(n: ConsolidationNode, m: Message, fx: Effects): void {
  const key = recordKey(m.from, m.re);
  const rec = n.records.get(key);
  if (rec?.kind === RecordKind.Committed) {
    reply(n, fx, m, MsgType.Done);
    return;
  }
  const r = n.reservations.get(key);
  if (r === undefined || r.vm !== m.vm || n.asleep) {
    n.records.set(key, { kind: RecordKind.Refused, round: n.round });
    reply(n, fx, m, MsgType.Nack);
    return;
  }
  n.reservations.delete(key);
  n.cpuReservedMips -= r.cpuMips;
  n.ramReservedMb -= r.ramMb;
  if (n.reservations.size === 0) {
    n.cpuReservedMips = 0;
    n.ramReservedMb = 0;
  }
  n.vms.push(m.vm);
  n.cpuUsedMips += m.cpuMips;
  n.ramUsedMb += m.ramMb;
  n.records.set(key, { kind: RecordKind.Committed, round: n.round });
  fx.migrated(m.vm, m.from, n.id);
  fx.rewarded(n.id, 'in', n.policy.learnIn(r.state, r.action, selfInput(n).state));
  reply(n, fx, m, MsgType.Done);
}

function onDone(n: ConsolidationNode, m: Message, fx: Effects): void {
  if (!matches(n, m, 'transferring')) return;
  const s = n.out!;
  const moved = s.moved + 1;
  const terminal = n.vms.length === 0;
  const next = selfInput(n).state;
  fx.rewarded(n.id, 'out', n.policy.learnOut(s.state, s.action, next, terminal));
  n.out = null;
  const max = n.options.maxMigrationsPerExchange;
  const goOn = !terminal && (max === 0 || moved < max) && (!s.overloadMode || isOverloaded(n));
  if (goOn) startOffering(n, s.peer, s.overloadMode, 0, fx, moved);
}

function restoreVm(n: ConsolidationNode, vm: number, cpuMips: number, ramMb: number): void {
  n.vms.push(vm);
  n.cpuUsedMips += cpuMips;
  n.ramUsedMb += ramMb;
}

/** Start of a workload step: re-read the demand of the VMs this PM hosts (its own hypervisor). */
export function onStepStart(n: ConsolidationNode): void {
  let cpu = 0;
  let ram = 0;
  for (const vm of n.vms) {
    cpu += n.sensor.cpuMips(vm);
    ram += n.sensor.ramMb(vm);
  }
  n.cpuUsedMips = cpu;
  n.ramUsedMb = ram;
  n.policy.observe?.(selfInput(n));
}
