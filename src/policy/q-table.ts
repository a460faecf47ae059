/**
 * A tabular action-value function Q(s, a) over the 81 utilisation-level pairs for states and
 * actions (GLAP, Khelghatdoust 2018), with the standard Q-learning update
 * Q(s,a) ← Q(s,a) + α·(r + γ·max_a' Q(s',a') − Q(s,a)).
 *
 * Storage, by `QTableMode`: `dense` keeps the 81 × 81 float32 entries in one 26 KB array;
 * `sparse` allocates a row of 81 float32 entries (324 B) only when something is written to it. A
 * PM visits a few of the 81 states, so sparse tables take ~1–3 KB. Unwritten entries read as 0
 * in both, values are float32 in both and every operation rounds the same way, so the two modes
 * give the same numbers and the same decisions (test/unit/policy/q-table.test.ts).
 */
import { PAIR_COUNT } from '../model/levels.ts';

export const QTABLE_MODES = ['dense', 'sparse'] as const;
export type QTableMode = (typeof QTABLE_MODES)[number];

/** Entries of one table. */
export const QTABLE_SIZE = PAIR_COUNT * PAIR_COUNT;

export class QTable {
  /** Row s holds Q(s, ·); null: never written, all zeros. Dense rows are views of one buffer. */
  private readonly rows: (Float32Array | null)[];
  /** The dense buffer (row-major: [s * 81 + a]); null for a sparse table. */
  private readonly dense: Float32Array | null;

  constructor(mode: QTableMode | Float32Array = 'dense') {
    if (mode === 'sparse') {
      this.dense = null;
      this.rows = new Array<Float32Array | null>(PAIR_COUNT).fill(null);
      return;
    }
    const values = mode instanceof Float32Array ? mode : new Float32Array(QTABLE_SIZE);
    this.dense = values;
    this.rows = Array.from({ length: PAIR_COUNT }, (_, s) =>
      values.subarray(s * PAIR_COUNT, (s + 1) * PAIR_COUNT),
    );
  }

  /**
   * All 81 × 81 values, row-major: the live buffer of a dense table; a copy of a sparse one (for
   * output, not for writing).
   */
  get values(): Float32Array {
    if (this.dense !== null) return this.dense;
    const out = new Float32Array(QTABLE_SIZE);
    this.exportInto(out, 0);
    return out;
  }

  /** Bytes this table holds in float32 entries (memory per PM, as bench prints it). */
  bytes(): number {
    if (this.dense !== null) return this.dense.byteLength;
    let n = 0;
    for (const r of this.rows) if (r !== null) n += r.byteLength;
    return n;
  }

  get(state: number, action: number): number {
    const r = this.rows[state]!;
    return r === null ? 0 : r[action]!;
  }

  set(state: number, action: number, q: number): void {
    this.row(state)[action] = q;
  }

  /** max over all 81 actions of Q(state, ·). */
  maxAt(state: number): number {
    const v = this.rows[state]!;
    if (v === null) return 0;
    let m = v[0]!;
    for (let a = 1; a < PAIR_COUNT; a++) if (v[a]! > m) m = v[a]!;
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
    const target = terminal ? reward : reward + gamma * this.maxAt(nextState);
    const row = this.row(state);
    const q = row[action]!;
    row[action] = q + alpha * (target - q);
    return row[action]!;
  }

  /** Writes all 81 × 81 values, row-major, into `out` from `offset`. */
  exportInto(out: Float32Array, offset: number): void {
    if (this.dense !== null) {
      out.set(this.dense, offset);
      return;
    }
    out.fill(0, offset, offset + QTABLE_SIZE);
    for (let s = 0; s < PAIR_COUNT; s++) {
      const r = this.rows[s]!;
      if (r !== null) out.set(r, offset + s * PAIR_COUNT);
    }
  }

  /**
   * Keeps the element-wise mean with `theirs[offset .. offset + 81 × 81)` (GLAP's averaging),
   * computed as (mine + theirs) / 2 rounded to float32 in both modes; a row zero on both sides
   * stays unallocated.
   */
  averageWith(theirs: Float32Array, offset: number): void {
    for (let s = 0; s < PAIR_COUNT; s++) {
      const base = offset + s * PAIR_COUNT;
      let r = this.rows[s]!;
      if (r === null) {
        let zero = true;
        for (let a = 0; a < PAIR_COUNT; a++) if (theirs[base + a] !== 0) zero = false;
        if (zero) continue; // (0 + ±0) / 2 is 0: the row stays all zeros
        r = this.row(s);
      }
      for (let a = 0; a < PAIR_COUNT; a++) r[a] = (r[a]! + theirs[base + a]!) / 2;
    }
  }

  /** Row `state`, allocated (zeros) if it was not yet. */
  private row(state: number): Float32Array {
    let r = this.rows[state]!;
    if (r === null) {
      r = new Float32Array(PAIR_COUNT);
      this.rows[state] = r;
    }
    return r;
  }
}
