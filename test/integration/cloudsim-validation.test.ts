/**
 * The `cloudsim` profile against CloudSim 3.0.3 itself (issue 10's bar): THR-MMT and LR-MMT on
 * PlanetLab 20110303, 800 hosts, one day, land within 5 % of CloudSim's energy, 10 % of its
 * migrations and 15 % of its SLATAH, as stored by `npm run cloudsim:reference`. (They match it
 * exactly today; the bar is what the profile promises.) A correctness test, ~3 s per policy.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../experiments/config.ts';
import { profileDefaults } from '../../experiments/profiles.ts';
import { simulate } from '../../experiments/simulation.ts';
import { makeWorkload, workloadRequest } from '../../experiments/workloads.ts';
import {
  isBenchmarkSetup,
  readReference,
  TOLERANCE,
} from '../../experiments/compare/validation.ts';

const DAY = resolve(import.meta.dirname, '../../../shared/data/planetlab/20110303');

// The day ships in ../shared; only a checkout without it skips (never CI, where it must be there).
describe.skipIf(!existsSync(DAY) && process.env.CI !== 'true')(
  'cloudsim profile vs CloudSim 3.0.3 on PlanetLab 20110303',
  () => {
    const reference = readReference();
    it.each(['thr-mmt', 'lr-mmt'])(
      '%s is within 5 % energy, 10 % migrations, 15 % SLATAH',
      async (policy) => {
        const config = resolveConfig(profileDefaults('cloudsim'), {
          workload: `planetlab:${DAY}`,
          policy,
          out: '/dev/null',
        });
        const workload = makeWorkload(workloadRequest(config));
        const run = { ...config, vms: workload.vmCount };
        expect(isBenchmarkSetup(run, workload.vmCount)).toBe(true);
        // A run with events (a controller outage here) is not the benchmark CloudSim ran.
        const outage = { kind: 'controller-outage' as const, step: 1, untilStep: 2 };
        const lifecycle = { events: [outage], admissionSample: 8, restartDelaySteps: 1 };
        expect(isBenchmarkSetup({ ...run, lifecycle }, workload.vmCount)).toBe(false);
        const { summary } = await simulate(run, workload);
        const ref = reference[policy]!;
        const rel = (k: keyof typeof TOLERANCE) => Math.abs(summary[k] - ref[k]) / ref[k];
        expect(rel('energyKWh')).toBeLessThanOrEqual(TOLERANCE.energyKWh);
        expect(rel('migrations')).toBeLessThanOrEqual(TOLERANCE.migrations);
        expect(rel('slatah')).toBeLessThanOrEqual(TOLERANCE.slatah);
      },
      60_000,
    );
  },
);
