/**
 * CloudSim's statistics (MathUtil over commons-math3 3.0) on series worked out by hand: the
 * median, IQR and MAD, the zero-tail length, the regression LR extrapolates, and the least-squares
 * R² that MC ranks VMs by, including the shared-prefix version being the per-fit one to the bit.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  allRSquared,
  olsRSquared,
} from '../../../src/policy/centralised/cloudsim-least-squares.ts';
import {
  CloudSimMathError,
  countNonZeroBeginning,
  iqr,
  loessEstimates,
  mad,
  median,
  robustLoessEstimates,
  simpleRegression,
  tricubeBisquareWeights,
  tricubeWeights,
  weightedRegression,
} from '../../../src/policy/centralised/cloudsim-math.ts';

describe('order statistics (Percentile, MathUtil)', () => {
  it('median is the (n + 1)/2-th value, interpolated', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('IQR reads positions round(0.25 (n + 1)) and round(0.75 (n + 1))', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => 11 - i); // 11..1, unsorted
    expect(iqr(eleven)).toBe(9 - 3); // positions 3 and 9 of 1..11
    const twelve = Array.from({ length: 12 }, (_, i) => i + 1);
    expect(iqr(twelve)).toBe(10 - 3); // round(3.25) = 3, round(9.75) = 10
  });

  it('MAD is the median of absolute deviations from the median', () => {
    // median 2; deviations 1 1 0 0 2 4 7 → sorted 0 0 1 1 2 4 7 → 1.
    expect(mad([1, 1, 2, 2, 4, 6, 9])).toBe(1);
    expect(mad([])).toBe(0);
  });

  it('countNonZeroBeginning is the length once the zero tail is cut', () => {
    expect(countNonZeroBeginning([1, 0, 2, 0, 0])).toBe(3);
    // CloudSim's loop leaves one zero of an all-zero array (and reports 1 for an empty one).
    expect(countNonZeroBeginning([0, 0])).toBe(1);
    expect(countNonZeroBeginning([])).toBe(1);
  });
});

describe('regressions', () => {
  it('SimpleRegression recovers a line; fewer than 3 points cannot be regressed', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const [a, b] = simpleRegression(
      x,
      x.map((v) => 2 + 0.5 * v),
    );
    expect(a).toBeCloseTo(2, 12);
    expect(b).toBeCloseTo(0.5, 12);
    expect(() => simpleRegression([1, 2], [1, 2])).toThrow(CloudSimMathError);
  });

  it("LRR's robust loess: CloudSim's reweighting never applies, so its estimates are loess's", () => {
    expect([...tricubeWeights(10)].every((w) => w > 0)).toBe(true);
    const x = Array.from({ length: 10 }, (_, i) => i + 1);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 10, maxLength: 10 }),
        (y) => {
          // MathUtil.getRobustLoessParameterEstimates step by step.
          const [a, b] = loessEstimates(y);
          const residuals = y.map((v, i) => v - (a + b * x[i]!));
          const w2 = tricubeBisquareWeights(residuals);
          expect([...w2].some((w) => w <= 0)).toBe(false);
          expect(robustLoessEstimates(y)).toEqual(weightedRegression(x, y, w2));
        },
      ),
    );
  });

  it('R² of a least-squares fit, by hand', () => {
    // y = 1 2 3 5 on x = 1 2 3 4: Sxy = 6.5, Sxx = 5, Syy = 8.75, R² = 6.5² / (5 × 8.75).
    expect(olsRSquared([1, 2, 3, 5], [[1, 2, 3, 4]], 4)).toBeCloseTo(42.25 / 43.75, 12);
    // An exact linear combination is fully explained.
    const a = [0.1, 0.5, 0.2, 0.9, 0.4];
    const b = [0.3, 0.1, 0.7, 0.2, 0.6];
    expect(
      olsRSquared(
        a.map((v, i) => 2 * v - b[i]!),
        [a, b],
        5,
      ),
    ).toBeCloseTo(1, 12);
  });

  it('throws where commons-math throws: too few samples, an exactly singular design', () => {
    expect(() => olsRSquared([1], [[1]], 1)).toThrow(/not enough data/);
    expect(() => olsRSquared([1, 2, 3, 4], [[0, 0, 0, 0]], 4)).toThrow(/singular/);
  });

  it('allRSquared is each fit of one series on the others, to the bit', () => {
    const series = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
      minLength: 30,
      maxLength: 30,
    });
    fc.assert(
      fc.property(
        fc.array(series, { minLength: 2, maxLength: 12 }),
        fc.integer({ min: 12, max: 30 }),
        (rows, m) => {
          // commons-math fits series 0, 1, … in turn and stops at the first that throws.
          const each = rows.map((y, i) => {
            try {
              return olsRSquared(
                y,
                rows.filter((_, j) => j !== i),
                m,
              );
            } catch (e) {
              if (e instanceof CloudSimMathError) return null;
              throw e;
            }
          });
          if (each.includes(null)) expect(() => allRSquared(rows, m)).toThrow(CloudSimMathError);
          else expect(allRSquared(rows, m)).toEqual(each);
        },
      ),
      { numRuns: 60 },
    );
  });
});
