/**
 * A tabular action-value function Q(s, a) over the 81 utilisation-level pairs for states and
 * actions (GLAP, Khelghatdoust 2018), stored in one Float32Array of 81 × 81 entries, with the
 * standard Q-learning update Q(s,a) ← Q(s,a) + α·(r + γ·max_a' Q(s',a') − Q(s,a)).
 */
import { PAIR_COUNT } from '../model/levels.ts';

export class QTable {
  /** Row-major: values[s * 81 + a]. */
  readonly values: Float32Array;

  constructor(values?: Float32Array) {
    this.values = values ?? new Float32Array(PAIR_COUNT * PAIR_COUNT);
  }

  get(state: number, action: number): number {
    return this.values[state * PAIR_COUNT + action]!;
  }

  set(state: number, action: number, q: number): void {
    this.values[state * PAIR_COUNT + action] = q;
  }

  /** max over all 81 actions of Q(state, ·). */
  maxAt(state: number): number {
    const v = this.values;
    const base = state * PAIR_COUNT;
    let m = v[base]!;
    for (let a = 1; a < PAIR_COUNT; a++) if (v[base + a]! > m) m = v[base + a]!;
    return m;
  }

  /**
   * One Q-learning update. `terminal` drops the bootstrap term (e.g. the sender emptied itself and
   * sleeps). Returns the new value. α (0..1] is the learning rate, γ [0..1) the discount.
   */
  update(
    state: number,
    action: number,
    reward: number,
    nextState: number,
    terminal: boolean,
    alpha: number,
    gamma: number,
  ): number {
    const i = state * PAIR_COUNT + action;
    const q = this.values[i]!;
    const target = terminal ? reward : reward + gamma * this.maxAt(nextState);
    const next = q + alpha * (target - q);
    this.values[i] = next;
    return this.values[i]!;
  }
}
