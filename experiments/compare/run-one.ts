/**
 * One run of a comparison or sweep: config layers in, deterministic summary and wall time out.
 * Used in-process and inside worker threads (compare/worker.ts), so it takes only plain data.
 */
import { performance } from 'node:perf_hooks';
import type { Summary } from '../../src/metrics/collector.ts';
import { resolveConfig, type ExperimentConfig } from '../config.ts';
import { chooseProfile, profileDefaults } from '../profiles.ts';
import { simulate } from '../simulation.ts';
import { makeWorkload, workloadRequest } from '../workloads.ts';
import type { Workload } from '../../src/workload/workload.ts';

export interface RunRequest {
  /** Config layers over the profile's defaults, later ones winning (e.g. file, sweep, flags). */
  layers: unknown[];
}

export interface RunResult {
  config: ExperimentConfig;
  summary: Summary;
  /** Simulation wall time (workload loading excluded), seconds. */
  wallSeconds: number;
}

/** The resolved config of a request: profile defaults, then the layers in order. */
export function requestConfig(r: RunRequest): ExperimentConfig {
  const merged = r.layers.reduce<Record<string, unknown>>(
    (acc, l) => ({ ...acc, ...(l as Record<string, unknown>) }),
    {},
  );
  const profile = chooseProfile(undefined, merged);
  return resolveConfig(profileDefaults(profile), ...r.layers, { out: '/dev/null' });
}

/** Workloads are immutable once read: a process reads each trace directory once. */
const workloads = new Map<string, Workload>();

export async function runOne(r: RunRequest): Promise<RunResult> {
  const config = requestConfig(r);
  const request = workloadRequest(config);
  const key = JSON.stringify(request);
  let workload = workloads.get(key);
  if (workload === undefined) {
    workload = makeWorkload(request);
    workloads.set(key, workload);
  }
  const resolved = { ...config, vms: workload.vmCount };
  const t0 = performance.now();
  const result = await simulate(resolved, workload);
  const wallSeconds = (performance.now() - t0) / 1000;
  if (result.error !== undefined) throw new Error(result.error);
  return { config: resolved, summary: result.summary, wallSeconds };
}
