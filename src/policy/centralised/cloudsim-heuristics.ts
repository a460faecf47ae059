/**
 * CloudSim 3.0.3's PlanetLab power heuristics (Beloglazov & Buyya 2012), as its example runners
 * (org.cloudbus.cloudsim.examples.power.planetlab.*) configure them: an overload detector with
 * its parameter, and a VM selection policy. The names are qossip's `--policy` names.
 */

/** CloudSim's overload detectors: static threshold, IQR, MAD, local regression (and robust). */
export type DetectorName = 'thr' | 'iqr' | 'mad' | 'lr' | 'lrr';
/** CloudSim's VM selection: minimum migration time, maximum correlation, minimum utilisation, random. */
export type SelectorName = 'mmt' | 'mc' | 'mu' | 'rs';

export interface CloudSimHeuristic {
  /** qossip's policy name, `<detector>-<selector>`. */
  readonly name: string;
  /** CloudSim's runner class, e.g. LrMmt. */
  readonly runner: string;
  readonly detector: DetectorName;
  readonly selector: SelectorName;
  /** THR: utilisation threshold; IQR, MAD, LR, LRR: safety parameter (the runners' values). */
  readonly parameter: number;
}

const DETECTORS = [
  ['thr', 'Thr', 0.8, 'static threshold 0.8'],
  ['iqr', 'Iqr', 1.5, 'interquartile range, safety 1.5'],
  ['mad', 'Mad', 2.5, 'median absolute deviation, safety 2.5'],
  ['lr', 'Lr', 1.2, 'local regression × 1.2'],
  ['lrr', 'Lrr', 1.2, 'robust local regression × 1.2'],
] as const;
const SELECTORS = [
  ['mmt', 'Mmt', 'minimum migration time'],
  ['mc', 'Mc', 'maximum correlation'],
  ['mu', 'Mu', 'minimum utilisation'],
  ['rs', 'Rs', 'random selection'],
] as const;

export const CLOUDSIM_HEURISTICS: readonly (CloudSimHeuristic & {
  readonly description: string;
})[] = DETECTORS.flatMap(([detector, d, parameter, dText]) =>
  SELECTORS.map(([selector, s, sText]) => ({
    name: `${detector}-${selector}`,
    runner: `${d}${s}`,
    detector,
    selector,
    parameter,
    description: `centralised ${detector.toUpperCase()}-${selector.toUpperCase()} (Beloglazov & Buyya 2012, CloudSim 3.0.3): ${dText}, ${sText}, power-aware best fit`,
  })),
);
