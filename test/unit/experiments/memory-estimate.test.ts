import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkMemory, estimateMemory, memoryLimits } from '../../../experiments/memory-estimate.ts';
import { runScript } from '../../helpers/fixtures.ts';
import { testConfig } from '../../helpers/fixtures.ts';

const GB = 2 ** 30;
const roomy = { machineBytes: 64 * GB, heapLimitBytes: 4 * GB };

describe('memory estimate', () => {
  const dense = { qlearning: { tables: 'dense' as const } };

  it('covers what real runs used: 10,000 Q-learning PMs with dense tables peaked at ~1.07 GB', () => {
    const e = estimateMemory(testConfig({ pms: 10_000, ...dense }), 13_000);
    expect(e.totalBytes).toBeGreaterThan(1.07 * GB);
    expect(e.totalBytes).toBeLessThan(1.6 * GB); // and does not refuse runs that fit by far
  });

  it('sparse tables: far less than dense, still above what 12,000 PMs used (172 MB)', () => {
    const sparse = estimateMemory(testConfig({ pms: 12_000 }), 15_600).totalBytes;
    expect(sparse).toBeGreaterThan(172 * 2 ** 20);
    expect(sparse).toBeLessThan(
      estimateMemory(testConfig({ pms: 12_000, ...dense }), 15_600).totalBytes / 2,
    );
  });

  it('a million Q-learning PMs with sparse tables: above what 12 steps used (12,951 MB), within 20 GiB', () => {
    const e = estimateMemory(testConfig({ pms: 1_000_000 }), 1_300_000);
    expect(e.totalBytes).toBeGreaterThan(12_951 * 2 ** 20);
    expect(e.totalBytes).toBeLessThan(20 * GB);
  });

  it('grows with PMs, VMs and Q-tables', () => {
    const q = (pms: number, vms: number, policy = 'qlearning') =>
      estimateMemory(testConfig({ pms, policy }), vms).totalBytes;
    expect(q(2000, 2600)).toBeGreaterThan(q(1000, 2600));
    expect(q(1000, 5000)).toBeGreaterThan(q(1000, 2600));
    expect(q(1000, 1300)).toBeGreaterThan(q(1000, 1300, 'none') + 3 * 2 ** 20);
  });

  it('refuses a fleet beyond the machine, or beyond the heap limit, in one sentence', () => {
    expect(() => checkMemory(testConfig({ pms: 1_000_000, ...dense }), 1_300_000, roomy)).toThrow(
      /^1000000 PMs and 1300000 VMs with qlearning would need about \d+\.\d GB of memory, more than the 64\.0 GB here; use fewer --pms$/,
    );
    expect(() =>
      checkMemory(testConfig({ pms: 1_000_000, policy: 'none' }), 1_300_000, roomy),
    ).toThrow(/JavaScript heap, more than Node's limit of 4\.0 GB; .*--max-old-space-size=\d+$/);
    expect(() => checkMemory(testConfig({ pms: 10_000 }), 13_000, roomy)).not.toThrow();
  });

  it('--pms 1000000 is refused up front, in seconds, leaving nothing behind', () => {
    const need = estimateMemory(testConfig({ pms: 1_000_000 }), 1_300_000);
    expect(
      totalmem() < need.totalBytes || memoryLimits().heapLimitBytes < need.heapBytes,
      'this machine could hold the run with its default heap: the test needs a smaller one',
    ).toBe(true);
    const t0 = Date.now();
    const r = runScript('experiments/experiment.ts', '--pms', '1000000', '--out', '/nonexistent/x');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^qossip: 1000000 PMs and 1300000 VMs with qlearning would need about/,
    );
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
