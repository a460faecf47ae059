/**
 * The statistics CloudSim 3.0.3's power heuristics decide with (org.cloudbus.cloudsim.util.MathUtil
 * over Apache commons-math3 3.0), computed the same way, so that a threshold test lands on the
 * same side as CloudSim's: the median (Percentile's (n + 1)·p estimate), MathUtil's IQR and MAD,
 * SimpleRegression's running sums for LR and LRR with MathUtil's weighting rule (MC's least squares
 * are in cloudsim-least-squares.ts).
 */

/** A regression or selection CloudSim cannot compute (commons-math throws; callers fall back). */
export class CloudSimMathError extends Error {}

/** Percentile.evaluate(values, 50): the (n + 1)/2-th order statistic, interpolated. */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  if (n === 1) return values[0]!;
  return medianOfSorted(sortedCopy(values));
}

/** A sorted copy in a reused buffer (numeric order; valid until the next call). */
let sortWork = new Float64Array(64);
function sortedCopy(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  if (sortWork.length < n) sortWork = new Float64Array(2 * n);
  const w = sortWork;
  // Insertion sort: the histories sorted here have at most 30 samples.
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    let j = i - 1;
    while (j >= 0 && w[j]! > x) {
      w[j + 1] = w[j]!;
      j--;
    }
    w[j + 1] = x;
  }
  return w.subarray(0, n);
}

function medianOfSorted(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 1) return sorted[0]!;
  const pos = (50 * (n + 1)) / 100;
  const fpos = Math.floor(pos);
  const dif = pos - fpos;
  if (pos < 1) return sorted[0]!;
  if (pos >= n) return sorted[n - 1]!;
  const lower = sorted[fpos - 1]!;
  const upper = sorted[fpos]!;
  return lower + dif * (upper - lower);
}

/** MathUtil.iqr: Q3 − Q1 at indices round(0.75 (n + 1)) − 1 and round(0.25 (n + 1)) − 1. */
export function iqr(values: ArrayLike<number>): number {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  const q1 = javaRound(0.25 * (n + 1)) - 1;
  const q3 = javaRound(0.75 * (n + 1)) - 1;
  return sorted[q3]! - sorted[q1]!;
}

/** MathUtil.mad: the median of absolute deviations from the median. */
let madWork = new Float64Array(64);
export function mad(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  const m = median(values);
  if (madWork.length < n) madWork = new Float64Array(2 * n);
  const dev = madWork.subarray(0, n);
  for (let i = 0; i < n; i++) dev[i] = Math.abs(m - values[i]!);
  return median(dev);
}

/** Java's Math.round: halves round up (towards +∞). */
function javaRound(x: number): number {
  return Math.floor(x + 0.5);
}

/** MathUtil.countNonZeroBeginning: the length once trailing zeros are cut. */
export function countNonZeroBeginning(data: ArrayLike<number>): number {
  let i = data.length - 1;
  while (i >= 0) if (data[i--] !== 0) break;
  return i + 2;
}

/** SimpleRegression (with intercept) fed (x[i], y[i]); returns [intercept, slope]. */
export function simpleRegression(x: ArrayLike<number>, y: ArrayLike<number>): [number, number] {
  let n = 0;
  let xbar = 0;
  let ybar = 0;
  let sumXX = 0;
  let sumXY = 0;
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    if (n === 0) {
      xbar = xi;
      ybar = yi;
    } else {
      const fact1 = 1 + n;
      const fact2 = n / (1 + n);
      const dx = xi - xbar;
      const dy = yi - ybar;
      sumXX += dx * dx * fact2;
      sumXY += dx * dy * fact2;
      xbar += dx / fact1;
      ybar += dy / fact1;
    }
    sumX += xi;
    sumY += yi;
    n++;
  }
  if (n < 3) throw new CloudSimMathError('not enough data for a regression');
  if (Math.abs(sumXX) <= 2.2250738585072014e-308) return [sumY / n, NaN]; // Precision.SAFE_MIN
  const slope = n < 2 || Math.abs(sumXX) < 10 * Number.MIN_VALUE ? NaN : sumXY / sumXX;
  return [(sumY - slope * sumX) / n, slope];
}

/**
 * MathUtil.createWeigthedLinearRegression: the weights are applied (√w scaling x and y) only
 * when at least 40 % of them are ≤ 0; otherwise the plain data are regressed.
 */
export function weightedRegression(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  weights: ArrayLike<number>,
): [number, number] {
  let zero = 0;
  for (let i = 0; i < weights.length; i++) if (weights[i]! <= 0) zero++;
  if (zero < 0.4 * weights.length) return simpleRegression(x, y);
  const xw = Array.from(x, (v, i) => Math.sqrt(weights[i]!) * v);
  const yw = Array.from(y, (v, i) => Math.sqrt(weights[i]!) * v);
  return simpleRegression(xw, yw);
}

const tricubeCache = new Map<number, Float64Array>();
const positionsCache = new Map<number, Float64Array>();

/**
 * MathUtil.getTricubeWeigts(n): 1 / (1 − ((n − 1 − i)/(n − 1))³)³, the first three equal.
 * Cached per n: the LR detectors ask for n = 10 at every test. Callers must not modify it.
 */
export function tricubeWeights(n: number): Float64Array {
  let w = tricubeCache.get(n);
  if (w === undefined) {
    w = computeTricubeWeights(n);
    tricubeCache.set(n, w);
  }
  return w;
}

function computeTricubeWeights(n: number): Float64Array {
  const w = new Float64Array(n);
  const top = n - 1;
  for (let i = 2; i < n; i++) {
    const k = Math.pow(1 - Math.pow((top - i) / top, 3), 3);
    w[i] = k > 0 ? 1 / k : Number.MAX_VALUE;
  }
  w[0] = w[1] = w[2]!;
  return w;
}

/** MathUtil.getTricubeBisquareWeigts(residuals). */
export function tricubeBisquareWeights(residuals: ArrayLike<number>): Float64Array {
  const n = residuals.length;
  const w = computeTricubeWeights(n);
  const w2 = new Float64Array(n);
  const s6 = median(Array.from(residuals, Math.abs)) * 6;
  for (let i = 2; i < n; i++) {
    const k = Math.pow(1 - Math.pow(residuals[i]! / s6, 2), 2);
    w2[i] = k > 0 ? (1 / k) * w[i]! : Number.MAX_VALUE;
  }
  w2[0] = w2[1] = w2[2]!;
  return w2;
}

/** x = 1..n, as MathUtil's loess estimators use (cached per n; not to be modified). */
function positions(n: number): Float64Array {
  let x = positionsCache.get(n);
  if (x === undefined) {
    x = Float64Array.from({ length: n }, (_, i) => i + 1);
    positionsCache.set(n, x);
  }
  return x;
}

/** MathUtil.getLoessParameterEstimates(y): [intercept, slope]. */
export function loessEstimates(y: ArrayLike<number>): [number, number] {
  return weightedRegression(positions(y.length), y, tricubeWeights(y.length));
}

/**
 * MathUtil.getRobustLoessParameterEstimates(y): [intercept, slope]. Its second regression weights
 * the data by tricube × bisquare weights, each 1/k × a tricube weight with k > 0, or
 * Double.MAX_VALUE: never ≤ 0, so MathUtil's 40 %-of-weights-≤-0 rule never applies them and the
 * plain data are regressed again, giving the first regression's estimates (tricubeBisquareWeights
 * computes those weights; a test checks they are positive). So it is loessEstimates(y).
 */
export function robustLoessEstimates(y: ArrayLike<number>): [number, number] {
  return loessEstimates(y);
}
