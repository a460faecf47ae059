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
 *
 * GLAP's averaging ships tables as rows (`writeRows`, `averageWithRows`, `isTableRows`): only
 * the states visited, by this PM or by those it averaged with, have rows that are not all +0
 * (16 of 162 on the cloudsim PlanetLab day, 64 on the default one), and a row left out averages
 * exactly as the zeros it stands for.
 */
import { PAIR_COUNT } from '../model/levels.ts';

export const QTABLE_MODES = ['dense', 'sparse'] as const;
export type QTableMode = (typeof QTABLE_MODES)[number];

/** Entries of one table. */
export const QTABLE_SIZE = PAIR_COUNT * PAIR_COUNT;

/** Numbers per row in the rows layout: its key (table × 81 + state), then its 81 values. */
export const ROW_STRIDE = PAIR_COUNT + 1;

/**
 * Is `data` rows of `tables` tables as `writeRows` writes them: whole rows, keys integers below
 * tables × 81 in increasing order (so none twice)? What GLAP's averaging checks a peer's tables
 * with at the edge (the codec has checked that the values are finite float32s).
 */
export function isTableRows(data: Float32Array, tables: number): boolean {
  if (data.length % ROW_STRIDE !== 0) return false;
  let last = -1;
  for (let i = 0; i < data.length; i += ROW_STRIDE) {
    const key = data[i]!;
    if (!Number.isInteger(key) || key <= last || key >= tables * PAIR_COUNT) return false;
    last = key;
  }
  return true;
}

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
    for (let s = 0; s < PAIR_COUNT; s++) {
      const r = this.rows[s]!;
      if (r !== null) out.set(r, s * PAIR_COUNT);
    }
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

  /** Rows allocated (all 81 in a dense table): at most this many go out in `writeRows`. */
  allocatedRows(): number {
    let n = 0;
    for (const r of this.rows) if (r !== null) n++;
    return n;
  }

  /**
   * Writes each row that is not all +0 into `out` from `at`, as its key (`keyBase` + state) and
   * its 81 values, in state order: the rows layout GLAP's averaging sends. Returns where it
   * stopped. A row left out reads as +0 (an unwritten one), so the receiver's mean is the same as
   * with the whole table; a row holding −0 is sent, since (−0 + −0) / 2 keeps the sign that
   * (−0 + 0) / 2 would drop.
   */
  writeRows(out: Float32Array, at: number, keyBase: number): number {
    for (let s = 0; s < PAIR_COUNT; s++) {
      const r = this.rows[s]!;
      if (r === null || allPositiveZero(r)) continue;
      out[at] = keyBase + s;
      out.set(r, at + 1);
      at += ROW_STRIDE;
    }
    return at;
  }

  /**
   * Keeps the element-wise mean with a peer's table given as rows (`writeRows`; this table's are
   * the keys `keyBase` .. `keyBase` + 80 of `theirs`, which `isTableRows` accepts), computed as
   * (mine + theirs) / 2 rounded to float32 in both modes, a row they left out counting as zeros,
   * as the whole-table mean did. A row zero on both sides stays unallocated.
   */
  averageWithRows(theirs: Float32Array, keyBase: number): void {
    let i = 0;
    while (i < theirs.length && theirs[i]! < keyBase) i += ROW_STRIDE;
    for (let s = 0; s < PAIR_COUNT; s++) {
      let r = this.rows[s]!;
      if (i >= theirs.length || theirs[i] !== keyBase + s) {
        // Their row is zeros: (mine + 0) / 2, which turns −0 into +0 as the whole-table mean did.
        if (r !== null) for (let a = 0; a < PAIR_COUNT; a++) r[a] = (r[a]! + 0) / 2;
        continue;
      }
      const base = i + 1;
      i += ROW_STRIDE;
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

/** Is every entry of `r` +0 (not −0, which a row left out of the rows layout could not carry)? */
function allPositiveZero(r: Float32Array): boolean {
  for (let a = 0; a < PAIR_COUNT; a++) {
    const v = r[a]!;
    if (v !== 0 || 1 / v < 0) return false;
  }
  return true;
}
