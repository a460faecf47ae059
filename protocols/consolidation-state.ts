/**
 * The consolidation exchange's own state on one PM: its open outgoing session, the reservations
 * it holds for incoming VMs, the answers it gave to offers, and how long it has been overloaded.
 * Decisions carry tokens: each πout choice and πin acceptance gets the next of the node's tokens,
 * kept with its session or reservation, and the reward that follows names it, so a policy credits
 * exactly that decision (nodes/pm-agent.ts carries the learning requests out).
 */
import type { NodePolicy } from '../src/policy/policy.ts';
import type { ConsolidationOptions } from './consolidation-options.ts';
import type { Message } from './messages.ts';
import type { PeerSampler } from './peer-sampling.ts';
import type { PmNode } from './pm-node.ts';

export interface OutSession {
  /** probing: Probe/Wake sent; offering: Offer sent; transferring: VM in escrow, Transfer sent. */
  phase: 'probing' | 'offering' | 'transferring';
  peer: number;
  /** The last request sent (retransmitted verbatim on timeout). */
  last: Message;
  /** Round in which `last` was (re)sent. */
  sentRound: number;
  retries: number;
  vm: number;
  vmCpuMips: number;
  vmRamMb: number;
  /** Sender's state pair when it chose the VM, and the VM's action pair (for φout's update). */
  state: number;
  action: number;
  /** The πout decision's token (0: none yet). */
  token: number;
  /** Sending to shed an overload: stop as soon as the PM is no longer overloaded. */
  overloadMode: boolean;
  /** VMs this session has moved so far. */
  moved: number;
}

export interface Reservation {
  vm: number;
  cpuMips: number;
  ramMb: number;
  /** Recipient's state pair when it decided, and the VM's action pair (for φin's update). */
  state: number;
  action: number;
  /** The πin decision's token (0: a rescue, which no policy decided). */
  token: number;
  createdRound: number;
}

export const RecordKind = {
  Accepted: 1,
  Rejected: 2,
  Committed: 3,
  Refused: 4,
} as const;

export type RecordKindCode = (typeof RecordKind)[keyof typeof RecordKind];

/**
 * An answer given to an offer: its kind and the round it was given, packed in one small integer
 * (round × 8 + kind), so that a PM's records are a Map of numbers, with no object per answer (a
 * PM keeps the answers of the last `recordTtlRounds` rounds, dozens of them).
 */
export type DecisionRecord = number;

export function decisionRecord(kind: RecordKindCode, round: number): DecisionRecord {
  return round * 8 + kind;
}

export function recordKind(r: DecisionRecord): RecordKindCode {
  return (r & 7) as RecordKindCode;
}

export function recordRound(r: DecisionRecord): number {
  return Math.floor(r / 8);
}

export interface ConsolidationState {
  /** The PM (shared with the other protocols of its stack). */
  readonly node: PmNode;
  readonly policy: NodePolicy;
  /** `policy.gossips`, kept here: every awake PM reads it every round, and its policy is elsewhere. */
  readonly gossips: boolean;
  /** The node's peer sampler (a service of the stack's lower layer). */
  readonly sampler: PeerSampler;
  readonly options: ConsolidationOptions;
  /** Σ over open reservations, in MIPS and MB. */
  cpuReservedMips: number;
  ramReservedMb: number;
  /** Consecutive rounds ended overloaded. */
  stuckRounds: number;
  /** Woken, still coming up (options.wakeRounds): the round it is up in; 0 when up. */
  upAtRound: number;
  /** The Wake a PM coming up answers once up. */
  pendingWake: Message | null;
  out: OutSession | null;
  /** A completed sending session to continue (raised by onDone, taken by the continuation). */
  resume: OutSession | null;
  /** Open reservations keyed by (sender, offer seq). */
  reservations: Map<number, Reservation>;
  /**
   * `reservations.size`, stored again after each change to the Map: the checks every round
   * makes on every awake PM read this field instead of reaching the Map (on large fleets, two
   * cache misses per PM and round).
   */
  reserved: number;
  /** Answers given to offers, keyed by (sender, offer seq). */
  records: Map<number, DecisionRecord>;
  /** Last decision token handed out; strictly increasing. */
  tokens: number;
}

/** A node's consolidation state at the start of a run: no sessions, reservations or records. */
export function createConsolidation(
  node: PmNode,
  policy: NodePolicy,
  sampler: PeerSampler,
  options: ConsolidationOptions,
): ConsolidationState {
  return {
    node,
    policy,
    gossips: policy.gossips,
    sampler,
    options,
    cpuReservedMips: 0,
    ramReservedMb: 0,
    stuckRounds: 0,
    upAtRound: 0,
    pendingWake: null,
    out: null,
    resume: null,
    reservations: new Map(),
    reserved: 0,
    records: new Map(),
    tokens: 0,
  };
}
