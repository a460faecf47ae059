import { describe, expect, it } from 'vitest';
import { quantile, spread } from '../../../experiments/compare/stats.ts';

describe('comparison statistics', () => {
  it('median and quartiles by linear interpolation (type 7)', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    const s = spread([5, 1, 4, 2, 3]);
    expect(s).toMatchObject({ median: 3, q1: 2, q3: 4, iqr: 2, min: 1, max: 5, n: 5 });
    expect(spread([7]).iqr).toBe(0);
  });
});
