/**
 * Property: whatever the policy and profile, the lower bound never exceeds the active PMs at any
 * step (it is a relaxation of every feasible placement), every run conserves VMs (Simulation.run
 * checks ownership against the datacenter), and the same seed gives the same summary.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulation } from '../../experiments/simulation.ts';
import { ArrayWorkload, testConfig } from '../helpers/fixtures.ts';

const POLICIES = ['qlearning', 'glap', 'vman', 'thr-mmt', 'lr-mmt', 'ffd', 'none'] as const;

const scenario = fc.record({
  pms: fc.integer({ min: 3, max: 8 }),
  vmsPerPm: fc.double({ min: 0.5, max: 1.4, noNaN: true }),
  steps: fc.array(
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }),
    {
      minLength: 2,
      maxLength: 4,
    },
  ),
  profile: fc.constantFrom('default', 'cloudsim'),
  seed: fc.nat(1000),
});

describe('lower bound ≤ active PMs, for every policy', () => {
  it.each(POLICIES)('%s', async (policy) => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const vms = Math.max(1, Math.min(12, Math.round(s.pms * s.vmsPerPm)));
        const w = new ArrayWorkload(s.steps.map((row) => row.slice(0, vms)));
        const config = testConfig({
          pms: s.pms,
          vms,
          steps: 6,
          seed: s.seed,
          policy,
          profile: s.profile as 'default' | 'cloudsim',
          placement: s.profile === 'cloudsim' ? 'cloudsim' : 'random',
          roundsPerStep: 2,
        });
        const r = await new Simulation(config, w).run();
        for (const row of r.rows) expect(row.lowerBound).toBeLessThanOrEqual(row.activePms);
        const again = await new Simulation(config, w).run();
        expect(again.summary).toEqual(r.summary);
      }),
      { numRuns: 25 },
    );
  });
});
