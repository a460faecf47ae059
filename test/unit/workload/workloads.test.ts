import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { WorkloadPlanetLab, parseTraceFile } from '../../../src/workload/workload-planetlab.ts';
import { SYNTHETIC_KINDS, WorkloadSynthetic } from '../../../src/workload/workload-synthetic.ts';
import { TraceFormatError, UserError } from '../../../src/core/errors.ts';

const FIX = join(import.meta.dirname, '../../fixtures');
// The shared data beside the checkout (CI has it); without it this test fails with the reader's
// one-sentence error naming the missing directory, rather than skipping.
const PLANETLAB_DAY = join(import.meta.dirname, '../../../../shared/data/planetlab/20110303');

describe('PlanetLab reader', () => {
  it('reads one series per file, in sorted order, as fractions', () => {
    const w = new WorkloadPlanetLab(join(FIX, 'planetlab-ok'));
    expect(w.vmCount).toBe(2);
    expect(w.maxSteps).toBe(3);
    const out = new Float64Array(2);
    w.cpuUtilAt(1, out);
    expect([...out]).toEqual([0.2, 1]);
  });

  it('names the file and line of a malformed sample', () => {
    const bad = join(FIX, 'planetlab-bad');
    expect(() => new WorkloadPlanetLab(bad)).toThrow(TraceFormatError);
    expect(() => new WorkloadPlanetLab(bad)).toThrow(
      `${join(bad, 'vm-b')}:2: expected an integer CPU percentage 0–100, got '2x0'`,
    );
  });

  it('rejects a missing directory with a user error', () => {
    expect(() => new WorkloadPlanetLab(join(FIX, 'nope'))).toThrow(UserError);
  });

  it('reads the 20110303 day: 1052 VMs × 288 steps, mean 12.31 %', () => {
    const w = new WorkloadPlanetLab(PLANETLAB_DAY);
    expect(w.vmCount).toBe(1052);
    expect(w.maxSteps).toBe(288);
    const out = new Float64Array(w.vmCount);
    let sum = 0;
    for (let s = 0; s < 288; s++) {
      w.cpuUtilAt(s, out);
      for (const x of out) sum += x;
    }
    expect((100 * sum) / (1052 * 288)).toBeCloseTo(12.31, 1);
    expect(parseTraceFile(join(PLANETLAB_DAY, w.files[0]!)).length).toBe(288);
  });
});

describe('synthetic workloads', () => {
  it.each(SYNTHETIC_KINDS)('%s: deterministic per seed, in [0, 1], order-free', (kind) => {
    const a = new WorkloadSynthetic(kind, 50, 9);
    const b = new WorkloadSynthetic(kind, 50, 9);
    const c = new WorkloadSynthetic(kind, 50, 10);
    const x = new Float64Array(50);
    const y = new Float64Array(50);
    const z = new Float64Array(50);
    b.cpuUtilAt(100, y); // asking a later step first changes nothing
    a.cpuUtilAt(100, x);
    c.cpuUtilAt(100, z);
    expect([...x]).toEqual([...y]);
    expect([...x]).not.toEqual([...z]);
    for (const u of x) expect(u >= 0 && u <= 1).toBe(true);
  });

  it('high usage is busier than steady; diurnal swings over a day', () => {
    const mean = (kind: (typeof SYNTHETIC_KINDS)[number], step: number) => {
      const w = new WorkloadSynthetic(kind, 400, 1);
      const out = new Float64Array(400);
      w.cpuUtilAt(step, out);
      return out.reduce((s, v) => s + v, 0) / 400;
    };
    expect(mean('high', 5)).toBeGreaterThan(mean('steady', 5) + 0.3);
    expect(Math.abs(mean('diurnal', 144) - mean('diurnal', 0))).toBeGreaterThan(0.1);
  });
});
