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

/** The few most recently learnt sleepers: wake candidates. */
export class SleeperMemory {
  private readonly ids: Int32Array;
  private next = 0;

  constructor(capacity = 8) {
    this.ids = new Int32Array(capacity).fill(-1);
  }

  add(peer: number): void {
    if (this.ids.includes(peer)) return;
    this.ids[this.next] = peer;
    this.next = (this.next + 1) % this.ids.length;
  }

  remove(peer: number): void {
    const i = this.ids.indexOf(peer);
    if (i >= 0) this.ids[i] = -1;
  }

  has(peer: number): boolean {
    return peer >= 0 && this.ids.includes(peer);
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
        return s;
      }
    }
    return -1;
  }
}
