/**
 * Host overload detection of Beloglazov & Buyya (2012), as in CloudSim 3.0.3:
 *  - THR (PowerVmAllocationPolicyMigrationStaticThreshold): overloaded when the requested CPU of
 *    the VMs on the host exceeds a static fraction (0.8) of its capacity;
 *  - LR (PowerVmAllocationPolicyMigrationLocalRegression): a straight line fitted by least squares
 *    to the host's last 10 utilisation samples, extrapolated one migration time ahead and
 *    multiplied by a safety parameter (1.2); overloaded when that reaches 1. A host's history is
 *    the sum of its current VMs' own histories (VM utilisation × VM MIPS / host MIPS, newest
 *    first, 30 samples, zero tail trimmed), so a VM's history travels with it. With fewer than 10
 *    samples LR falls back to a static threshold (0.7). CloudSim's "Loess" estimator is plain OLS
 *    here: its tricube weights are never ≤ 0, so they are never applied.
 */

/** Samples kept per VM (CloudSim's PowerVm.HISTORY_LENGTH). */
export const HISTORY_LENGTH = 30;
/** Samples the regression uses. */
export const LR_WINDOW = 10;

/** A host's planned state, as the detector sees it. */
export interface HostLoad {
  /** Σ requested MIPS of the VMs on the host, plus the candidate VM if any. */
  cpuMips: number;
  capMips: number;
  /**
   * Σ of the VMs' utilisation histories in host-capacity fractions, newest first (HISTORY_LENGTH
   * entries), plus the candidate's; only LR reads it.
   */
  history: Float64Array;
  /** Migration intervals ahead to predict: ⌈longest VM migration time / step⌉ (LR only). */
  intervalsAhead: number;
}

export interface OverloadDetector {
  readonly name: string;
  /** Whether the host counts as over-utilised. */
  isOverloaded(h: HostLoad): boolean;
}

export class OverloadDetectorThreshold implements OverloadDetector {
  readonly name = 'thr';
  /** @param threshold CPU utilisation (0..1) above which a host is over-utilised */
  constructor(readonly threshold: number) {}
  isOverloaded(h: HostLoad): boolean {
    return h.cpuMips / h.capMips > this.threshold;
  }
}

export class OverloadDetectorLocalRegression implements OverloadDetector {
  readonly name = 'lr';
  private readonly fallback: OverloadDetectorThreshold;
  /**
   * @param safety multiplier of the predicted utilisation (CloudSim: 1.2)
   * @param fallbackThreshold static threshold while fewer than 10 samples exist (CloudSim: 0.7)
   */
  constructor(
    readonly safety: number,
    fallbackThreshold: number,
  ) {
    this.fallback = new OverloadDetectorThreshold(fallbackThreshold);
  }

  isOverloaded(h: HostLoad): boolean {
    const hist = h.history;
    let len = hist.length;
    while (len > 0 && hist[len - 1] === 0) len--; // MathUtil.trimZeroTail
    if (len < LR_WINDOW) return this.fallback.isOverloaded(h);
    // x = 1..10 from oldest to newest: y[j] = hist[9 - j].
    const n = LR_WINDOW;
    const xMean = (n + 1) / 2;
    let yMean = 0;
    for (let j = 0; j < n; j++) yMean += hist[n - 1 - j]!;
    yMean /= n;
    let sxy = 0;
    let sxx = 0;
    for (let j = 0; j < n; j++) {
      const dx = j + 1 - xMean;
      sxy += dx * (hist[n - 1 - j]! - yMean);
      sxx += dx * dx;
    }
    const slope = sxy / sxx;
    const intercept = yMean - slope * xMean;
    const predicted = (intercept + slope * (n + h.intervalsAhead)) * this.safety;
    return predicted >= 1;
  }
}
