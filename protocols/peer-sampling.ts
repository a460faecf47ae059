/**
 * Peer sampling: which peer a node gossips with, and which sleeping peer it may wake. Beliefs come
 * only from the node's own traffic (an `Asleep` reply marks a peer asleep, any other message from
 * a peer marks it awake), so no global knowledge leaks in. Samplers that gossip themselves (Cyclon)
 * exchange view entries through the protocol's Shuffle messages.
 */
import type { Rng } from '../src/core/rng.ts';

export interface ShuffleRequest {
  to: number;
  /** View entries to send, flattened as [id, age, id, age, …]. */
  entries: number[];
}

export interface PeerSampler {
  /** A peer to gossip with, or -1 when the node knows no other node. */
  select(rng: Rng): number;
  /** A peer believed asleep, to wake; -1 when none is known. */
  pickSleeper(rng: Rng): number;
  markAsleep(peer: number): void;
  markAwake(peer: number): void;
  /** Start of a round: the view shuffle to send, if this sampler gossips (Cyclon); else null. */
  startShuffle(rng: Rng): ShuffleRequest | null;
  /** A peer's shuffle arrived: merge its entries, return ours for the reply. */
  onShuffle(from: number, entries: readonly number[], rng: Rng): number[];
  /** The reply to our shuffle arrived: merge its entries. */
  onShuffleReply(from: number, entries: readonly number[]): void;
}

/**
 * The few most recently learnt sleepers: wake candidates. A ring of `capacity` ids (-1: free
 * slot), overwritten oldest-first. Membership is asked about for every message and view entry,
 * so a 64-bit filter (bit `id & 63` set for every remembered id, as two 32-bit words) answers most
 * "no" at once; only a set bit costs a scan of the ring.
 */
export class SleeperMemory {
  private readonly ids: Int32Array;
  private next = 0;
  /** Filter bits of the remembered ids: ids 0..31 mod 64 in `lo`, 32..63 in `hi`. */
  private lo = 0;
  private hi = 0;

  constructor(capacity = 8) {
    this.ids = new Int32Array(capacity).fill(-1);
  }

  /** Might `peer` (≥ 0) be remembered? False means certainly not. */
  private mayHave(peer: number): boolean {
    const b = peer & 63;
    return ((b < 32 ? this.lo >>> b : this.hi >>> (b - 32)) & 1) !== 0;
  }

  /** Rebuilds the filter after an id left the ring. */
  private refilter(): void {
    this.lo = 0;
    this.hi = 0;
    const ids = this.ids;
    for (let i = 0; i < ids.length; i++) if (ids[i]! >= 0) this.setBit(ids[i]!);
  }

  private setBit(peer: number): void {
    const b = peer & 63;
    if (b < 32) this.lo |= 1 << b;
    else this.hi |= 1 << (b - 32);
  }

  private indexOf(peer: number): number {
    const ids = this.ids;
    for (let i = 0; i < ids.length; i++) if (ids[i] === peer) return i;
    return -1;
  }

  add(peer: number): void {
    if (this.has(peer)) return;
    const evicted = this.ids[this.next]!;
    this.ids[this.next] = peer;
    this.next = (this.next + 1) % this.ids.length;
    if (evicted >= 0) this.refilter();
    else this.setBit(peer);
  }

  remove(peer: number): void {
    if (!this.has(peer)) return;
    this.ids[this.indexOf(peer)] = -1;
    this.refilter();
  }

  has(peer: number): boolean {
    return peer >= 0 && this.mayHave(peer) && this.indexOf(peer) >= 0;
  }

  /** A uniformly chosen remembered sleeper, forgotten once picked; -1 if none. */
  pick(rng: Rng): number {
    let known = 0;
    for (const s of this.ids) if (s >= 0) known++;
    if (known === 0) return -1;
    let k = rng.int(known);
    for (let i = 0; i < this.ids.length; i++) {
      const s = this.ids[i]!;
      if (s >= 0 && k-- === 0) {
        this.ids[i] = -1;
        this.refilter();
        return s;
      }
    }
    return -1;
  }
}

/**
 * A sampler that knows one peer and no sleeper, and does not gossip: the view of the simulated
 * PMs of GLAP's local training, and of hand-built exchanges in tests.
 */
export function fixedPeer(peer: number): PeerSampler {
  return {
    select: () => peer,
    pickSleeper: () => -1,
    markAsleep() {},
    markAwake() {},
    startShuffle: () => null,
    onShuffle: () => [],
    onShuffleReply() {},
  };
}
