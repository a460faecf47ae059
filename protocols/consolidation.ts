/**
 * The Consolidation protocol of a PM's stack (Khelghatdoust 2018, §4.4): its step routes the
 * exchange's messages (types 1–11, protocols/consolidation-exchange.ts has the handshake) and
 * runs its part of the node's lifecycle: timers at round start (retransmit, expire, abandon),
 * at most one new exchange per round, sleep when empty at round end, and the policy's view of
 * the new demand at each step start. Pure: state and event in, effects out.
 */
import { pairOf } from '../src/model/levels.ts';
import type { ConsolidationState } from './consolidation-state.ts';
import { RecordKind, decisionRecord, recordRound } from './consolidation-state.ts';
import { isOverloaded } from './consolidation-rules.ts';
import {
  CONTINUE_OFFERING,
  continueOffering,
  copyOf,
  endTransfer,
  matches,
  onAccept,
  onDone,
  onNack,
  onOffer,
  onProbe,
  onTransfer,
  startOffering,
  startProbe,
} from './consolidation-exchange.ts';
import { MsgType, type Msg } from './messages.ts';
import { Lifecycle, isTick, type NodeTick, type Out, type Protocol } from './protocol.ts';
import { createConsolidation } from './consolidation-state.ts';

/** The messages Consolidation owns. */
export type ConsolidationMessage = Msg<
  | typeof MsgType.Probe
  | typeof MsgType.Invite
  | typeof MsgType.Decline
  | typeof MsgType.Asleep
  | typeof MsgType.Wake
  | typeof MsgType.Offer
  | typeof MsgType.Accept
  | typeof MsgType.Reject
  | typeof MsgType.Transfer
  | typeof MsgType.Done
  | typeof MsgType.Nack
>;

export const CONSOLIDATION: Protocol<ConsolidationState, ConsolidationMessage> = {
  name: 'consolidation',
  types: [
    MsgType.Probe,
    MsgType.Invite,
    MsgType.Decline,
    MsgType.Asleep,
    MsgType.Wake,
    MsgType.Offer,
    MsgType.Accept,
    MsgType.Reject,
    MsgType.Transfer,
    MsgType.Done,
    MsgType.Nack,
  ],
  carries: { [MsgType.Offer]: 'vm', [MsgType.Transfer]: 'vm' },
  init: (ctx) => createConsolidation(ctx.node, ctx.policy, ctx.sampler, ctx.options),
  step(c, ev, out) {
    if (isTick(ev)) return onTick(c, ev, out);
    switch (ev.type) {
      case MsgType.Probe:
      case MsgType.Wake:
        return onProbe(c, ev, out);
      case MsgType.Invite:
        if (matches(c, ev, 'probing')) {
          c.out = null;
          startOffering(c, ev.from, isOverloaded(c), 0, out);
        }
        return;
      case MsgType.Decline:
      case MsgType.Asleep:
        if (matches(c, ev, 'probing')) c.out = null;
        return;
      case MsgType.Offer:
        return onOffer(c, ev, out);
      case MsgType.Accept:
        return onAccept(c, ev, out);
      case MsgType.Reject:
        if (matches(c, ev, 'offering')) {
          out.forget(c.out!.token);
          c.out = null;
        }
        return;
      case MsgType.Transfer:
        return onTransfer(c, ev, out);
      case MsgType.Done:
        return onDone(c, ev, out);
      case MsgType.Nack:
        return onNack(c, ev, out);
    }
  },
};

function onTick(c: ConsolidationState, ev: NodeTick, out: Out): void {
  switch (ev.type) {
    case Lifecycle.StepStart:
      return onStepStart(c, out);
    case Lifecycle.RoundStart:
      return onRoundStart(c, out);
    case Lifecycle.RoundInitiate:
      return onRoundInitiate(c, out);
    case Lifecycle.RoundEnd:
      return onRoundEnd(c, out);
    case CONTINUE_OFFERING.type:
      return continueOffering(c, out);
  }
}

/** Step start (the node has read its VMs' new demand): the policy may learn from its state. */
function onStepStart(c: ConsolidationState, out: Out): void {
  const n = c.node;
  const cpuUtil = (n.cpuUsedMips + c.cpuReservedMips) / n.cpuCapMips;
  const ramUtil = (n.ramUsedMb + c.ramReservedMb) / n.ramCapMb;
  out.observe(pairOf(cpuUtil, ramUtil), cpuUtil, ramUtil);
}

/**
 * Round start: expire reservations, then the open session's timer. A session still waiting, or
 * one retransmitting, holds the node's initiative for this round (no shuffle, no new exchange);
 * so does a policy that never gossips.
 */
