/**
 * The consolidation exchange's rules over one PM's own state (Khelghatdoust 2018, §4.4): when it
 * counts as overloaded, its load for the role rule, its decision input, the role rule itself and
 * πin with its hard RAM limit. Both ends of an exchange evaluate the same rules from their own
 * state and the other's load as carried by its message.
 */
import { pairOf } from '../src/model/levels.ts';
import type { DecisionInput } from '../src/policy/policy.ts';
import type { ConsolidationState } from './consolidation-state.ts';
import { MsgFlag, type Message } from './messages.ts';

/** CPU demand at or above `shedAboveCpu` of capacity, or RAM over capacity. */
export function isOverloaded(c: ConsolidationState): boolean {
  const n = c.node;
  return n.cpuUsedMips >= n.cpuCapMips * c.options.shedAboveCpu || n.ramUsedMb > n.ramCapMb;
}

/** Mean utilisation over resources, including reservations; ranks PMs for the sender role. */
export function loadOf(c: ConsolidationState): number {
  const n = c.node;
  return (
    ((n.cpuUsedMips + c.cpuReservedMips) / n.cpuCapMips +
      (n.ramUsedMb + c.ramReservedMb) / n.ramCapMb) /
    2
  );
}

/** The node's decision input: its state pair and utilisations, reservations included. */
export function selfInput(c: ConsolidationState): DecisionInput {
  const n = c.node;
  const cpuUtil = (n.cpuUsedMips + c.cpuReservedMips) / n.cpuCapMips;
  const ramUtil = (n.ramUsedMb + c.ramReservedMb) / n.ramCapMb;
  return { state: pairOf(cpuUtil, ramUtil), cpuUtil, ramUtil };
}

/** The node's state pair, reservations included (selfInput without the object). */
export function selfState(c: ConsolidationState): number {
  const n = c.node;
  return pairOf(
    (n.cpuUsedMips + c.cpuReservedMips) / n.cpuCapMips,
    (n.ramUsedMb + c.ramReservedMb) / n.ramCapMb,
  );
}

/**
 * Role rule: is this node the sender when it meets the author of probe `m`? An overloaded PM
 * always sends; an empty PM never does; otherwise the one doing less work (`senderBy: work`,
 * MIPS in use) or the less utilised one sends (it tries to empty itself and sleep); ties go to
 * the lower mean utilisation, then to the lower node id. Both sides evaluate the same rule.
 */
export function isSenderAgainst(c: ConsolidationState, m: Message): boolean {
  const n = c.node;
  const selfOver = isOverloaded(c);
  const otherOver = (m.flags & MsgFlag.Overloaded) !== 0;
  if (selfOver !== otherOver) return selfOver;
  if (n.vms.length === 0) return false;
  if (m.vmCount === 0) return true;
  if (c.options.senderBy === 'work') {
    const mips = n.cpuUsedMips + c.cpuReservedMips;
    if (mips !== m.cpuMips) return mips < m.cpuMips;
  }
  const mine = loadOf(c);
  const theirs = (m.cpuUtil + m.ramUtil) / 2;
  if (mine !== theirs) return mine < theirs;
  return n.id < m.from;
}

/**
 * Does the VM (demand `cpuMips`, `ramMb`) fit beside what the node holds and has reserved? RAM
 * is a hard limit; a rescued VM (offered by an overloaded PM) must also keep CPU strictly below
 * `rescueBelowCpu` of capacity. Returns 1 (fits, and rescue decides), 0 (does not fit) or −1
 * (fits; πin decides).
 */
export function fitOf(c: ConsolidationState, cpuMips: number, ramMb: number, rescue: boolean) {
  const n = c.node;
  if (n.ramUsedMb + c.ramReservedMb + ramMb > n.ramCapMb) return 0;
  const rescueBelow = c.options.rescueBelowCpu;
  if (rescue && rescueBelow > 0) {
    return n.cpuUsedMips + c.cpuReservedMips + cpuMips < rescueBelow * n.cpuCapMips ? 1 : 0;
  }
  return -1;
}

/** The key of an offer in reservations and records: (sender, offer seq). */
export function recordKey(from: number, seq: number): number {
  return from * 4294967296 + seq;
}
