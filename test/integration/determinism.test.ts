/** Same seed ⇒ identical results; another seed ⇒ different results (Gymnasium's determinism check). */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../experiments/simulation.ts';
import { makeWorkload } from '../../experiments/workloads.ts';
import { testConfig } from '../helpers/fixtures.ts';
import { stepsCsv, nodesCsv } from '../../src/metrics/csv.ts';

async function run(
  seed: number,
  workload = 'synthetic:diurnal',
  policy = 'qlearning',
  peerSampling: 'uniform' | 'cyclon' = 'uniform',
  tables: 'dense' | 'sparse' = 'sparse',
) {
  const config = testConfig({
    pms: 40,
    steps: 60,
    seed,
    workload,
    policy,
    roundsPerStep: 2,
    peerSampling,
    qlearning: { tables },
  });
  const w = makeWorkload({ spec: workload, vms: null, pms: 40, vmsPerPm: config.vmsPerPm, seed });
  const r = await simulate(config, w);
  return {
    summary: JSON.stringify(r.summary),
    steps: stepsCsv(r.rows),
    nodes: nodesCsv(r.nodes),
    migrations: r.summary.migrations,
  };
}

describe('determinism', () => {
  it.each(['synthetic:diurnal', 'synthetic:spikes'])(
    '%s: same seed twice ⇒ identical summary and CSVs',
    async (w) => {
      const a = await run(11, w);
      const b = await run(11, w);
      expect(a.migrations).toBeGreaterThan(0);
      expect(b).toEqual(a);
    },
  );

  it('cyclon peer sampling: same seed twice ⇒ identical run', async () => {
    const a = await run(5, 'synthetic:spikes', 'qlearning', 'cyclon');
    expect(a.migrations).toBeGreaterThan(0);
    expect(await run(5, 'synthetic:spikes', 'qlearning', 'cyclon')).toEqual(a);
    expect((await run(5, 'synthetic:spikes', 'qlearning', 'uniform')).summary).not.toEqual(
      a.summary,
    );
  });

  it.each(['qlearning', 'glap'])(
    '%s: sparse and dense Q-tables ⇒ identical run (same values, same decisions)',
    async (policy) => {
      const sparse = await run(4, 'synthetic:spikes', policy, 'cyclon', 'sparse');
      expect(sparse.migrations).toBeGreaterThan(0);
      expect(await run(4, 'synthetic:spikes', policy, 'cyclon', 'dense')).toEqual(sparse);
    },
  );

  it('another seed ⇒ a different run', async () => {
    const a = await run(11);
    const c = await run(12);
    expect(c.summary).not.toEqual(a.summary);
  });

  it('policy none never migrates, and consolidation beats it on energy', async () => {
    const none = JSON.parse((await run(3, 'synthetic:diurnal', 'none')).summary);
    const q = JSON.parse((await run(3)).summary);
    expect(none.migrations).toBe(0);
    expect(q.energyKWh).toBeLessThan(none.energyKWh);
    expect(q.activePmsMean).toBeGreaterThanOrEqual(q.lowerBoundMean);
  });
});
