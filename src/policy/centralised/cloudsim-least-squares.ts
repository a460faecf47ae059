/**
 * Ordinary least squares as commons-math3 3.0's OLSMultipleLinearRegression computes it
 * (Householder QR without pivoting, R² = 1 − SSR / SSTO with SecondMoment's running SSTO), for
 * CloudSim's MaximumCorrelation selection: the R² of each VM's utilisation history regressed on
 * the others'. Bit for bit, including where commons-math throws (CloudSimMathError).
 */
import { CloudSimMathError } from './cloudsim-math.ts';

/** Workspace of olsRSquared, grown on demand (it runs thousands of times a step under MC). */
let qrtWork = new Float64Array(0);
let zWork = new Float64Array(0);
let betaWork = new Float64Array(0);
let diagWork = new Float64Array(0);

/**
 * OLSMultipleLinearRegression (with intercept) of y[0..m) on the predictors `columns` (each read
 * in its first m entries), by Householder QR as commons-math3 3.0 computes it; returns
 * R² = 1 − SSR / SSTO. Throws CloudSimMathError where commons-math throws: no sample, fewer
 * samples than predictors + 1, or an exactly singular R.
 */
export function olsRSquared(
  y: ArrayLike<number>,
  columns: readonly ArrayLike<number>[],
  m: number,
): number {
  if (m === 0 || columns.length === 0) throw new CloudSimMathError('no data');
  const p = columns.length;
  if (p + 1 > m) throw new CloudSimMathError('not enough data for the number of predictors');
  const cols = p + 1;
  if (qrtWork.length < cols * m) qrtWork = new Float64Array(2 * cols * m);
  if (zWork.length < m) zWork = new Float64Array(2 * m);
  if (betaWork.length < cols) {
    betaWork = new Float64Array(2 * cols);
    diagWork = new Float64Array(2 * cols);
  }
  // qrt[col * m + row]: the transposed design matrix [1 | x], decomposed in place.
  const qrt = qrtWork;
  for (let r = 0; r < m; r++) qrt[r] = 1;
  for (let c = 1; c < cols; c++) {
    const src = columns[c - 1]!;
    const base = c * m;
    for (let r = 0; r < m; r++) qrt[base + r] = src[r]!;
  }
  const nDiag = Math.min(m, cols);
  const rDiag = diagWork;
  for (let minor = 0; minor < nDiag; minor++)
    rDiag[minor] = householderStep(qrt, m, minor, minor, cols);
  for (let i = 0; i < nDiag; i++)
    if (Math.abs(rDiag[i]!) <= 0) throw new CloudSimMathError('singular matrix');
  // Solve R β = Qᵀ y.
  const z = zWork;
  for (let r = 0; r < m; r++) z[r] = y[r]!;
  for (let minor = 0; minor < nDiag; minor++) {
    const mb = minor * m;
    let dot = 0;
    for (let row = minor; row < m; row++) dot += z[row]! * qrt[mb + row]!;
    dot /= rDiag[minor]! * qrt[mb + minor]!;
    for (let row = minor; row < m; row++) z[row]! += dot * qrt[mb + row]!;
  }
  const beta = betaWork;
  for (let row = nDiag - 1; row >= 0; row--) {
    z[row]! /= rDiag[row]!;
    const v = z[row]!;
    beta[row] = v;
    const rb = row * m;
    for (let i = 0; i < row; i++) z[i]! -= v * qrt[rb + i]!;
  }
  // Residual sum of squares, and SecondMoment's running total sum of squares.
  let ssr = 0;
  for (let r = 0; r < m; r++) {
    let fit = beta[0]!;
    for (let c = 1; c < cols; c++) fit += columns[c - 1]![r]! * beta[c]!;
    const e = y[r]! - fit;
    ssr += e * e;
  }
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < m; i++) {
    const n = i + 1;
    const dev = y[i]! - m1;
    const nDev = dev / n;
    m1 += nDev;
    m2 += (n - 1) * dev * nDev;
  }
  return 1 - ssr / m2;
}

let prefixWork = new Float64Array(0);
let seriesWork = new Float64Array(0);
let sstoWork = new Float64Array(0);
let suffixWork = new Float64Array(0);
let prefixDiag = new Float64Array(0);

/**
 * R² of each series regressed on all the others, as olsRSquared(series[i], others, m) gives it
 * for i = 0, 1, … (MaximumCorrelation's getCorrelationCoefficients), to the bit, with the
 * Householder steps of the common prefix [1, series 0..i−1] shared between the fits: the fit of
 * series i continues from the prefix state where that of series i − 1 left it (about a third of
 * the work). Throws CloudSimMathError at the first fit commons-math would throw on.
 */
