/**
 * Cyclon peer sampling (Voulgaris, Gavidia & van Steen, J. Network Syst. Manage. 2005), the
 * sampler GLAP runs on: a partial view of `viewSize` (id, age) entries. Each round the node ages
 * its entries, removes the oldest peer Q and sends Q itself plus `shuffleLength − 1` random
 * entries; Q answers with `shuffleLength` of its own; both keep what they received, filling empty
 * slots first and then replacing the entries they sent. A sleeping Q answers Asleep instead, so
 * sleepers drop out of views while awake PMs keep circulating. Memory: O(viewSize) per node.
 */
import type { Rng } from '../src/core/rng.ts';
import { SleeperMemory, type PeerSampler, type ShuffleRequest } from './peer-sampling.ts';

export interface CyclonOptions {
  /** Entries in the partial view (c). */
  viewSize: number;
  /** Entries exchanged per shuffle (l ≤ c). */
  shuffleLength: number;
  /** Rounds between this node's shuffles (1, the default: every round). */
  shuffleEveryRounds?: number;
}

export class PeerSamplingCyclon implements PeerSampler {
  private ids: number[] = [];
  private ages: number[] = [];
  /** Entries sent in the pending shuffle: replaced first by what comes back. */
  private sent: number[] = [];
  private readonly sleepers = new SleeperMemory();
  /** Rounds seen, to shuffle every `shuffleEveryRounds`. */
  private rounds = 0;

  /** `bootstrap`: initial neighbours (e.g. drawn at random when the node joins). */
  constructor(
    readonly self: number,
    private readonly o: CyclonOptions,
    bootstrap: readonly number[],
  ) {
    for (const id of bootstrap)
      if (id !== self && !this.ids.includes(id) && this.ids.length < o.viewSize) this.add(id, 0);
  }

  /** Current view, for tests and diagnostics. */
  view(): readonly number[] {
    return this.ids;
  }

  select(rng: Rng): number {
    return this.ids.length === 0 ? -1 : this.ids[rng.int(this.ids.length)]!;
  }

  pickSleeper(rng: Rng): number {
    return this.sleepers.pick(rng);
  }

  markAsleep(peer: number): void {
    this.remove(peer);
    this.sleepers.add(peer);
  }

  markAwake(peer: number): void {
    this.sleepers.remove(peer);
    if (peer !== this.self && !this.ids.includes(peer) && this.ids.length < this.o.viewSize)
      this.add(peer, 0);
  }

  startShuffle(rng: Rng): ShuffleRequest | null {
    const every = this.o.shuffleEveryRounds ?? 1;
    if (every > 1 && this.rounds++ % every !== 0) return null;
    if (this.ids.length === 0) return null;
    for (let i = 0; i < this.ages.length; i++) this.ages[i]!++;
    let oldest = 0;
    for (let i = 1; i < this.ages.length; i++) if (this.ages[i]! > this.ages[oldest]!) oldest = i;
    const q = this.ids[oldest]!;
    this.removeAt(oldest);
    const picked = this.sample(this.o.shuffleLength - 1, rng);
    this.sent = picked.map((i) => this.ids[i]!);
    const entries = [this.self, 0];
    for (const i of picked) entries.push(this.ids[i]!, this.ages[i]!);
    return { to: q, entries };
  }

  onShuffle(_from: number, entries: readonly number[], rng: Rng): number[] {
    const picked = this.sample(this.o.shuffleLength, rng);
    const reply: number[] = [];
    for (const i of picked) reply.push(this.ids[i]!, this.ages[i]!);
    this.sent = picked.map((i) => this.ids[i]!);
    this.merge(entries);
    this.sent = [];
    return reply;
  }

  onShuffleReply(_from: number, entries: readonly number[]): void {
    this.merge(entries);
    this.sent = [];
  }

  /** Keeps received entries: skip self and known ids, fill free slots, then replace sent entries. */
  private merge(entries: readonly number[]): void {
    for (let k = 0; k + 1 < entries.length; k += 2) {
      const id = entries[k]!;
      const age = entries[k + 1]!;
      if (id === this.self || this.ids.includes(id) || this.sleepers.has(id)) continue;
      if (this.ids.length < this.o.viewSize) {
        this.add(id, age);
        continue;
      }
      const victim = this.sent.length > 0 ? this.ids.indexOf(this.sent.pop()!) : -1;
      if (victim >= 0) {
        this.ids[victim] = id;
        this.ages[victim] = age;
      }
    }
  }

  /** `k` distinct random indices into the view (partial Fisher–Yates). */
  private sample(k: number, rng: Rng): number[] {
    const idx = this.ids.map((_, i) => i);
    const n = Math.min(k, idx.length);
    for (let i = 0; i < n; i++) {
      const j = i + rng.int(idx.length - i);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx.slice(0, n);
  }

  private add(id: number, age: number): void {
    this.ids.push(id);
    this.ages.push(age);
  }

  private remove(id: number): void {
    const i = this.ids.indexOf(id);
    if (i >= 0) this.removeAt(i);
  }

  private removeAt(i: number): void {
    const last = this.ids.length - 1;
    this.ids[i] = this.ids[last]!;
    this.ages[i] = this.ages[last]!;
    this.ids.pop();
    this.ages.pop();
  }
}