function onRoundStart(c: ConsolidationState, out: Out): void {
  const n = c.node;
  if (n.asleep) return;
  const round = n.round;
  if (c.upAtRound > 0) {
    if (round < c.upAtRound) {
      out.held = true; // still coming up: no exchange, no shuffle
      return;
    }
    c.upAtRound = 0;
    const wake = c.pendingWake!;
    c.pendingWake = null;
    onProbe(c, wake, out); // up: answer the Wake now
  }
  expireReservations(c, out);
  if ((round & 63) === 0) pruneRecords(c);
  const s = c.out;
  if (s !== null) {
    // A woken PM answers only once up: its waker waits that much longer.
    const patience =
      s.phase === 'probing' && s.last.type === MsgType.Wake
        ? c.options.retryAfterRounds + c.options.wakeRounds
        : c.options.retryAfterRounds;
    if (round - s.sentRound < patience) {
      out.held = true;
      return;
    }
    switch (s.phase) {
      case 'probing':
        c.out = null; // an unanswered probe costs nothing to abandon
        break;
      case 'offering':
        if (s.retries < c.options.maxOfferRetries) {
          s.retries++;
          s.sentRound = round;
          out.send(copyOf(s.last));
          out.held = true;
          return;
        }
        c.out = null; // the VM never left: abandoning is safe; any reservation expires
        out.forget(s.token);
        break;
      case 'transferring': {
        // The VM is in escrow: only Done or Nack may resolve it, so keep asking. Where PMs can
        // crash, a recipient silent for maxOfferRetries retransmissions may be gone: then the
        // hypervisor says whether the migration switched over (the VM left: the session ends)
        // or not (the VM is taken back, as on Nack). No Transfer is in flight at a round's
        // start, so a late commit cannot follow.
        if (n.sensor.runsHere !== undefined && s.retries >= c.options.maxOfferRetries) {
          endTransfer(c, s, out);
          break;
        }
        s.retries++;
        s.sentRound = round;
        out.send(copyOf(s.last));
        out.held = true;
        return;
      }
    }
  }
  if (!c.gossips) out.held = true;
}

/** At most one new exchange: a Wake when stuck overloaded, else a Probe on this PM's turn. */
function onRoundInitiate(c: ConsolidationState, out: Out): void {
  const n = c.node;
  if (n.vms.length === 0) return; // nothing to offer, nothing to ask for: it will sleep
  if (isOverloaded(c) && c.stuckRounds >= c.options.wakeAfterStuckRounds) {
    const sleeper = c.sampler.pickSleeper(n.rng);
    if (sleeper >= 0) {
      startProbe(c, sleeper, MsgType.Wake, out);
      return;
    }
  }
  const every = c.options.probeEveryRounds;
  if (every > 1 && (n.round + n.id) % every !== 0 && !isOverloaded(c)) return;
  const peer = c.sampler.select(n.rng);
  if (peer >= 0) startProbe(c, peer, MsgType.Probe, out);
}

/** Round end: an empty, idle PM goes to sleep; track how long it stays overloaded. */
function onRoundEnd(c: ConsolidationState, out: Out): void {
  const n = c.node;
  if (n.asleep) return;
  c.stuckRounds = isOverloaded(c) ? c.stuckRounds + 1 : 0;
  if (n.vms.length === 0 && c.out === null && c.reserved === 0 && c.upAtRound === 0) {
    n.asleep = true;
    c.stuckRounds = 0;
    out.slept();
  }
}

function expireReservations(c: ConsolidationState, out: Out): void {
  if (c.reserved === 0) return;
  const round = c.node.round;
  for (const [key, r] of c.reservations) {
    if (round - r.createdRound >= c.options.reservationTtlRounds) {
      c.reservations.delete(key);
      c.reserved = c.reservations.size;
      c.cpuReservedMips -= r.cpuMips;
      c.ramReservedMb -= r.ramMb;
      c.records.set(key, decisionRecord(RecordKind.Refused, round));
      if (r.token !== 0) out.forget(r.token);
    }
  }
  if (c.reserved === 0) {
    // Exact zero: sums of floats must not drift.
    c.cpuReservedMips = 0;
    c.ramReservedMb = 0;
  }
}

function pruneRecords(c: ConsolidationState): void {
  const round = c.node.round;
  for (const [key, r] of c.records) {
    if (round - recordRound(r) > c.options.recordTtlRounds && !c.reservations.has(key))
      c.records.delete(key);
  }
}
