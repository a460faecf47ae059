/**
 * Host overload detection of Beloglazov & Buyya (2012), as CloudSim 3.0.3's
 * PowerVmAllocationPolicyMigration* classes decide it:
 *  - THR (StaticThreshold): overloaded when the VMs' requested MIPS exceed a fraction (0.8) of
 *    the host's capacity;
 *  - IQR (InterQuartileRange) and MAD (MedianAbsoluteDeviation): the same test against an
 *    adaptive threshold 1 − s × IQR (s = 1.5) or 1 − s × MAD (s = 2.5) of the host's utilisation
 *    history, once that history has 12 samples;
 *  - LR (LocalRegression) and LRR (LocalRegressionRobust): a straight line through the last 10
 *    samples, extrapolated one migration time ahead and multiplied by a safety parameter (1.2);
 *    overloaded when that reaches 1. LRR's robust reweighting goes through MathUtil's rule that
 *    applies weights only when 40 % of them are ≤ 0, which its weights never are, so it decides
 *    as LR does (CloudSim's own LRR runs give LR's figures).
 * IQR, MAD, LR and LRR fall back to THR at 0.7 while the history is too short. A host's history
 * is the sum of its current VMs' histories (VM utilisation × VM MIPS ÷ host MIPS, newest first, 30
 * samples, zero tail trimmed: PowerHostUtilizationHistory), so a VM's history travels with it.
 */
import {
  CloudSimMathError,
  iqr,
  loessEstimates,
  mad,
  robustLoessEstimates,
} from './cloudsim-math.ts';
import type { DetectorName } from './cloudsim-heuristics.ts';

/** Samples kept per VM (CloudSim's PowerVm.HISTORY_LENGTH). */
export const HISTORY_LENGTH = 30;
/** Samples the regression uses. */
export const LR_WINDOW = 10;
/** Samples IQR and MAD need (CloudSim: "12 has been suggested as a safe value"). */
export const ADAPTIVE_MIN_SAMPLES = 12;

/** A host's planned state, as the detector sees it. */
export interface HostLoad {
  /** Σ requested MIPS of the VMs on the host, plus the candidate VM if any. */
  cpuMips: number;
  capMips: number;
  /**
   * Σ of the VMs' utilisation histories in host-capacity fractions, newest first, plus the
   * candidate's; valid in its first min(historyLength, detector.historySamples) entries.
   */
  history: Float64Array;
  /** Samples in the history once its zero tail is cut (MathUtil.trimZeroTail), 0..30. */
  historyLength: number;
  /** Migration intervals ahead to predict: ⌈longest VM migration time / step⌉ (LR only). */
  intervalsAhead: number;
}

export interface OverloadDetector {
  readonly name: string;
  /**
   * How many of the newest history samples it reads (0: neither `history`, `historyLength` nor
   * `intervalsAhead`), so callers fill no more.
   */
  readonly historySamples: number;
  /** Whether the host counts as over-utilised. */
  isOverloaded(h: HostLoad): boolean;
}

export class OverloadDetectorThreshold implements OverloadDetector {
  readonly name = 'thr';
  readonly historySamples = 0;
  /** @param threshold CPU utilisation (0..1) above which a host is over-utilised */
  constructor(readonly threshold: number) {}
  isOverloaded(h: HostLoad): boolean {
    return h.cpuMips / h.capMips > this.threshold;
  }
}

/** IQR or MAD: utilisation above 1 − safety × spread(history). */
export class OverloadDetectorAdaptive implements OverloadDetector {
  readonly historySamples = HISTORY_LENGTH;
  private readonly fallback: OverloadDetectorThreshold;
  private readonly spread: (xs: Float64Array) => number;
  /**
   * @param name `iqr` (interquartile range) or `mad` (median absolute deviation)
   * @param safety the safety parameter s (CloudSim's runners: IQR 1.5, MAD 2.5)
   * @param fallbackThreshold static threshold while fewer than 12 samples exist (CloudSim: 0.7)
   */
  constructor(
    readonly name: 'iqr' | 'mad',
    readonly safety: number,
    fallbackThreshold: number,
  ) {
    this.fallback = new OverloadDetectorThreshold(fallbackThreshold);
    this.spread = name === 'iqr' ? iqr : mad;
  }
  isOverloaded(h: HostLoad): boolean {
    if (h.historyLength < ADAPTIVE_MIN_SAMPLES) return this.fallback.isOverloaded(h);
    const data = h.history.subarray(0, h.historyLength);
    const upper = 1 - this.safety * this.spread(data);
    return h.cpuMips / h.capMips > upper;
  }
}

export class OverloadDetectorLocalRegression implements OverloadDetector {
  readonly historySamples = LR_WINDOW;
  private readonly fallback: OverloadDetectorThreshold;
  private readonly window = new Float64Array(LR_WINDOW);
  /**
   * @param name `lr`, or `lrr` for CloudSim's robust variant (tricube-bisquare reweighting)
   * @param safety multiplier of the predicted utilisation (CloudSim: 1.2)
   * @param fallbackThreshold static threshold while fewer than 10 samples exist (CloudSim: 0.7)
   */
  constructor(
    readonly name: 'lr' | 'lrr',
    readonly safety: number,
    fallbackThreshold: number,
  ) {
    this.fallback = new OverloadDetectorThreshold(fallbackThreshold);
  }

  isOverloaded(h: HostLoad): boolean {
    const hist = h.history;
    if (h.historyLength < LR_WINDOW) return this.fallback.isOverloaded(h);
    // Oldest to newest of the last 10 samples, at x = 1..10.
    for (let i = 0; i < LR_WINDOW; i++) this.window[i] = hist[LR_WINDOW - 1 - i]!;
    let est: [number, number];
    try {
      est = this.name === 'lr' ? loessEstimates(this.window) : robustLoessEstimates(this.window);
    } catch (e) {
      if (e instanceof CloudSimMathError) return this.fallback.isOverloaded(h);
      throw e;
    }
    const predicted = (est[0] + est[1] * (LR_WINDOW + h.intervalsAhead)) * this.safety;
    return predicted >= 1;
  }
}

/**
 * A detector by name with its parameter: THR's threshold, or the safety parameter of the others
 * (which fall back to THR at `fallbackThreshold`).
 */
export function overloadDetector(
  name: DetectorName,
  parameter: number,
  fallbackThreshold: number,
): OverloadDetector {
  switch (name) {
    case 'thr':
      return new OverloadDetectorThreshold(parameter);
    case 'iqr':
    case 'mad':
      return new OverloadDetectorAdaptive(name, parameter, fallbackThreshold);
    case 'lr':
    case 'lrr':
      return new OverloadDetectorLocalRegression(name, parameter, fallbackThreshold);
  }
}
