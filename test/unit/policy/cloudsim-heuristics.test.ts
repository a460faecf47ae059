/**
 * CloudSim's overload detectors and VM selectors on hand-computed cases: IQR's and MAD's adaptive
 * thresholds on a known series, LR's extrapolation and safety parameter, the static fallback
 * while histories are short; MMT's least RAM, MU's least utilisation, RS from the seeded stream,
 * MC's best-explained VM and its fallback; and every heuristic in the registry.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import { CLOUDSIM_HEURISTICS } from '../../../src/policy/centralised/cloudsim-heuristics.ts';
import { olsRSquared } from '../../../src/policy/centralised/cloudsim-least-squares.ts';
import {
  HISTORY_LENGTH,
  overloadDetector,
  type HostLoad,
} from '../../../src/policy/centralised/overload-detector.ts';
import {
  vmSelector,
  type SelectionCandidates,
} from '../../../src/policy/centralised/vm-selector.ts';
import { POLICIES } from '../../../experiments/policies.ts';
import { readReference } from '../../../experiments/compare/validation.ts';

/** A host of 1000 MIPS requesting `cpu` MIPS, with a history (newest first). */
function load(newestFirst: number[], cpu: number): HostLoad {
  const history = new Float64Array(HISTORY_LENGTH);
  history.set(newestFirst);
  let len = newestFirst.length;
  while (len > 0 && newestFirst[len - 1] === 0) len--;
  return { cpuMips: cpu, capMips: 1000, history, historyLength: len, intervalsAhead: 1 };
}

// 0.05, 0.10, …, 0.60: IQR = x[9] − x[2] = 0.50 − 0.15 = 0.35; median 0.325, MAD 0.15.
const twelve = Array.from({ length: 12 }, (_, i) => 0.05 * (i + 1));

describe('overload detectors', () => {
  it('THR: strictly above the threshold', () => {
    const thr = overloadDetector('thr', 0.8, 0.7);
    expect(thr.isOverloaded(load([], 800))).toBe(false);
    expect(thr.isOverloaded(load([], 801))).toBe(true);
  });

  it('IQR: above 1 − 1.5 × IQR = 0.475 once 12 samples exist, else above 0.7', () => {
    const iqr = overloadDetector('iqr', 1.5, 0.7);
    expect(iqr.isOverloaded(load(twelve, 480))).toBe(true);
    expect(iqr.isOverloaded(load(twelve, 470))).toBe(false);
    expect(iqr.isOverloaded(load(twelve.slice(0, 11), 690))).toBe(false);
    expect(iqr.isOverloaded(load(twelve.slice(0, 11), 710))).toBe(true);
  });

  it('MAD: above 1 − 2.5 × MAD = 0.625 once 12 samples exist', () => {
    const mad = overloadDetector('mad', 2.5, 0.7);
    expect(mad.isOverloaded(load(twelve, 630))).toBe(true);
    expect(mad.isOverloaded(load(twelve, 620))).toBe(false);
  });

  it('LR: extrapolates the last 10 samples one migration interval ahead, × the safety parameter', () => {
    const lr = overloadDetector('lr', 1.2, 0.7);
    // Rising 0.02 per step to 0.80: predicted 0.82 × 1.2 = 0.984 < 1.
    expect(
      lr.isOverloaded(
        load(
          Array.from({ length: 10 }, (_, i) => 0.8 - 0.02 * i),
          0,
        ),
      ),
    ).toBe(false);
    // Rising to 0.85: 0.87 × 1.2 = 1.044 ≥ 1.
    expect(
      lr.isOverloaded(
        load(
          Array.from({ length: 10 }, (_, i) => 0.85 - 0.02 * i),
          0,
        ),
      ),
    ).toBe(true);
    // The same series at safety 1.1: 0.957, not overloaded.
    const lr11 = overloadDetector('lr', 1.1, 0.7);
    expect(
      lr11.isOverloaded(
        load(
          Array.from({ length: 10 }, (_, i) => 0.85 - 0.02 * i),
          0,
        ),
      ),
    ).toBe(false);
  });

  it('LR and LRR fall back to 0.7 with fewer than 10 samples (zero tail cut)', () => {
    for (const name of ['lr', 'lrr'] as const) {
      const d = overloadDetector(name, 1.2, 0.7);
      expect(d.isOverloaded(load([0.9, 0.9, 0, 0], 710))).toBe(true);
      expect(d.isOverloaded(load([0.9, 0.9, 0, 0], 690))).toBe(false);
    }
  });
});

