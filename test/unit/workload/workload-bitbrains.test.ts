import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkloadBitbrains } from '../../../src/workload/workload-bitbrains.ts';
import { TraceFormatError, UserError } from '../../../src/core/errors.ts';
import { makeWorkload } from '../../../experiments/workloads.ts';

const FIX = join(import.meta.dirname, '../../fixtures');
// The shared data beside the checkout (CI has it); without it this test fails with the reader's
// one-sentence error naming the missing directory, rather than skipping.
const DAY = join(import.meta.dirname, '../../../../shared/data/bitbrains/rnd-2013-7-day1');

describe('Bitbrains GWA-T-12 reader', () => {
  it('reads files in numeric order; CPU and memory as fractions of what was provisioned', () => {
    const w = new WorkloadBitbrains(join(FIX, 'bitbrains-ok'));
    expect(w.files).toEqual(['2.csv', '10.csv']);
    expect(w.vmCount).toBe(2);
    expect(w.maxSteps).toBe(2);
    const cpu = new Float64Array(2);
    const ram = new Float64Array(2);
    const net = new Float64Array(2);
    w.cpuUtilAt(1, cpu);
    w.ramUtilAt(1, ram);
    w.networkKBpsAt(0, net);
    expect([...cpu]).toEqual([0.5, 0]);
    expect(ram[0]).toBeCloseTo(0.5, 6); // 4.096E6 KB of 8192000 KB, exponent form
    expect(ram[1]).toBe(0); // no memory provisioned: 0, not NaN
    w.ramUtilAt(0, ram);
    expect(ram[1]).toBe(1); // using more than provisioned is clamped to 1
    expect(net[0]).toBeCloseTo(1.75, 6);
  });

  it('knows when each VM runs: its first and last non-empty sample (some CPU or memory in use)', () => {
    const w = new WorkloadBitbrains(join(FIX, 'bitbrains-ok'));
    const { first, last } = w.vmLifetimes();
    expect([...first, ...last]).toEqual([0, 0, 1, 0]); // 10.csv's second sample is empty
    const dir = mkdtempSync(join(tmpdir(), 'qossip-lifetimes-'));
    const header = readFileSync(join(FIX, 'bitbrains-ok', '2.csv'), 'utf8').split('\n')[0]!;
    const row = (cpu: number, mem: number) =>
      `1;\t1;\t2600;\t${cpu};\t0;\t1000;\t${mem};\t0;\t0;\t0;\t0`;
    const write = (name: string, rows: string[]) =>
      writeFileSync(join(dir, name), [header, ...rows].join('\n'));
    write('1.csv', [row(0, 0), row(100, 0), row(0, 10), row(0, 0)]); // runs at steps 1–2
    write('2.csv', [row(5, 5), row(5, 5), row(5, 5), row(5, 5)]); // the whole trace
    write('3.csv', [row(0, 0), row(0, 0), row(0, 0), row(0, 0)]); // never
    const t = new WorkloadBitbrains(dir).vmLifetimes();
    expect([...t.first]).toEqual([1, 0, -1]);
    expect([...t.last]).toEqual([2, 3, -1]);
  });

  it('names the file and line of a malformed number', () => {
    const bad = join(FIX, 'bitbrains-bad');
    expect(() => new WorkloadBitbrains(bad)).toThrow(TraceFormatError);
    expect(() => new WorkloadBitbrains(bad)).toThrow(
      `${join(bad, '1.csv')}:3: column 4: expected a non-negative number, got 'abc'`,
    );
  });

  it('is a --workload kind, with a user error for a missing directory', () => {
    expect(() =>
      makeWorkload({ spec: 'bitbrains:/nope', vms: null, pms: 2, vmsPerPm: 1, seed: 1 }),
    ).toThrow(UserError);
    const w = makeWorkload({
      spec: `bitbrains:${join(FIX, 'bitbrains-ok')}`,
      vms: 1,
      pms: 2,
      vmsPerPm: 1,
      seed: 1,
    });
    expect(w.vmCount).toBe(1);
  });

  it('reads the one-day sample: 100 VMs × 288 steps', () => {
    const w = new WorkloadBitbrains(DAY);
    expect(w.vmCount).toBe(100);
    expect(w.maxSteps).toBe(288);
  });
});
