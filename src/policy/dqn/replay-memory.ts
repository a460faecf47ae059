/**
 * Experience replay (Mnih et al. 2015): a fixed-capacity ring of transitions, sampled uniformly
 * with replacement from the injected seeded Rng, so a run's minibatches depend on its seed only.
 */
import type { Rng } from '../../core/rng.ts';
import type { Role } from './features.ts';

/** One learnt decision: its features, its reward and what can follow it. */
export interface Transition {
  /** The FEATURE_COUNT raw features of the decision taken. */
  readonly x: Float32Array;
  readonly role: Role;
  /** The GLAP reward of the state reached (`pairReward`), in reward units. */
  readonly reward: number;
  /** No bootstrap: the sender emptied itself and sleeps. */
  readonly terminal: boolean;
  /**
   * Raw feature rows of the decisions available in the next state (`nextRows` × FEATURE_COUNT):
   * the sender's remaining VMs, or the recipient's feasible bootstrap offers.
   */
  readonly next: Float32Array;
  readonly nextRows: number;
}

export class ReplayMemory {
  private readonly items: Transition[] = [];
  private head = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) {
      throw new RangeError(`replay capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.items.length;
  }

  push(t: Transition): void {
    if (this.items.length < this.capacity) {
      this.items.push(t);
    } else {
      this.items[this.head] = t;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  /** `n` transitions drawn uniformly with replacement; the memory must not be empty. */
  sample(n: number, rng: Rng): Transition[] {
    const size = this.items.length;
    if (size === 0) throw new RangeError('cannot sample an empty replay memory');
    const out = new Array<Transition>(n);
    for (let i = 0; i < n; i++) out[i] = this.items[rng.int(size)]!;
    return out;
  }
}
