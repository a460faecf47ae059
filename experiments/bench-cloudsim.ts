/**
 * `npm run bench`'s CloudSim section: each of CloudSim 3.0.3's 20 power heuristics on PlanetLab
 * 20110303 in the `cloudsim` profile (800 hosts, 1052 VMs, one day), simulation time only, in
 * process with the day read once. Issue 10's target: under 3 s each (CloudSim itself: 17–30 s).
 */
import { performance } from 'node:perf_hooks';
import { CLOUDSIM_HEURISTICS } from '../src/policy/centralised/cloudsim-heuristics.ts';
import { resolveConfig } from './config.ts';
import { profileDefaults } from './profiles.ts';
import { simulate } from './simulation.ts';
import { makeWorkload, workloadRequest } from './workloads.ts';
import { spread } from './compare/stats.ts';

export interface HeuristicTiming {
  policy: string;
  /** Simulation seconds of each repeat. */
  seconds: number[];
  migrations: number;
}

/** Times every heuristic `repeats` times (after one warm-up run of the first). */
export async function cloudSimHeuristicTimes(
  day: string,
  repeats: number,
): Promise<HeuristicTiming[]> {
  const config = (policy: string) =>
    resolveConfig(profileDefaults('cloudsim'), {
      workload: `planetlab:${day}`,
      policy,
      out: '/dev/null',
    });
  const workload = makeWorkload(workloadRequest(config('thr-mmt')));
  const run = async (policy: string) => {
    const c = { ...config(policy), vms: workload.vmCount };
    const t0 = performance.now();
    const r = await simulate(c, workload);
    return { seconds: (performance.now() - t0) / 1000, migrations: r.summary.migrations };
  };
  await run(CLOUDSIM_HEURISTICS[0]!.name); // warms the JIT
  const out: HeuristicTiming[] = [];
  for (const h of CLOUDSIM_HEURISTICS) {
    const runs = [];
    for (let i = 0; i < repeats; i++) runs.push(await run(h.name));
    out.push({
      policy: h.name,
      seconds: runs.map((r) => r.seconds),
      migrations: runs[0]!.migrations,
    });
  }
  return out;
}

export const medianSeconds = (t: HeuristicTiming) => spread(t.seconds).median;
