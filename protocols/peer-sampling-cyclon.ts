/**
 * Cyclon peer sampling (Voulgaris, Gavidia & van Steen, J. Network Syst. Manage. 2005), the
 * sampler GLAP runs on: a partial view of `viewSize` (id, age) entries. Each round the node ages
 * its entries, removes the oldest peer Q and sends Q itself plus `shuffleLength − 1` random
 * entries; Q answers with `shuffleLength` of its own; both keep what they received, filling empty
 * slots first and then replacing the entries they sent. A sleeping Q answers Asleep instead, so
 * sleepers drop out of views while awake PMs keep circulating. Memory: O(viewSize) per node.
 */
import { z } from 'zod';
import { Int32Arena } from '../src/core/int32-arena.ts';
import type { Rng } from '../src/core/rng.ts';
import {
  SLEEPER_WORDS,
  sleepersAdd,
  sleepersHas,
  sleepersInit,
  sleepersPick,
  sleepersRemove,
  type PeerSampler,
  type ShuffleRequest,
} from './peer-sampling.ts';

/** Cyclon's options (config section `cyclon`), declared once with their defaults. */
export const CyclonOptionsSchema = z
  .object({
    /** Entries in the partial view (c). */
    viewSize: z.number().int().min(1).max(10_000).default(20),
    /** Entries exchanged per shuffle (l ≤ c). */
    shuffleLength: z.number().int().min(1).max(10_000).default(8),
    /**
     * Rounds between this node's shuffles. Every round, Cyclon's own rhythm: fresh views find
     * awake peers (once a step costs ~13 kWh on PlanetLab 20110303, compare/sweeps/s16, s17).
     */
    shuffleEveryRounds: z.number().int().min(1).max(1_000_000).default(1),
  })
  .strict();

export type CyclonOptions = z.output<typeof CyclonOptionsSchema>;

/** 32-bit words of a view's membership filter (a power of two: bit `id mod 256` of 256). */
const FILTER_WORDS = 8;

export class PeerSamplingCyclon implements PeerSampler {
  // The view is kept in typed-array words (few objects to reach per message, nothing allocated
  // per round): a region of an arena shared with the process's other nodes (src/core/int32-arena.ts),
  // holding in order the sleepers it remembers at `sleepersAt` (peer-sampling.ts, SleeperMemory's
  // layout), a 256-bit filter of the view's ids at `filterAt`, the ids from `ids` (viewSize of
  // them), their ages from `age`, the ids sent in the pending shuffle from `sentAt`, and the view
  // indices drawn by `sample` from `pickedAt` (for a sent entry: where it was when sent). Order
  // matters (random draws index into the view), so additions append and removals move the last
  // entry into the hole.
  private readonly buf: Int32Array;
  private readonly ids: number;
  private readonly age: number;
  private readonly sentAt: number;
  private readonly pickedAt: number;
  private readonly filterAt: number;
  private readonly sleepersAt: number;
  /** Entries in the view. */
  private size = 0;
  /** Entries sent in the pending shuffle: replaced first (last one first) by what comes back. */
  private sentCount = 0;
  /** Rounds seen, to shuffle every `shuffleEveryRounds`. */
  private rounds = 0;

  /**
   * `bootstrap`: initial neighbours (e.g. drawn at random when the node joins); `arena`: where
   * its words live (absent: a buffer of its own).
   */
  constructor(
    readonly self: number,
    private readonly o: CyclonOptions,
    bootstrap: readonly number[],
    arena?: Int32Arena,
  ) {
    const words = 4 * o.viewSize + FILTER_WORDS + SLEEPER_WORDS;
    const region = arena ? arena.take(words) : Int32Arena.single(words);
    this.buf = region.buf;
    // The two filters first: every message's first look at the view (is its sender a sleeper
    // I remember, or in my view?) reads them, side by side.
    this.sleepersAt = region.at;
    this.filterAt = this.sleepersAt + SLEEPER_WORDS;
    this.ids = this.filterAt + FILTER_WORDS;
    this.age = this.ids + o.viewSize;
    this.sentAt = this.ids + 2 * o.viewSize;
    this.pickedAt = this.ids + 3 * o.viewSize;
    sleepersInit(this.buf, this.sleepersAt);
    for (const id of bootstrap)
      if (id !== self && !this.has(id) && this.size < o.viewSize) this.add(id, 0);
  }

  /** Current view, for tests and diagnostics (a copy). */
  view(): readonly number[] {
    return Array.from(this.buf.subarray(this.ids, this.ids + this.size));
  }

  select(rng: Rng): number {
    return this.size === 0 ? -1 : this.buf[this.ids + rng.int(this.size)]!;
  }

  pickSleeper(rng: Rng): number {
    return sleepersPick(this.buf, this.sleepersAt, rng);
  }

  markAsleep(peer: number): void {
    const i = this.indexOf(peer);
    if (i >= 0) this.removeAt(i);
    sleepersAdd(this.buf, this.sleepersAt, peer);
  }

