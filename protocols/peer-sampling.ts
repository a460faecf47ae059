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

/** Sleepers a node remembers (`SleeperMemory`). */
export const SLEEPER_CAPACITY = 8;
/**
 * Int32 words of a sleeper memory: the filter's two words (read for every message, so first),
 * the ring's next slot, then the ring of ids.
 */
export const SLEEPER_WORDS = 3 + SLEEPER_CAPACITY;
const LO = 0;
const HI = 1;
const NEXT = 2;
const RING = 3;

/**
 * The few most recently learnt sleepers: wake candidates. A ring of `SLEEPER_CAPACITY` ids (−1:
 * free slot), overwritten oldest-first. Membership is asked about for every message and view
 * entry, so a 64-bit filter (bit `id & 63` set for every remembered id, as two 32-bit words)
 * answers most "no" at once; only a set bit costs a scan of the ring. It is `SLEEPER_WORDS`
 * Int32 words: this class's own, or (through the functions below) a region of its owner's buffer
 * (Cyclon keeps it beside its view, so a message's checks reach one buffer).
 */
export class SleeperMemory {
  private readonly buf = new Int32Array(SLEEPER_WORDS);

  constructor() {
    sleepersInit(this.buf, 0);
  }

  add(peer: number): void {
    sleepersAdd(this.buf, 0, peer);
  }

  remove(peer: number): void {
    sleepersRemove(this.buf, 0, peer);
  }

  has(peer: number): boolean {
    return sleepersHas(this.buf, 0, peer);
  }

  /** A uniformly chosen remembered sleeper, forgotten once picked; −1 if none. */
  pick(rng: Rng): number {
    return sleepersPick(this.buf, 0, rng);
  }
}

/*
 * The sleeper memory's operations on its words (buf from at), for owners that keep it in their
 * own buffer and call them directly: one object fewer to reach per message.
 */

/** An empty memory: no ids, the ring's next slot 0, no filter bits. */
export function sleepersInit(buf: Int32Array, at: number): void {
  buf.fill(-1, at + RING, at + RING + SLEEPER_CAPACITY);
  buf[at + NEXT] = 0;
  buf[at + LO] = 0;
  buf[at + HI] = 0;
}

export function sleepersHas(buf: Int32Array, at: number, peer: number): boolean {
  if (peer < 0) return false;
  const b = peer & 63;
  const word = b < 32 ? buf[at + LO]! >>> b : buf[at + HI]! >>> (b - 32);
  return (word & 1) !== 0 && ringIndexOf(buf, at, peer) >= 0;
}

export function sleepersAdd(buf: Int32Array, at: number, peer: number): void {
  if (sleepersHas(buf, at, peer)) return;
  const next = buf[at + NEXT]!;
  const evicted = buf[at + RING + next]!;
  buf[at + RING + next] = peer;
  buf[at + NEXT] = (next + 1) % SLEEPER_CAPACITY;
  if (evicted >= 0) refilter(buf, at);
  else setBit(buf, at, peer);
}

export function sleepersRemove(buf: Int32Array, at: number, peer: number): void {
  if (!sleepersHas(buf, at, peer)) return;
  buf[at + RING + ringIndexOf(buf, at, peer)] = -1;
  refilter(buf, at);
}

export function sleepersPick(buf: Int32Array, at: number, rng: Rng): number {
  const ring = at + RING;
  let known = 0;
  for (let i = ring; i < ring + SLEEPER_CAPACITY; i++) if (buf[i]! >= 0) known++;
  if (known === 0) return -1;
  let k = rng.int(known);
  for (let i = ring; i < ring + SLEEPER_CAPACITY; i++) {
    const s = buf[i]!;
    if (s >= 0 && k-- === 0) {
      buf[i] = -1;
      refilter(buf, at);
      return s;
    }
  }
  return -1;
}

function ringIndexOf(buf: Int32Array, at: number, peer: number): number {
  for (let i = 0; i < SLEEPER_CAPACITY; i++) if (buf[at + RING + i] === peer) return i;
  return -1;
}

function setBit(buf: Int32Array, at: number, peer: number): void {
  const b = peer & 63;
  if (b < 32) buf[at + LO] = buf[at + LO]! | (1 << b);
  else buf[at + HI] = buf[at + HI]! | (1 << (b - 32));
}

/** Rebuilds the filter after an id left the ring. */
function refilter(buf: Int32Array, at: number): void {
  buf[at + LO] = 0;
  buf[at + HI] = 0;
  for (let i = at + RING; i < at + RING + SLEEPER_CAPACITY; i++)
    if (buf[i]! >= 0) setBit(buf, at, buf[i]!);
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
