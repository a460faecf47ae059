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
 * GLAP's averaging ships tables as their entries that are not +0 (`writeRows`, `averageWithRows`,
 * `isTableRows`): only the states visited, by this PM or by those it averaged with, have rows
 * (16 of 162 on the cloudsim PlanetLab day, 64 on the default one), and few entries of a row are
 * not +0 (a state's visited actions), so each row keeps a bit mask of those entries: averaging and
 * export touch them only, and an entry left out averages exactly as the +0 it stands for.
 */
import { PAIR_COUNT } from '../model/levels.ts';

export const QTABLE_MODES = ['dense', 'sparse'] as const;
export type QTableMode = (typeof QTABLE_MODES)[number];

/** Entries of one table. */
export const QTABLE_SIZE = PAIR_COUNT * PAIR_COUNT;

/** 32-bit words of a row's entry mask (81 bits; `averageWithRows` names the three). */
const MASK_WORDS = 3;
if (PAIR_COUNT > 32 * MASK_WORDS) throw new Error('a row mask must hold PAIR_COUNT bits');

/** The most numbers one row takes in the rows layout: key, count, then (action, value) × 81. */
export const MAX_ROW_LENGTH = 2 + 2 * PAIR_COUNT;

/**
 * Is `data` rows of `tables` tables as `writeRows` writes them: per row its key (table × 81 +
 * state; integers below tables × 81, increasing, so none twice), its entry count n (1..81), then
 * n (action, value) pairs with integer actions below 81, increasing? What GLAP's averaging checks
 * a peer's tables with at the edge (the codec has checked that the values are finite float32s).
 * A +0 value is allowed, though `writeRows` leaves +0 out: −0 arrives as 0 over JSON.
 */
export function isTableRows(data: Float32Array, tables: number): boolean {
  let last = -1;
  for (let i = 0; i < data.length;) {
    const key = data[i]!;
    const n = data[i + 1]!;
    if (!Number.isInteger(key) || key <= last || key >= tables * PAIR_COUNT) return false;
    if (!Number.isInteger(n) || n < 1 || n > PAIR_COUNT || i + 2 + 2 * n > data.length)
      return false;
    let lastAction = -1;
    for (let j = i + 2; j < i + 2 + 2 * n; j += 2) {
      const a = data[j]!;
      if (!Number.isInteger(a) || a <= lastAction || a >= PAIR_COUNT) return false;
      lastAction = a;
    }
    last = key;
    i += 2 + 2 * n;
  }
  return true;
}

export class QTable {
  /** Row s holds Q(s, ·); null: never written, all zeros. Dense rows are views of one buffer. */
  private readonly rows: (Float32Array | null)[];
  /**
   * Row s's entry mask: bit a (of word a >> 5) is set iff Q(s, a) is not +0 (−0 included); null
   * with its row. Kept exact by every write, so GLAP's averaging and export visit those entries only.
   */
  private readonly masks: (Int32Array | null)[];
  /** The dense buffer (row-major: [s * 81 + a]); null for a sparse table. */
  private readonly dense: Float32Array | null;

  constructor(mode: QTableMode | Float32Array = 'dense') {
    if (mode === 'sparse') {
      this.dense = null;
      this.rows = new Array<Float32Array | null>(PAIR_COUNT).fill(null);
      this.masks = new Array<Int32Array | null>(PAIR_COUNT).fill(null);
      return;
    }
    const values = mode instanceof Float32Array ? mode : new Float32Array(QTABLE_SIZE);
    const bits = new Int32Array(PAIR_COUNT * MASK_WORDS);
    this.dense = values;
    this.rows = Array.from({ length: PAIR_COUNT }, (_, s) =>
      values.subarray(s * PAIR_COUNT, (s + 1) * PAIR_COUNT),
    );
    this.masks = Array.from({ length: PAIR_COUNT }, (_, s) =>
      bits.subarray(s * MASK_WORDS, (s + 1) * MASK_WORDS),
    );
    for (let s = 0; s < PAIR_COUNT; s++)
      for (let a = 0; a < PAIR_COUNT; a++) mark(this.masks[s]!, a, this.rows[s]![a]!);
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

  /** Bytes this table holds in float32 entries and their masks (memory per PM, as bench prints it). */
  bytes(): number {
    let n = 0;
    for (let s = 0; s < PAIR_COUNT; s++)
      if (this.rows[s] !== null) n += this.rows[s]!.byteLength + this.masks[s]!.byteLength;
    return n;
  }

  get(state: number, action: number): number {
    const r = this.rows[state]!;
    return r === null ? 0 : r[action]!;
  }

  set(state: number, action: number, q: number): void {
    const r = this.row(state);
    r[action] = q;
    mark(this.masks[state]!, action, r[action]!);
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
    const stored = row[action]!;
    mark(this.masks[state]!, action, stored);
    return stored;
  }

  /** Rows allocated (all 81 in a dense table): at most this many go out in `writeRows`. */
  allocatedRows(): number {
    let n = 0;
    for (const r of this.rows) if (r !== null) n++;
    return n;
  }

  /**
   * Writes each row with an entry that is not +0 into `out` from `at`: its key (`keyBase` +
   * state), its count n of such entries, then each as (action, value), in state and action order:
   * the rows layout GLAP's averaging sends (at most `MAX_ROW_LENGTH` numbers a row). Returns where
   * it stopped. An entry left out reads as +0 (an unwritten one), so the receiver's mean is the
   * same as with the whole table; an entry holding −0 is sent, since (−0 + −0) / 2 keeps the sign
   * that (−0 + 0) / 2 would drop.
   */
  writeRows(out: Float32Array, at: number, keyBase: number): number {
    for (let s = 0; s < PAIR_COUNT; s++) {
      const r = this.rows[s]!;
      if (r === null) continue;
      const m = this.masks[s]!;
      let p = at + 2;
      for (let w = 0; w < MASK_WORDS; w++) {
        for (let bits = m[w]!; bits !== 0; bits &= bits - 1) {
          const a = (w << 5) + 31 - Math.clz32(bits & -bits);
          out[p] = a;
          out[p + 1] = r[a]!;
          p += 2;
        }
      }
      if (p === at + 2) continue; // all +0
      out[at] = keyBase + s;
      out[at + 1] = (p - at - 2) >> 1;
      at = p;
    }
    return at;
  }

  /**
   * Keeps the element-wise mean with a peer's table given as rows (`writeRows`; this table's are
   * the keys `keyBase` .. `keyBase` + 80 of `theirs`, which `isTableRows` accepts), computed as
   * (mine + theirs) / 2 rounded to float32 in both modes, an entry they left out counting as +0,
   * as the whole-table mean did. Only entries not +0 on one side or the other change: (+0 + +0)
   * / 2 is +0. A row zero on both sides stays unallocated.
   */
  averageWithRows(theirs: Float32Array, keyBase: number): void {
    let i = 0;
    while (i < theirs.length && theirs[i]! < keyBase) i += 2 + 2 * theirs[i + 1]!;
    for (let s = 0; s < PAIR_COUNT; s++) {
      let r = this.rows[s]!;
      let m = this.masks[s]!;
      if (i >= theirs.length || theirs[i] !== keyBase + s) {
        // Their row is zeros: (mine + 0) / 2, which turns −0 into +0 as the whole-table mean did.
        if (r !== null) halveMasked(r, m, 0, 0, 0);
        continue;
      }
      const n = theirs[i + 1]!;
      const base = i + 2;
      const end = base + 2 * n;
      i = end;
      if (r === null) {
        let zero = true;
        for (let j = base + 1; j < end; j += 2) if (theirs[j] !== 0) zero = false;
        if (zero) continue; // (0 + ±0) / 2 is 0: the row stays all zeros
        r = this.row(s);
        m = this.masks[s]!;
      }
      // Their entries first, then mine they left out (masks of the entries they sent: t0..t2).
      let t0 = 0;
      let t1 = 0;
      let t2 = 0;
      for (let j = base; j < end; j += 2) {
        const a = theirs[j]! | 0;
        r[a] = (r[a]! + theirs[j + 1]!) / 2;
        mark(m, a, r[a]!);
        const bit = 1 << (a & 31);
        if (a < 32) t0 |= bit;
        else if (a < 64) t1 |= bit;
        else t2 |= bit;
      }
      halveMasked(r, m, t0, t1, t2);
    }
  }

  /** Row `state`, allocated (zeros) if it was not yet. */
  private row(state: number): Float32Array {
    let r = this.rows[state]!;
    if (r === null) {
      r = new Float32Array(PAIR_COUNT);
      this.rows[state] = r;
      this.masks[state] = new Int32Array(MASK_WORDS);
    }
    return r;
  }
}

/** Sets or clears entry `a`'s bit in mask `m`: set iff `v` is not +0. */
function mark(m: Int32Array, a: number, v: number): void {
  const w = a >> 5;
  const bit = 1 << (a & 31);
  if (v !== 0 || 1 / v < 0) m[w] = m[w]! | bit;
  else m[w] = m[w]! & ~bit;
}

/** r[a] = (r[a] + 0) / 2 for each entry of mask `m` not in the skip masks (s0, s1, s2), kept marked. */
function halveMasked(r: Float32Array, m: Int32Array, s0: number, s1: number, s2: number): void {
  for (let w = 0; w < MASK_WORDS; w++) {
    const skip = w === 0 ? s0 : w === 1 ? s1 : s2;
    for (let bits = m[w]! & ~skip; bits !== 0; bits &= bits - 1) {
      const a = (w << 5) + 31 - Math.clz32(bits & -bits);
      r[a] = (r[a]! + 0) / 2;
      mark(m, a, r[a]!);
    }
  }
}
