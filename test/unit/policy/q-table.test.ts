import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_ROW_LENGTH, QTable, isTableRows } from '../../../src/policy/q-table.ts';
import { pairReward, validateRewards, DEFAULT_REWARDS } from '../../../src/policy/rewards.ts';
import { Level, pairIndex } from '../../../src/model/levels.ts';

const idx = fc.integer({ min: 0, max: 80 });
const val = fc.double({ min: -100, max: 100, noNaN: true });

describe('QTable.update', () => {
  it('moves Q(s,a) toward the target r + γ·max Q(s′,·)', () => {
    fc.assert(
      fc.property(
        idx,
        idx,
        idx,
        val,
        val,
        val,
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        (s, a, s2, q0, r, other, alpha, gamma) => {
          const t = new QTable();
          t.set(s, a, q0);
          t.set(s2, (a + 1) % 81, other);
          const q = t.get(s, a);
          const target = r + gamma * t.maxAt(s2);
          const q1 = t.update(s, a, r, s2, false, alpha, gamma);
          // Never overshoots, and gets strictly closer unless already there (float32 storage).
          expect(Math.abs(target - q1)).toBeLessThanOrEqual(Math.abs(target - q) + 1e-4);
          if (Math.abs(target - q) > 1e-3) expect(Math.sign(q1 - q)).toBe(Math.sign(target - q));
        },
      ),
    );
  });

  it('with α = 1 lands on the target; terminal drops the bootstrap', () => {
    fc.assert(
      fc.property(idx, idx, idx, val, val, (s, a, s2, r, other) => {
        const t = new QTable();
        t.set(s2, 7, other);
        const target = r + 0.9 * t.maxAt(s2);
        expect(t.update(s, a, r, s2, false, 1, 0.9)).toBeCloseTo(target, 3);
        expect(t.update(s, a, r, s2, true, 1, 0.9)).toBeCloseTo(r, 3);
      }),
    );
  });
});

describe('rewards', () => {
  it('sums the per-resource rewards of the state pair', () => {
    expect(pairReward(DEFAULT_REWARDS.out, pairIndex(Level.Low, Level.Low))).toBe(
      2 * DEFAULT_REWARDS.out[0]!,
    );
    expect(pairReward(DEFAULT_REWARDS.in, pairIndex(Level.Overload, Level.Medium))).toBe(
      DEFAULT_REWARDS.in[8]! + DEFAULT_REWARDS.in[1]!,
    );
  });

  it('rejects tables of the wrong shape with a message naming the problem', () => {
    expect(() => validateRewards(DEFAULT_REWARDS)).not.toThrow();
    expect(() => validateRewards({ ...DEFAULT_REWARDS, out: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).toThrow(
      /strictly decrease/,
    );
    expect(() => validateRewards({ ...DEFAULT_REWARDS, in: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).toThrow(
      /negative for Overload/,
    );
    expect(() => validateRewards({ ...DEFAULT_REWARDS, in: [1, 2] })).toThrow(/9 finite numbers/);
  });
});

describe('sparse vs dense storage', () => {
  type Op =
    | { k: 'update'; s: number; a: number; r: number; s2: number; terminal: boolean }
    | { k: 'set'; s: number; a: number; q: number }
    | { k: 'average'; rows: number[]; q: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      k: fc.constant('update' as const),
      s: idx,
      a: idx,
      r: val,
      s2: idx,
      terminal: fc.boolean(),
    }),
    fc.record({ k: fc.constant('set' as const), s: idx, a: idx, q: val }),
    // A peer's table: zeros but for a few rows (GLAP averaging), one of them maybe −0.
    fc.record({
      k: fc.constant('average' as const),
      rows: fc.array(idx, { maxLength: 3 }),
      q: val,
    }),
  );

  it('the same operations give the same values, maxima and rows, bit for bit', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const dense = new QTable('dense');
        const sparse = new QTable('sparse');
        for (const o of ops) {
          for (const t of [dense, sparse]) {
            if (o.k === 'update') t.update(o.s, o.a, o.r, o.s2, o.terminal, 0.1, 0.5);
            else if (o.k === 'set') t.set(o.s, o.a, o.q);
            else {
              const peer = new QTable('sparse');
              peer.set(0, 0, -0);
              for (const s of o.rows) peer.set(s, (s * 7) % 81, o.q);
              const theirs = new Float32Array(81 * 82);
              t.averageWithRows(theirs.subarray(0, peer.writeRows(theirs, 0, 0)), 0);
            }
          }
          for (let s = 0; s < 81; s++) expect(sparse.maxAt(s)).toBe(dense.maxAt(s));
        }
        expect(bits(sparse.values)).toEqual(bits(dense.values));
        const a = new Float32Array(1 + 81 * MAX_ROW_LENGTH).fill(9);
        const b = new Float32Array(1 + 81 * MAX_ROW_LENGTH).fill(9);
        const end = dense.writeRows(a, 1, 81);
        expect(sparse.writeRows(b, 1, 81)).toBe(end);
        expect(bits(b)).toEqual(bits(a));
        // The rows list exactly the entries that are not +0 (the masks are exact).
        const rows = a.subarray(1, end);
        expect(isTableRows(rows, 2)).toBe(true);
        const whole = new Float32Array(81 * 81);
        for (let i = 0; i < rows.length; i += 2 + 2 * rows[i + 1]!)
          for (let j = i + 2; j < i + 2 + 2 * rows[i + 1]!; j += 2) {
            expect(Object.is(rows[j + 1], 0)).toBe(false);
            whole[(rows[i]! - 81) * 81 + rows[j]!] = rows[j + 1]!;
          }
        expect(bits(whole)).toEqual(bits(dense.values));
      }),
    );
  });

  it('a sparse table holds only the rows written to', () => {
    const t = new QTable('sparse');
    expect(t.bytes()).toBe(81); // its slot map
    t.update(3, 4, 1, 9, false, 0.1, 0.5);
    t.set(3, 5, 2);
    expect(t.get(9, 0)).toBe(0);
    expect(t.allocatedRows()).toBe(1);
    expect(t.bytes()).toBe(81 * 4 + 12 + 81); // the row, its entry mask, the slot map
    t.set(7, 0, 1);
    t.set(8, 0, 1); // a third row: room for four
    expect(t.allocatedRows()).toBe(3);
    expect(t.bytes()).toBe(4 * (81 * 4 + 12) + 81);
    expect(new QTable('dense').bytes()).toBe(81 * (81 * 4 + 12) + 81);
  });
});

/** A table's values as their bit patterns: tells −0 from +0 and NaNs apart. */
function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}
