/**
 * Fault-injecting decorator around any Transport (PeerSim's UnreliableTransport): drops,
 * duplicates, delays (by whole phases) and reorders messages, driven by an injected seeded Rng.
 * Used by tests to show the migration handshake survives an unreliable network.
 */
import type { Rng } from '../core/rng.ts';
import type { Envelope, Transport } from './transport.ts';

export interface FaultOptions {
  /** Probability (0..1) that a message is lost. */
  dropRate?: number;
  /** Probability (0..1) that a message is delivered twice. */
  duplicateRate?: number;
  /** Probability (0..1) that a message is held back for 1..maxDelayPhases extra phases. */
  delayRate?: number;
  /** Longest extra delay, in phases. */
  maxDelayPhases?: number;
  /** Shuffle each inbox instead of canonical order. */
  reorder?: boolean;
}

export class TransportFaulty<M extends Envelope> implements Transport<M> {
  private held: { msg: M; releasePhase: number }[] = [];
  private phase = 0;
  private shuffled = new Map<number, M[]>();
  dropped = 0;
  duplicated = 0;
  delayed = 0;
  /** While false, messages pass through untouched (e.g. to let a run settle after a fault period). */
  enabled = true;

  constructor(
    private readonly inner: Transport<M>,
    private readonly rng: Rng,
    private readonly options: FaultOptions,
  ) {}

  send(msg: M): void {
    if (!this.enabled) return this.inner.send(msg);
    const o = this.options;
    if (this.rng.chance(o.dropRate ?? 0)) {
      this.dropped++;
      return;
    }
    const copies = this.rng.chance(o.duplicateRate ?? 0) ? 2 : 1;
    if (copies === 2) this.duplicated++;
    for (let i = 0; i < copies; i++) {
      if (this.rng.chance(o.delayRate ?? 0)) {
        this.delayed++;
        const extra = 1 + this.rng.int(Math.max(1, o.maxDelayPhases ?? 3));
        this.held.push({ msg, releasePhase: this.phase + extra });
      } else {
        this.inner.send(msg);
      }
    }
  }

  async nextPhase(): Promise<number> {
    this.phase++;
    const due = this.held.filter((h) => h.releasePhase <= this.phase);
    this.held = this.held.filter((h) => h.releasePhase > this.phase);
    for (const h of due) this.inner.send(h.msg);
    this.shuffled.clear();
    return this.inner.nextPhase();
  }

  recipients(): readonly number[] {
    return this.inner.recipients();
  }

  inbox(node: number): readonly M[] {
    const box = this.inner.inbox(node);
    if (!this.options.reorder || !this.enabled || box.length < 2) return box;
    let s = this.shuffled.get(node);
    if (!s) {
      s = [...box];
      for (let i = s.length - 1; i > 0; i--) {
        const j = this.rng.int(i + 1);
        [s[i], s[j]] = [s[j]!, s[i]!];
      }
      this.shuffled.set(node, s);
    }
    return s;
  }

  pending(): boolean {
    return this.held.length > 0 || this.inner.pending();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
