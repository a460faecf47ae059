/**
 * Small builders shared by tests: configs, array-backed workloads, a recording Effects sink, and
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
import type { Message } from '../../protocols/messages.ts';
import type { Effects } from '../../protocols/node-state.ts';
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

export interface Recorded {
  sent: Message[];
  migrated: [number, number, number][];
  slept: number[];
  woke: number[];
  rewards: ['out' | 'in', number][];
  rejected: (Message | null)[];
  exchanges: number[];
}

export function recordingEffects(): Effects & { log: Recorded } {
  const log: Recorded = {
    sent: [],
    migrated: [],
    slept: [],
    woke: [],
    rewards: [],
    rejected: [],
    exchanges: [],
  };
  return {
    log,
    send: (m) => log.sent.push(m),
    migrated: (vm, from, to) => log.migrated.push([vm, from, to]),
    slept: (n) => log.slept.push(n),
    woke: (n) => log.woke.push(n),
    rewarded: (_n, role, r) => log.rewards.push([role, r]),
    rejected: (_n, m) => log.rejected.push(m),
    exchangeStarted: (n) => log.exchanges.push(n),
  };
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
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