function candidates(
  vms: number[],
  ram: number[],
  util: number[],
  history: number[][] = [],
): SelectionCandidates {
  return {
    vms,
    ramMb: (vm) => ram[vm]!,
    util: (vm) => util[vm]!,
    history: (vm) => history[vm] ?? [],
  };
}

describe('VM selectors', () => {
  const rng = new Rng(1);
  it('MMT: the least RAM, the first in list order on ties', () => {
    const mmt = vmSelector('mmt', rng);
    expect(mmt.select(candidates([0, 1, 2], [1740, 613, 870], [0.1, 0.2, 0.3]))).toBe(1);
    // VMs 2 and 0 both have 613 MB: VM 2 comes first in the host's list.
    expect(mmt.select(candidates([2, 0, 1], [613, 1740, 613], [0, 0, 0]))).toBe(0);
    expect(mmt.select(candidates([], [], []))).toBe(-1);
  });

  it('MU: the lowest utilisation, the first on ties', () => {
    const mu = vmSelector('mu', rng);
    expect(mu.select(candidates([0, 1, 2], [1, 1, 1], [0.5, 0.2, 0.2]))).toBe(1);
  });

  it('RS: uniform over the candidates, from the seeded stream', () => {
    const picks = (seed: number) => {
      const rs = vmSelector('rs', new Rng(seed));
      return Array.from({ length: 200 }, () =>
        rs.select(candidates([0, 1, 2, 3], [1, 1, 1, 1], [0, 0, 0, 0])),
      );
    };
    const a = picks(7);
    expect(picks(7)).toEqual(a);
    expect(picks(8)).not.toEqual(a);
    for (let i = 0; i < 4; i++) expect(a.filter((x) => x === i).length).toBeGreaterThan(25);
  });

  it('MC: the VM whose history the others explain best (highest R²)', () => {
    // VMs 0 and 1 move together; VM 2 is noise. Five samples, newest first.
    const history = [
      [0.1, 0.2, 0.3, 0.4, 0.5],
      [0.1, 0.2, 0.3, 0.4, 0.55],
      [0.5, 0.1, 0.4, 0.2, 0.3],
    ];
    const r2 = history.map((y, i) =>
      olsRSquared(
        y,
        history.filter((_, j) => j !== i),
        5,
      ),
    );
    expect(r2[2]).toBeLessThan(Math.min(r2[0]!, r2[1]!));
    const best = r2.indexOf(Math.max(...r2));
    expect(vmSelector('mc', rng).select(candidates([0, 1, 2], [1, 2, 3], [0, 0, 0], history))).toBe(
      best,
    );
  });

  it('MC falls back to MMT when the fit cannot be made (fewer samples than VMs)', () => {
    const history = [
      [0.1, 0.2],
      [0.3, 0.1],
      [0.2, 0.2],
    ];
    const mc = vmSelector('mc', rng);
    expect(mc.select(candidates([0, 1, 2], [1740, 613, 870], [0, 0, 0], history))).toBe(1);
  });
});

describe('the registry', () => {
  it('has every detector × selector CloudSim ran, as a centralised policy', () => {
    expect(CLOUDSIM_HEURISTICS).toHaveLength(20);
    for (const h of CLOUDSIM_HEURISTICS) expect(POLICIES.get(h.name).kind).toBe('centralised');
    expect(Object.keys(readReference()).sort()).toEqual(
      CLOUDSIM_HEURISTICS.map((h) => h.name).sort(),
    );
    for (const name of ['lr-mmt', 'iqr-mmt', 'mad-mmt', 'lr-mc', 'lr-rs', 'lr-mu', 'thr-mmt'])
      expect(POLICIES.get(name).controller).toBeTypeOf('function');
  });
});
