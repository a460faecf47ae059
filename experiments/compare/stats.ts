/**
 * Order statistics over seeds: median and interquartile range (quartiles by linear interpolation
 * between order statistics, R's type 7), so a comparison reports the typical run and its spread
 * rather than a mean pulled by one outlier seed.
 */

export interface Spread {
  median: number;
  q1: number;
  q3: number;
  /** q3 − q1. */
  iqr: number;
  min: number;
  max: number;
  n: number;
}

/** Quantile p (0..1) of sorted values, linear interpolation (type 7). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (h - lo);
}

export function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const q1 = quantile(s, 0.25);
  const q3 = quantile(s, 0.75);
  return {
    median: quantile(s, 0.5),
    q1,
    q3,
    iqr: q3 - q1,
    min: s[0] ?? NaN,
    max: s[s.length - 1] ?? NaN,
    n: s.length,
  };
}
