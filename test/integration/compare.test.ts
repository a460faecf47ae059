/** `npm run compare` as a user meets it: a table, compare.csv and compare.json, seeds on workers. */
import { describe, expect, it } from 'vitest';
import { runScript } from '../helpers/fixtures.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const compare = (...args: string[]) => runScript('experiments/compare.ts', ...args);

describe('compare CLI', () => {
  it('runs policies × seeds on worker threads and writes medians and IQRs', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'qossip-compare-')), 'c');
    const r = compare(
      '--pms',
      '12',
      '--steps',
      '12',
      '--policies',
      'qlearning,thr-mmt,none',
      '--seeds',
      '2',
      '--jobs',
      '2',
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/median \(IQR\) over 2 seeds/);
    expect(r.stdout).toMatch(/thr-mmt\s*│\s*centralised/);
    const csv = readFileSync(join(out, 'compare.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(
      /^policy,kind,seeds,energyKWh_median,energyKWh_q1,energyKWh_q3,migrations_median/,
    );
    expect(csv).toHaveLength(4);
    const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(json.policies.map((p: { policy: string }) => p.policy)).toEqual([
      'qlearning',
      'thr-mmt',
      'none',
    ]);
    const q = json.policies[0];
    expect(q.runs.map((x: { seed: number }) => x.seed)).toEqual([1, 2]);
    const e = q.runs.map((x: { summary: { energyKWh: number } }) => x.summary.energyKWh).sort();
    expect(q.stats.energyKWh.median).toBeCloseTo((e[0] + e[1]) / 2, 9);
    expect(json.policies[2].stats.migrations.median).toBe(0);
  });

  it('runs a preset as a row of its own name (thesis: GLAP as the thesis has it)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'qossip-compare-')), 'c');
    const r = compare(
      '--pms',
      '10',
      '--steps',
      '4',
      '--policies',
      'thesis,glap',
      '--seeds',
      '1',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/thesis\s*│\s*gossip/);
    const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    const [thesis, glap] = json.policies.map((p: { stats: { messages: { median: number } } }) => p);
    expect([thesis.policy, glap.policy]).toEqual(['thesis', 'glap']);
    // Every PM gossips every round in the thesis: more messages than the tuned probe period.
    expect(thesis.stats.messages.median).toBeGreaterThan(glap.stats.messages.median);
  });

  it('rejects an unknown policy with one sentence', () => {
    const r = compare('--policies', 'qlearning,magic');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^qossip: unknown policy 'magic'/);
  });
});
