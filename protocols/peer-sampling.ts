/**
 * Peer sampling: which peer a node gossips with. `PeerSamplingUniform` is the ideal uniform
 * sampler of gossip simulations (PeerSim's default) restricted to peers the node believes awake:
 * beliefs come only from the node's own traffic (an `Asleep` reply marks a peer asleep, any message
 * from a peer marks it awake), so no global knowledge leaks in.
 */
import type { Rng } from '../src/core/rng.ts';

export interface PeerSampler {
  /** A peer to gossip with, or -1 when the node knows no other node. */
  select(rng: Rng): number;
  /** A peer believed asleep, to wake; -1 when none is known. */
  pickSleeper(rng: Rng): number;
  markAsleep(peer: number): void;
  markAwake(peer: number): void;
}

/** How many recently learnt sleepers a node remembers as wake candidates. */
const SLEEPER_MEMORY = 8;
/** Draws before giving up on finding a peer believed awake. */
const SELECT_TRIES = 8;

export class PeerSamplingUniform implements PeerSampler {
  /** Bit i set ⇔ peer i is believed asleep. */
  private readonly asleepBits: Uint8Array;
  private readonly sleepers = new Int32Array(SLEEPER_MEMORY).fill(-1);
  private sleeperNext = 0;

  constructor(
    readonly self: number,
    readonly nodeCount: number,
  ) {
    this.asleepBits = new Uint8Array((nodeCount + 7) >>> 3);
  }

  isBelievedAsleep(peer: number): boolean {
    return (this.asleepBits[peer >>> 3]! & (1 << (peer & 7))) !== 0;
  }

  select(rng: Rng): number {
    const n = this.nodeCount;
    if (n < 2) return -1;
    let j = -1;
    for (let t = 0; t < SELECT_TRIES; t++) {
      j = rng.int(n - 1);
      if (j >= this.self) j++;
      if (!this.isBelievedAsleep(j)) return j;
    }
    return j;
  }

  pickSleeper(rng: Rng): number {
    let known = 0;
    for (const s of this.sleepers) if (s >= 0 && this.isBelievedAsleep(s)) known++;
    if (known === 0) return -1;
    let k = rng.int(known);
    for (let i = 0; i < SLEEPER_MEMORY; i++) {
      const s = this.sleepers[i]!;
      if (s >= 0 && this.isBelievedAsleep(s) && k-- === 0) {
        this.sleepers[i] = -1;
        return s;
      }
    }
    return -1;
  }

  markAsleep(peer: number): void {
    if (this.isBelievedAsleep(peer)) return;
    this.asleepBits[peer >>> 3]! |= 1 << (peer & 7);
    this.sleepers[this.sleeperNext] = peer;
    this.sleeperNext = (this.sleeperNext + 1) % SLEEPER_MEMORY;
  }

  markAwake(peer: number): void {
    this.asleepBits[peer >>> 3]! &= ~(1 << (peer & 7));
  }
}
