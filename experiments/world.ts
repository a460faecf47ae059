/**
 * The physical world of a run at t = 0 (hosts and VM types, the initial placement, the
 * datacenter) and what every process needs to build its PM agents from it: the run spec, with
 * the policy option sections of the config. Moved whole from experiments/simulation.ts.
 */
import { Rng } from '../src/core/rng.ts';
import { Datacenter, type CloudSimTimeline } from '../src/model/datacenter.ts';
import { HOST_TYPES } from '../src/model/hardware.ts';
import { initialPlacement } from '../src/model/placement.ts';
import { cloudSimInitialPlacement } from '../src/model/placement-cloudsim.ts';
import { profileOf } from '../src/model/profile.ts';
import type { PolicyOptions, PolicyRegistry } from '../src/policy/registry.ts';
import type { Workload } from '../src/workload/workload.ts';
import type { NodeRunSpec } from '../nodes/build-agents.ts';
import type { ExperimentConfig } from './config.ts';
import { POLICIES } from './policies.ts';

/**
 * The policy sections of a config, for the policies of `policies`, and the run-level `cloudsim`
 * section when on (CloudSim's heuristics read its allocation quirks).
 */
export function policyOptions(
  config: ExperimentConfig,
  policies: PolicyRegistry = POLICIES,
): PolicyOptions {
  return {
    ...policies.optionsOf(config),
    ...(config.cloudsim ? { cloudsim: config.cloudsim } : {}),
  };
}

/** The physical world at t = 0: host and VM types, the initial placement, the datacenter. */
export interface World {
  datacenter: Datacenter;
  placement: Int32Array;
}

export function buildWorld(config: ExperimentConfig, workload: Workload): World {
  const profile = profileOf(config.profile);
  const hosts = Array.from({ length: config.pms }, (_, i) => HOST_TYPES[i % HOST_TYPES.length]!);
  const vms = Array.from({ length: workload.vmCount }, (_, i) =>
    profile.vmType(i, workload.vmCount),
  );
  const placement =
    config.placement === 'cloudsim'
      ? cloudSimInitialPlacement(hosts, vms)
      : initialPlacement(
          Float64Array.from(hosts, (h) => h.ramMb),
          Float64Array.from(vms, (v) => v.ramMb),
          config.placement,
          new Rng(config.seed).fork('placement'),
        );
  const datacenter = new Datacenter(hosts, vms, placement, {
    stepSeconds: workload.stepSeconds,
    sleepPowerW: config.datacenter.sleepPowerW,
    migrationCpuOverhead: config.datacenter.migrationCpuOverhead,
    ...(config.datacenter.transitions ? { transitions: config.datacenter.transitions } : {}),
    ramBinds: profile.ramBinds,
    zeroPowerAtZeroCpu: profile.zeroPowerAtZeroCpu,
    overloadAboveCapacityOnly: profile.overloadAboveCapacityOnly,
    ...(config.cloudsim ? { cloudsim: cloudSimTimeline(config, workload) } : {}),
  });
  return { datacenter, placement };
}

/** CloudSim's datacenter timeline for a run: its behaviours, and the trace read ahead. */
function cloudSimTimeline(config: ExperimentConfig, workload: Workload): CloudSimTimeline {
  const c = config.cloudsim!;
  return {
    physics: {
      sampleOffsetSeconds: c.sampleOffsetSeconds,
      vmEndsAtZeroDemand: c.vmEndsAtZeroDemand,
      migrationInFlight: c.migrationInFlight,
      vmCappedAtOneCore: c.vmCappedAtOneCore,
      firstStepUnmetered: c.firstStepUnmetered,
      lastStepCutAtLastMigration: c.lastStepCutAtLastMigration,
    },
    steps: Math.min(config.steps, workload.maxSteps),
    traceSteps: workload.maxSteps,
    traceAt: (step, out) => workload.cpuUtilAt(step, out),
  };
}

/** What node hosts need to build their agents (shipped to remote node hosts as is). */
export function nodeRunSpec(
  config: ExperimentConfig,
  world: World,
  policies: PolicyRegistry = POLICIES,
): NodeRunSpec {
  const dc = world.datacenter;
  return {
    seed: config.seed,
    pms: config.pms,
    policy: config.policy,
    policyOptions: policyOptions(config, policies),
    protocol: { ...config.protocol, wakeRounds: wakeRounds(config, world) },
    peerSampling: config.peerSampling,
    cyclon: config.cyclon,
    cpuCapMips: Array.from(dc.cpuCapMips),
    ramCapMb: Array.from(dc.ramCapMb),
    placement: Array.from(world.placement),
  };
}

/**
 * Rounds a woken PM takes to come up: `transitions.wakeSeconds` in rounds of the step
 * (stepSeconds ÷ roundsPerStep), rounded up; 0 without transitions (instant).
 */
function wakeRounds(config: ExperimentConfig, world: World): number {
  const t = config.datacenter.transitions;
  if (!t || t.wakeSeconds === 0) return 0;
  return Math.ceil(t.wakeSeconds / (world.datacenter.options.stepSeconds / config.roundsPerStep));
}
