/**
 * The state one PM agent keeps for the consolidation protocol, and the effects its handlers emit.
 * Everything here is the node's own: its capacity, its VMs, its sessions, its policy and its own
 * random stream. The only window on the world is `sensor` (its hypervisor's readings of the VMs
 * it hosts) and the messages it receives.
 */
import type { Rng } from '../src/core/rng.ts';
import type { NodePolicy } from '../src/policy/policy.ts';
import type { Message } from './messages.ts';
import type { PeerSampler } from './peer-sampling.ts';
import type { ConsolidationOptions } from './consolidation-options.ts';

/** The hypervisor's current readings for VMs hosted on this PM. */
export interface VmSensor {
  /** Current CPU demand of a hosted VM, in MIPS. */
  cpuMips(vm: number): number;
  /** RAM of a hosted VM, in MB. */
  ramMb(vm: number): number;
}

/** Effects of protocol handlers, executed by the node's host (transport, event observers). */
export interface Effects {
  send(msg: Message): void;
  /** A VM's ownership moved: emitted once, by the recipient, when it commits. */
  migrated(vm: number, from: number, to: number): void;
  slept(node: number): void;
  woke(node: number): void;
  /** A learning reward was received (for reward statistics). */
  rewarded(node: number, role: 'out' | 'in', reward: number): void;
  /** A message was dropped as invalid (wrong version or unknown type); null when only counted. */
  rejected(node: number, msg: Message | null): void;
  /** The node started a gossip exchange (sent a Probe or a Wake). */
  exchangeStarted(node: number): void;
}

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
  createdRound: number;
}

export const RecordKind = {
  Accepted: 1,
  Rejected: 2,
  Committed: 3,
  Refused: 4,
} as const;

export interface DecisionRecord {
  kind: (typeof RecordKind)[keyof typeof RecordKind];
  round: number;
}

export interface ConsolidationNode {
  readonly id: number;
  /** CPU capacity, in MIPS (cores × MIPS per core). */
  readonly cpuCapMips: number;
  /** RAM capacity, in MB. */
  readonly ramCapMb: number;
  readonly policy: NodePolicy;
  readonly sampler: PeerSampler;
  readonly rng: Rng;
  readonly sensor: VmSensor;
  readonly options: ConsolidationOptions;

  /** VMs this PM owns (escrowed outgoing VMs excluded). */
  vms: number[];
  /** Σ CPU demand of `vms`, in MIPS. */
  cpuUsedMips: number;
  /** Σ RAM of `vms`, in MB. */
  ramUsedMb: number;
  /** Σ over open reservations, in MIPS and MB. */
  cpuReservedMips: number;
  ramReservedMb: number;
  asleep: boolean;
  /** Last sequence number used; strictly increasing. */
  seq: number;
  round: number;
  /** Consecutive rounds ended overloaded. */
  stuckRounds: number;
  out: OutSession | null;
  /** Open reservations keyed by (sender, offer seq). */
  reservations: Map<number, Reservation>;
  /** Answers given to offers, keyed by (sender, offer seq). */
  records: Map<number, DecisionRecord>;
}

/** What defines a node before it runs: its identity, capacity, ports, and initial VMs. */
export type NodeInit = Pick<
  ConsolidationNode,
  | 'id'
  | 'cpuCapMips'
  | 'ramCapMb'
  | 'policy'
  | 'sampler'
  | 'rng'
  | 'sensor'
  | 'options'
  | 'vms'
  | 'asleep'
>;

/** A node's protocol state at the start of a run: no sessions, reservations or records. */
export function createNode(init: NodeInit): ConsolidationNode {
  return {
    ...init,
    vms: [...init.vms],
    cpuUsedMips: 0,
    ramUsedMb: 0,
    cpuReservedMips: 0,
    ramReservedMb: 0,
    seq: 0,
    round: 0,
    stuckRounds: 0,
    out: null,
    reservations: new Map(),
    records: new Map(),
  };
}
