/**
 * The wire format of every protocol of the stack. Message type numbers are part of the protocol:
 * the list is append-only, and every message carries PROTOCOL_VERSION (memberlist's net.go rule).
 * Each protocol owns a range of types and handles them as its own discriminated union (`Msg`):
 * Consolidation 1–11, PeerSamplingCyclon 12–13, GlapAveraging 14–17. `Asleep` (4) is a sleeping
 * PM's answer to any request: any protocol may send it; Consolidation owns it, since only its
 * probing session waits on one. All messages share one flat shape on the wire and in memory
 * (unused fields are 0 / -1 / null), so the hot path stays monomorphic and a message is one
 * small object; the per-protocol unions are views of it whose required fields the codec checks.
 */

/**
 * 3: GLAP's Merge and MergeReply carry each table row's entries that are not +0 in `rows` (2: whole
 * rows; 1: the whole tables in `data`).
 */
export const PROTOCOL_VERSION = 3;

export const MsgType = {
  /** Initiator → peer: my load; let us decide who sends. */
  Probe: 1,
  /** Peer → initiator: you are the sender; offer me VMs. Carries the peer's load. */
  Invite: 2,
  /** Peer → initiator: no exchange now (busy sending, or nothing to send). */
  Decline: 3,
  /** A sleeping PM's management controller → initiator: I am asleep. */
  Asleep: 4,
  /** Overloaded PM → sleeping PM: wake up and take my VMs (answered like a Probe). */
  Wake: 5,
  /** Sender → recipient: take this VM (id, CPU in MIPS, RAM in MB)? */
  Offer: 6,
  /** Recipient → sender: accepted; its RAM is reserved for you. */
  Accept: 7,
  /** Recipient → sender: rejected (by φin, RAM, or because it is sending itself). */
  Reject: 8,
  /** Sender → recipient: the VM itself; commit it against your reservation. */
  Transfer: 9,
  /** Recipient → sender: committed; the VM is mine now. */
  Done: 10,
  /** Recipient → sender: transfer refused (reservation expired); the VM stays yours. */
  Nack: 11,
  /** Cyclon shuffle request carrying view entries. */
  Shuffle: 12,
  /** Cyclon shuffle reply carrying view entries. */
  ShuffleReply: 13,
  /** GLAP learning mode: send me your VMs' profiles (to train on locally). */
  ProfileRequest: 14,
  /** Reply to ProfileRequest; `data` = [cpuCapMips, ramCapMb, cpu0, ram0, cpu1, ram1, …]. */
  Profile: 15,
  /** GLAP: my Q-tables (`rows`); reply with yours, then we both keep the mean. */
  Merge: 16,
  /** Reply to Merge with the recipient's tables as they were before averaging. */
  MergeReply: 17,
} as const;

export type MsgTypeCode = (typeof MsgType)[keyof typeof MsgType];

export const MSG_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(MsgType).map(([k, v]) => [v, k]),
);

/** Flag bits in `Message.flags`. */
export const MsgFlag = {
  /** The sending PM is overloaded (some resource at or above capacity). */
  Overloaded: 1,
} as const;

export interface Message {
  /** Protocol version (PROTOCOL_VERSION). */
  v: number;
  type: MsgTypeCode;
  from: number;
  to: number;
  /** Sender's sequence number, strictly increasing per sender; retransmissions reuse it. */
  seq: number;
  /** For a reply: the `seq` of the request it answers; 0 otherwise. */
  re: number;
  /** Offer / Transfer: VM id; -1 otherwise. */
  vm: number;
  /** Offer / Transfer: the VM's CPU demand in MIPS. */
  cpuMips: number;
  /** Offer / Transfer: the VM's RAM in MB. */
  ramMb: number;
  /** Probe / Invite / Wake: sender's CPU utilisation (0..1+). */
  cpuUtil: number;
  /** Probe / Invite / Wake: sender's RAM utilisation (0..1). */
  ramUtil: number;
  /** Probe / Invite / Wake: number of VMs the sender holds. */
  vmCount: number;
  /** MsgFlag bits. */
  flags: number;
  /** Shuffle / ShuffleReply: node ids of the view entries sent; null otherwise. */
  peers: number[] | null;
  /** Profile: numeric payload (see the type); null otherwise. */
  data: number[] | null;
  /**
   * Merge / MergeReply: the sender's Q-tables as the entries that are not +0 of each row, in key
   * order, each row as [key, n, a1, q1 … an, qn], key = state for φout, 81 + state for φin,
   * actions increasing; an entry or row left out is +0 (q-table.ts `writeRows`, checked by
   * `isTableRows`). Float32 in memory, numbers on the wire.
   */
  rows: Float32Array | null;
}

/**
 * A message of type `T` as its owning protocol sees it: `Req` are the fields that type always
 * carries (non-null), which the codec checks at the edge and `message()` callers fill in.
 */
export type Msg<T extends MsgTypeCode, Req extends 'peers' | 'data' | 'rows' = never> = Message & {
  readonly type: T;
} & { [K in Req]: NonNullable<Message[K]> };

export function message(type: MsgTypeCode, from: number, to: number, seq: number, re = 0): Message {
  return {
    v: PROTOCOL_VERSION,
    type,
    from,
    to,
    seq,
    re,
    vm: -1,
    cpuMips: 0,
    ramMb: 0,
    cpuUtil: 0,
    ramUtil: 0,
    vmCount: 0,
    flags: 0,
    peers: null,
    data: null,
    rows: null,
  };
}

export function describeMessage(m: Message): string {
  const name = MSG_TYPE_NAMES[m.type] ?? `type${m.type}`;
  const vm = m.vm >= 0 ? ` vm=${m.vm}` : '';
  return `${name} ${m.from}→${m.to} seq=${m.seq}${m.re ? ` re=${m.re}` : ''}${vm}`;
}