export function allRSquared(series: readonly ArrayLike<number>[], m: number): number[] {
  const n = series.length;
  if (m === 0 || n < 2) throw new CloudSimMathError('no data');
  if (n > m) throw new CloudSimMathError('not enough data for the number of predictors');
  // P: the columns [1, s_0, …, s_{n−1}], with the prefix reflectors applied as fits advance.
  const width = n + 1;
  if (prefixWork.length < width * m) prefixWork = new Float64Array(2 * width * m);
  if (suffixWork.length < width * m) suffixWork = new Float64Array(2 * width * m);
  if (prefixDiag.length < width) prefixDiag = new Float64Array(2 * width);
  if (betaWork.length < width) {
    betaWork = new Float64Array(2 * width);
    diagWork = new Float64Array(2 * width);
  }
  if (zWork.length < m) zWork = new Float64Array(2 * m);
  // X: the series, flat (X[j·m + r]); ssto: each one's total sum of squares (SecondMoment).
  if (seriesWork.length < n * m) seriesWork = new Float64Array(2 * n * m);
  if (sstoWork.length < n) sstoWork = new Float64Array(2 * n);
  const X = seriesWork;
  const ssto = sstoWork;
  for (let j = 0; j < n; j++) {
    const src = series[j]!;
    let m1 = 0;
    let m2 = 0;
    for (let r = 0; r < m; r++) {
      const v = src[r]!;
      X[j * m + r] = v;
      const k = r + 1;
      const dev = v - m1;
      const nDev = dev / k;
      m1 += nDev;
      m2 += (k - 1) * dev * nDev;
    }
    ssto[j] = m2;
  }
  const P = prefixWork;
  for (let r = 0; r < m; r++) P[r] = 1;
  P.set(X.subarray(0, n * m), m);
  prefixDiag[0] = householderStep(P, m, 0, 0, width);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    // Prefix minors 0..i are done in P; its column i + 1 is series i with them applied (z so far).
    const F = suffixWork; // fit positions i + 1 … n − 1 (series i + 1 …), then z
    const suffix = n - 1 - i;
    for (let k = 0; k < suffix; k++) F.set(P.subarray((i + 2 + k) * m, (i + 3 + k) * m), k * m);
    const zb = suffix * m;
    F.set(P.subarray((i + 1) * m, (i + 2) * m), zb);
    const diag = diagWork;
    for (let k = 0; k <= i; k++) diag[k] = prefixDiag[k]!;
    // The suffix's minors i + 1 … n − 1, on the fit's own columns, z carried along as a column.
    for (let k = 0; k < suffix; k++) {
      const minor = i + 1 + k;
      diag[minor] = householderStep(F, m, minor, k, suffix + 1);
    }
    for (let k = 0; k < n; k++)
      if (Math.abs(diag[k]!) <= 0) throw new CloudSimMathError('singular matrix');
    // Back substitution R β = Qᵀ y; column `pos` of R is P's (prefix) or F's (suffix).
    const z = zWork;
    for (let r = 0; r < m; r++) z[r] = F[zb + r]!;
    const beta = betaWork;
    for (let row = n - 1; row >= 0; row--) {
      z[row]! /= diag[row]!;
      const v = z[row]!;
      beta[row] = v;
      const base = row <= i ? row * m : (row - i - 1) * m;
      const col = row <= i ? P : F;
      for (let r = 0; r < row; r++) z[r]! -= v * col[base + r]!;
    }
    // Residuals with the original design [1, s_j (j ≠ i)], the fit summed in column order.
    const yb = i * m;
    let ssr = 0;
    for (let r = 0; r < m; r++) {
      let fit = beta[0]!;
      let pos = 1;
      for (let j = 0; j < n; j++) if (j !== i) fit += X[j * m + r]! * beta[pos++]!;
      const e = X[yb + r]! - fit;
      ssr += e * e;
    }
    const m2 = ssto[i]!;
    out.push(1 - ssr / m2);
    // Advance the prefix by series i (P's column i + 1) for the next fit.
    if (i < n - 1) prefixDiag[i + 1] = householderStep(P, m, i + 1, i + 1, width);
  }
  return out;
}

/**
 * One step of commons-math's QRDecomposition: the reflector of column `col` (its rows from
 * `minor` on) applied to the columns after it up to `width`; returns R's diagonal entry.
 */
function householderStep(
  Q: Float64Array,
  m: number,
  minor: number,
  col: number,
  width: number,
): number {
  const mb = col * m;
  let norm = 0;
  for (let row = minor; row < m; row++) norm += Q[mb + row]! * Q[mb + row]!;
  const a = Q[mb + minor]! > 0 ? -Math.sqrt(norm) : Math.sqrt(norm);
  if (a !== 0) {
    Q[mb + minor]! -= a;
    for (let c = col + 1; c < width; c++) {
      const cb = c * m;
      let alpha = 0;
      for (let row = minor; row < m; row++) alpha -= Q[cb + row]! * Q[mb + row]!;
      alpha /= a * Q[mb + minor]!;
      for (let row = minor; row < m; row++) Q[cb + row]! -= alpha * Q[mb + row]!;
    }
  }
  return a;
}
