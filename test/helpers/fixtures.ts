/**
 * Small builders shared by tests: configs, array-backed workloads, option presets, and
 * a runner for the project's CLI scripts in a child process.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import {
  resolveConfig,
  type ConfigOverrides,
  type ExperimentConfig,
} from '../../experiments/config.ts';
import type { Workload } from '../../src/workload/workload.ts';
import type { QLearningOptions } from '../../src/policy/policy-q-learning.ts';
import { DEFAULT_REWARDS } from '../../src/policy/rewards.ts';
import {
  defaultConsolidationOptions,
  type ConsolidationOptions,
} from '../../protocols/consolidation-options.ts';

export function testConfig(over: ConfigOverrides = {}): ExperimentConfig {
  return resolveConfig({ pms: 8, steps: 10, out: '/dev/null', ...over });
}

/** A workload whose CPU utilisations are given per step (cycled) and VM. */
export class ArrayWorkload implements Workload {
  readonly name = 'array';
  readonly maxSteps = Infinity;
  readonly stepSeconds = 300;
  readonly vmCount: number;
  constructor(public steps: number[][]) {
    this.vmCount = steps[0]!.length;
  }
  cpuUtilAt(step: number, out: Float64Array): void {
    const row = this.steps[step % this.steps.length]!;
    for (let i = 0; i < this.vmCount; i++) out[i] = row[i]!;
  }
}

/** Q-learning options for hand-checked protocol tests: greedy (no exploration), α = γ = 0.5. */
export const GREEDY_Q: QLearningOptions = {
  alpha: 0.5,
  gamma: 0.5,
  epsilon: 0,
  epsilonIn: 0,
  learning: true,
  rewards: { out: [...DEFAULT_REWARDS.out], in: [...DEFAULT_REWARDS.in] },
  inRewardAt: 'commit',
  holdWhenNegative: false,
  tables: 'dense',
};

/**
 * The thesis's exchange without the tuned extras, for hand-checked protocol tests: the less
 * utilised PM sends, every PM may probe every round, no rescue, wake after 2 stuck rounds.
 */
export const PLAIN_PROTOCOL: ConsolidationOptions = {
  ...defaultConsolidationOptions(),
  wakeAfterStuckRounds: 2,
  probeEveryRounds: 1,
  senderBy: 'utilisation',
  rescueBelowCpu: 0,
};

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** Runs a CLI script (path from the root, e.g. experiments/plot.ts) as a user would, uncoloured. */
export function runScript(script: string, ...args: string[]) {
  return runScriptWith({}, script, ...args);
}

/** `runScript` with more environment variables (`undefined` removes one). */
export function runScriptWith(
  env: Record<string, string | undefined>,
  script: string,
  ...args: string[]
) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
