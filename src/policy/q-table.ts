/**
 * A tabular action-value function Q(s, a) over the 81 utilisation-level pairs for states and
 * actions (GLAP, Khelghatdoust 2018), with the standard Q-learning update
 * Q(s,a) ← Q(s,a) + α·(r + γ·max_a' Q(s',a') − Q(s,a)).
 *
 * Storage, by `QTableMode`: `dense` keeps the 81 × 81 float32 entries in one 26 KB array;
 * `sparse` allocates a row of 81 float32 entries (324 B) only when something is written to it, in
 * one buffer of its rows grown by doubling. A PM visits a few of the 81 states, so sparse tables
 * take ~1–3 KB. Unwritten entries read as 0
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
  /** Where row s is in the pool (its slot), or −1: never written, all zeros. Dense: slot s. */
  private readonly slotOf: Int8Array;
  /**
   * The rows, one after another in slot order (81 float32 each): a sparse table's in the order
   * they were first written, in one buffer grown by doubling, so a PM's rows lie together in
   * memory (GLAP's averaging visits them all); a dense table's is the 81 × 81 buffer itself.
   */
  private pool: Float32Array;
  /**
   * Each slot's entry mask (3 words): bit a (of word a >> 5) is set iff Q(s, a) is not +0 (−0
   * included). Kept exact by every write, so GLAP's averaging and export visit those entries only.
   */
  private masks: Int32Array;
  /** Slots in use. */
  private used = 0;
  private readonly isDense: boolean;

  constructor(mode: QTableMode | Float32Array = 'dense') {
    this.slotOf = new Int8Array(PAIR_COUNT);
    if (mode === 'sparse') {
      this.isDense = false;
      this.slotOf.fill(-1);
      this.pool = EMPTY_ROWS;
      this.masks = EMPTY_MASKS;
      return;
    }
    this.isDense = true;
    this.pool = mode instanceof Float32Array ? mode : new Float32Array(QTABLE_SIZE);
    this.masks = new Int32Array(PAIR_COUNT * MASK_WORDS);
    this.used = PAIR_COUNT;
    for (let s = 0; s < PAIR_COUNT; s++) {
      this.slotOf[s] = s;
      for (let a = 0; a < PAIR_COUNT; a++) mark(this.masks, s, a, this.pool[s * PAIR_COUNT + a]!);
    }
  }

  /**
   * All 81 × 81 values, row-major: the live buffer of a dense table; a copy of a sparse one (for
   * output, not for writing).
   */
  get values(): Float32Array {
    if (this.isDense) return this.pool;
    const out = new Float32Array(QTABLE_SIZE);
    for (let s = 0; s < PAIR_COUNT; s++) {
      const k = this.slotOf[s]!;
      if (k >= 0) out.set(this.pool.subarray(k * PAIR_COUNT, (k + 1) * PAIR_COUNT), s * PAIR_COUNT);
    }
    return out;
  }

  /**
   * Bytes this table holds: its row pool and masks (capacity, not only the slots in use) and its
   * slot map (memory per PM, as bench prints it).
   */
  bytes(): number {
    return this.pool.byteLength + this.masks.byteLength + this.slotOf.byteLength;
  }

  get(state: number, action: number): number {
    const k = this.slotOf[state]!;
    return k < 0 ? 0 : this.pool[k * PAIR_COUNT + action]!;
  }

  set(state: number, action: number, q: number): void {
    const k = this.slot(state);
    const i = k * PAIR_COUNT + action;
    this.pool[i] = q;
    mark(this.masks, k, action, this.pool[i]!);
  }

  /** max over all 81 actions of Q(state, ·). */
  maxAt(state: number): number {
    const k = this.slotOf[state]!;
    if (k < 0) return 0;
    const v = this.pool;
    const base = k * PAIR_COUNT;
    let m = v[base]!;
    for (let i = base + 1; i < base + PAIR_COUNT; i++) if (v[i]! > m) m = v[i]!;
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
    const k = this.slot(state);
    const i = k * PAIR_COUNT + action;
    const q = this.pool[i]!;
    this.pool[i] = q + alpha * (target - q);
    const stored = this.pool[i]!;
    mark(this.masks, k, action, stored);
    return stored;
  }

  /** Rows allocated (all 81 in a dense table): at most this many go out in `writeRows`. */
  allocatedRows(): number {
    return this.used;
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
    const pool = this.pool;
    const masks = this.masks;
    for (let s = 0; s < PAIR_COUNT; s++) {
      const k = this.slotOf[s]!;
      if (k < 0) continue;
      const row = k * PAIR_COUNT;
      let p = at + 2;
      for (let w = 0; w < MASK_WORDS; w++) {
        for (let bits = masks[k * MASK_WORDS + w]!; bits !== 0; bits &= bits - 1) {
          const a = (w << 5) + 31 - Math.clz32(bits & -bits);
          out[p] = a;
          out[p + 1] = pool[row + a]!;
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
      let k = this.slotOf[s]!;
      if (i >= theirs.length || theirs[i] !== keyBase + s) {
        // Their row is zeros: (mine + 0) / 2, which turns −0 into +0 as the whole-table mean did.
        if (k >= 0) halveMasked(this.pool, this.masks, k, 0, 0, 0);
        continue;
      }
      const base = i + 2;
      const end = base + 2 * theirs[i + 1]!;
      i = end;
      if (k < 0) {
        let zero = true;
        for (let j = base + 1; j < end; j += 2) if (theirs[j] !== 0) zero = false;
        if (zero) continue; // (0 + ±0) / 2 is 0: the row stays all zeros
        k = this.slot(s);
      }
      // Their entries first, then mine they left out (masks of the entries they sent: t0..t2).
      const pool = this.pool;
      const row = k * PAIR_COUNT;
      let t0 = 0;
      let t1 = 0;
      let t2 = 0;
      for (let j = base; j < end; j += 2) {
        const a = theirs[j]! | 0;
        pool[row + a] = (pool[row + a]! + theirs[j + 1]!) / 2;
        mark(this.masks, k, a, pool[row + a]!);
        const bit = 1 << (a & 31);
        if (a < 32) t0 |= bit;
        else if (a < 64) t1 |= bit;
        else t2 |= bit;
      }
      halveMasked(pool, this.masks, k, t0, t1, t2);
    }
  }

  /** The slot of row `state`, allocated (zeros) if it was not yet. */
  private slot(state: number): number {
    const k = this.slotOf[state]!;
    if (k >= 0) return k;
    if (this.used * PAIR_COUNT === this.pool.length) {
      const rows = Math.min(PAIR_COUNT, Math.max(1, 2 * this.used));
      const pool = new Float32Array(rows * PAIR_COUNT);
      pool.set(this.pool);
      const masks = new Int32Array(rows * MASK_WORDS);
      masks.set(this.masks);
      this.pool = pool;
      this.masks = masks;
    }
    this.slotOf[state] = this.used;
    return this.used++;
  }
}

/** A sparse table's pool and masks before its first row. */
const EMPTY_ROWS = new Float32Array(0);
const EMPTY_MASKS = new Int32Array(0);

/** Sets or clears entry `a`'s bit in slot `k`'s mask: set iff `v` is not +0. */
function mark(masks: Int32Array, k: number, a: number, v: number): void {
  const w = k * MASK_WORDS + (a >> 5);
  const bit = 1 << (a & 31);
  if (v !== 0 || 1 / v < 0) masks[w] = masks[w]! | bit;
  else masks[w] = masks[w]! & ~bit;
}

/**
 * Halves (x + 0) / 2 each entry of slot `k`'s row in its mask but not in the skip masks (s0, s1,
 * s2, one per mask word), keeping the mask exact.
 */
function halveMasked(
  pool: Float32Array,
  masks: Int32Array,
  k: number,
  s0: number,
  s1: number,
  s2: number,
): void {
  const row = k * PAIR_COUNT;
  for (let w = 0; w < MASK_WORDS; w++) {
    const skip = w === 0 ? s0 : w === 1 ? s1 : s2;
    for (let bits = masks[k * MASK_WORDS + w]! & ~skip; bits !== 0; bits &= bits - 1) {
      const a = (w << 5) + 31 - Math.clz32(bits & -bits);
      pool[row + a] = (pool[row + a]! + 0) / 2;
      mark(masks, k, a, pool[row + a]!);
    }
  }
}
