/**
 * The ideal uniform peer sampler of gossip simulations (PeerSim's default, full membership),
 * restricted to the peers this node believes awake. Memory: one bit per node.
 */
import type { Rng } from '../src/core/rng.ts';
import { SleeperMemory, type PeerSampler, type ShuffleRequest } from './peer-sampling.ts';

/** Draws before giving up on finding a peer believed awake. */
const SELECT_TRIES = 8;

export class PeerSamplingUniform implements PeerSampler {
  /** Bit i set ⇔ peer i is believed asleep. */
  private readonly asleepBits: Uint8Array;
  private readonly sleepers = new SleeperMemory();

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
    return this.sleepers.pick(rng);
  }

  markAsleep(peer: number): void {
    this.asleepBits[peer >>> 3]! |= 1 << (peer & 7);
    this.sleepers.add(peer);
  }

  markAwake(peer: number): void {
    this.asleepBits[peer >>> 3]! &= ~(1 << (peer & 7));
    this.sleepers.remove(peer);
  }

  startShuffle(): ShuffleRequest | null {
    return null;
  }

  onShuffle(): number[] {
    return [];
  }

  onShuffleReply(): void {}
}
