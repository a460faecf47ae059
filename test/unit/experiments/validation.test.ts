/**
 * The validation rows of `npm run compare`: our median over seeds against CloudSim's figure, the
 * relative error per metric, and "within" exactly when energy, migrations and SLATAH are within
 * 5, 10 and 15 %; only heuristics CloudSim ran get a row.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyResult } from '../../../experiments/compare/report.ts';
import { validationRows } from '../../../experiments/compare/validation.ts';
import type { RunResult } from '../../../experiments/compare/run-one.ts';

const ref = {
  'thr-mmt': {
    runner: 'ThrMmt',
    energyKWh: 200,
    migrations: 1000,
    slatah: 0.05,
    pdm: 0.001,
    slav: 0.00005,
    esv: 0.01,
    hostShutdowns: 100,
  },
};

function result(policy: string, runs: Partial<RunResult['summary']>[]): PolicyResult {
  return {
    policy,
    kind: 'centralised',
    stats: {},
    runs: runs.map((summary, i) => ({
      seed: i + 1,
      result: { summary, wallSeconds: 1 } as unknown as RunResult,
    })),
  };
}

describe('validation rows', () => {
  const base = { pdm: 0.001, slav: 0.00005, esv: 0.01, hostShutdowns: 100 };
  it('compares the median over seeds and flags the 5 / 10 / 15 % bar', () => {
    const ok = result('thr-mmt', [
      { ...base, energyKWh: 209, migrations: 1090, slatah: 0.0574 },
      { ...base, energyKWh: 190, migrations: 900, slatah: 0.04 },
      { ...base, energyKWh: 209.9, migrations: 1099, slatah: 0.0574 },
    ]);
    const [row] = validationRows([ok], ref);
    expect(row!.ours.energyKWh).toBe(209);
    expect(row!.relativeError.energyKWh).toBeCloseTo(0.045, 12);
    expect(row!.relativeError.migrations).toBeCloseTo(0.09, 12);
    expect(row!.within).toBe(true);
    const off = result('thr-mmt', [{ ...base, energyKWh: 200, migrations: 1000, slatah: 0.058 }]);
    expect(validationRows([off], ref)[0]!.within).toBe(false); // SLATAH +16 %
  });

  it('has no row for a policy CloudSim did not run', () => {
    expect(validationRows([result('glap', [{ ...base, energyKWh: 1 }])], ref)).toEqual([]);
  });
});