  markAwake(peer: number): void {
    sleepersRemove(this.buf, this.sleepersAt, peer);
    if (peer !== this.self && this.size < this.o.viewSize && !this.has(peer)) this.add(peer, 0);
  }

  startShuffle(rng: Rng): ShuffleRequest | null {
    const every = this.o.shuffleEveryRounds;
    if (every > 1 && this.rounds++ % every !== 0) return null;
    const size = this.size;
    if (size === 0) return null;
    const buf = this.buf;
    const ids = this.ids;
    const age = this.age;
    // Age every entry and find the oldest (first of equals) in one pass.
    let oldest = 0;
    for (let i = 0; i < size; i++) if (++buf[age + i]! > buf[age + oldest]!) oldest = i;
    const q = buf[ids + oldest]!;
    this.removeAt(oldest);
    const n = this.sample(this.o.shuffleLength - 1, rng);
    const entries: number[] = [];
    entries.push(this.self, 0);
    for (let j = 0; j < n; j++) {
      const i = buf[this.pickedAt + j]!;
      buf[this.sentAt + j] = buf[ids + i]!;
      entries.push(buf[ids + i]!, buf[age + i]!);
    }
    this.sentCount = n;
    return { to: q, entries };
  }

  onShuffle(_from: number, entries: readonly number[], rng: Rng): number[] {
    const n = this.sample(this.o.shuffleLength, rng);
    const buf = this.buf;
    const reply: number[] = [];
    for (let j = 0; j < n; j++) {
      const i = buf[this.pickedAt + j]!;
      buf[this.sentAt + j] = buf[this.ids + i]!;
      reply.push(buf[this.ids + i]!, buf[this.age + i]!);
    }
    this.sentCount = n;
    this.merge(entries);
    this.sentCount = 0;
    return reply;
  }

  onShuffleReply(_from: number, entries: readonly number[]): void {
    this.merge(entries);
    this.sentCount = 0;
  }

  /** Keeps received entries: skip self and known ids, fill free slots, then replace sent entries. */
  private merge(entries: readonly number[]): void {
    const viewSize = this.o.viewSize;
    const buf = this.buf;
    for (let k = 0; k + 1 < entries.length; k += 2) {
      const id = entries[k]!;
      const age = entries[k + 1]!;
      if (id === this.self || this.has(id) || sleepersHas(this.buf, this.sleepersAt, id)) continue;
      if (this.size < viewSize) {
        this.add(id, age);
        continue;
      }
      if (this.sentCount === 0) continue;
      const j = --this.sentCount;
      const victim = this.find(buf[this.sentAt + j]!, buf[this.pickedAt + j]!);
      if (victim >= 0) {
        buf[this.ids + victim] = id;
        buf[this.age + victim] = age;
        this.setBit(id);
      }
    }
  }

  /**
   * `k` distinct random indices into the view (partial Fisher–Yates), left at `pickedAt`;
   * returns n = min(k, size). Same draws, in the same order, as shuffling a fresh
   * [0, 1, …, size − 1] array.
   */
  private sample(k: number, rng: Rng): number {
    const size = this.size;
    const idx = this.buf;
    const at = this.pickedAt;
    for (let i = 0; i < size; i++) idx[at + i] = i;
    const n = Math.min(k, size);
    for (let i = 0; i < n; i++) {
      const j = at + i + rng.int(size - i);
      const t = idx[at + i]!;
      idx[at + i] = idx[j]!;
      idx[j] = t;
    }
    return n;
  }

  /** Is `id` in the view? The filter answers most "no"s without a scan. */
  private has(id: number): boolean {
    return (this.buf[this.filterAt + ((id >>> 5) & (FILTER_WORDS - 1))]! & (1 << id)) !== 0
      ? this.indexOf(id) >= 0
      : false;
  }

  /** Position of `id`, looked for first at `hint` (where it was when sampled). */
  private find(id: number, hint: number): number {
    return hint < this.size && this.buf[this.ids + hint] === id ? hint : this.indexOf(id);
  }

  /** Position of `id` in the view, or -1 (a plain loop: cheaper than TypedArray#indexOf here). */
  private indexOf(id: number): number {
    const buf = this.buf;
    const ids = this.ids;
    for (let i = 0, n = this.size; i < n; i++) if (buf[ids + i] === id) return i;
    return -1;
  }

  private add(id: number, age: number): void {
    this.buf[this.ids + this.size] = id;
    this.buf[this.age + this.size] = age;
    this.size++;
    this.setBit(id);
  }

  /** Sets `id`'s filter bit. A bit may outlive its id (a superset is enough): rebuilt on removals. */
  private setBit(id: number): void {
    this.buf[this.filterAt + ((id >>> 5) & (FILTER_WORDS - 1))]! |= 1 << id;
  }

  private removeAt(i: number): void {
    const buf = this.buf;
    const ids = this.ids;
    const last = --this.size;
    buf[ids + i] = buf[ids + last]!;
    buf[this.age + i] = buf[this.age + last]!;
    buf.fill(0, this.filterAt, this.filterAt + FILTER_WORDS);
    for (let k = 0; k < last; k++) this.setBit(buf[ids + k]!);
  }
}
