/**
 * `npm run compare`: runs several policies over several seeds on one workload and profile, and
 * reports each metric's median and interquartile range per policy (table, compare.csv,
 * compare.json, compare.md). Seeds run in parallel worker threads when more than one core is free.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { hideBin } from 'yargs/helpers';
import { UserError } from '../src/core/errors.ts';
import { PROFILES } from '../src/model/profile.ts';
import { POLICIES } from './policies.ts';
import { cliParser, runCli } from './cli-support.ts';
import { readConfigFile, readEventsFile } from './config-file.ts';
import { isPreset, presetLayer, presetNames } from './presets.ts';
import type { ConfigOverrides } from './config.ts';
import { scenarioOptions } from './scenario-options.ts';
import { ensureRunDir } from './results.ts';
import { policyKind } from './profiles.ts';
import { runAll } from './compare/pool.ts';
import { requestConfig, type RunRequest } from './compare/run-one.ts';
import {
  isBenchmarkSetup,
  validationMarkdown,
  validationRows,
  validationTable,
} from './compare/validation.ts';
import {
  comparisonCsv,
  comparisonMarkdown,
  comparisonTable,
  policyResult,
  type PolicyResult,
} from './compare/report.ts';

const DEFAULT_POLICIES = ['qlearning', 'glap', 'vman', 'thr-mmt', 'lr-mmt', 'ffd', 'none'];

async function main(argv: string[]): Promise<number> {
  const args = await scenarioOptions(
    cliParser(
      argv,
      'npm run compare --',
      '$0 [options]\n\nRuns each policy on each seed and prints the median (IQR) of every metric.',
    ),
  )
    .option('profile', { type: 'string', choices: PROFILES, describe: 'datacenter model' })
    .option('policies', {
      type: 'string',
      default: DEFAULT_POLICIES.join(','),
      describe: `comma-separated policies, or presets (${presetNames().join(', ')}: a row named so runs experiments/presets/<name>.json)`,
    })
    .option('seeds', { type: 'number', default: 5, describe: 'seeds 1..N per policy' })
    .option('config', { type: 'string', describe: 'JSON config file applied to every run' })
    .option('events', {
      type: 'string',
      describe:
        'JSON file of events: PM crashes, drains, returns and joins, VM arrivals and departures, controller outages (README "Events: crashes and outages")',
    })
    .option('jobs', {
      type: 'number',
      describe: 'worker threads (default: the cores available, at most one per run)',
    })
    .option('out', { type: 'string', describe: 'output directory (default runs/compare-<time>)' })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
    .parseAsync();

  const policies = args.policies
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (policies.length === 0) throw new UserError('--policies names no policy');
  // A row is a policy, or a preset (its file names its policy); unknown names fail with the list.
  const presets = new Map<string, ConfigOverrides>();
  for (const p of policies) {
    if (isPreset(p) && !POLICIES.names().includes(p)) presets.set(p, presetLayer(p));
    else POLICIES.get(p);
  }
  if (!Number.isInteger(args.seeds) || args.seeds < 1)
    throw new UserError(`--seeds must be a positive integer, got ${args.seeds}`);
  const fromFile = args.config === undefined ? {} : readConfigFile(args.config);
  const flags = {
    ...(args.workload === undefined ? {} : { workload: args.workload }),
    ...(args.profile === undefined ? {} : { profile: args.profile }),
    ...(args.pms === undefined ? {} : { pms: args.pms }),
    ...(args.vms === undefined ? {} : { vms: args.vms }),
    ...(args.steps === undefined ? {} : { steps: args.steps }),
    ...(args['rounds-per-step'] === undefined ? {} : { roundsPerStep: args['rounds-per-step'] }),
    ...(args.events === undefined ? {} : { lifecycle: readEventsFile(args.events) }),
  };
  const seeds = Array.from({ length: args.seeds }, (_, i) => i + 1);
  const requests: RunRequest[] = [];
  for (const policy of policies) {
    const preset = presets.get(policy);
    for (const seed of seeds)
      requests.push({
        layers: preset ? [preset, fromFile, flags, { seed }] : [fromFile, flags, { policy, seed }],
      });
  }
  const base = requestConfig(requests[0]!); // validates the shared config before any work
  if (args.jobs !== undefined && !(Number.isInteger(args.jobs) && args.jobs >= 1))
    throw new UserError(`--jobs must be a positive integer, got ${args.jobs}`);
  const jobs = Math.max(1, Math.min(args.jobs ?? availableParallelism(), requests.length));

  const t0 = performance.now();
  let done = 0;
  const results = await runAll(requests, jobs, () => {
    done++;
    if (!args.quiet && process.stderr.isTTY)
      process.stderr.write(`\rruns ${done}/${requests.length}`);
  });
  if (!args.quiet && process.stderr.isTTY) process.stderr.write('\n');
  const wall = (performance.now() - t0) / 1000;

  const byPolicy: PolicyResult[] = policies.map((policy, p) =>
    policyResult(
      policy,
      policyKind(results[p * seeds.length]!.config.policy),
      seeds.map((seed, s) => ({ seed, result: results[p * seeds.length + s]! })),
    ),
  );
  const dir =
    args.out ??
    join(
      'runs',
      `compare-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`,
    );
  ensureRunDir(dir);
  writeFileSync(join(dir, 'compare.csv'), comparisonCsv(byPolicy));
  // Against CloudSim's own figures, when this is its benchmark (PlanetLab 20110303, 800 hosts).
  const validation = isBenchmarkSetup(base, results[0]!.config.vms ?? 0)
    ? validationRows(byPolicy)
    : [];
  writeFileSync(
    join(dir, 'compare.md'),
    `${comparisonMarkdown(byPolicy)}\n` +
      (validation.length > 0
        ? `\nAgainst CloudSim 3.0.3:\n\n${validationMarkdown(validation)}\n`
        : ''),
  );
  writeFileSync(
    join(dir, 'compare.json'),
    `${JSON.stringify(
      {
        workload: base.workload,
        profile: base.profile,
        pms: base.pms,
        vms: results[0]!.config.vms,
        steps: base.steps,
        roundsPerStep: base.roundsPerStep,
        seeds,
        jobs,
        wallSeconds: wall,
        policies: byPolicy.map((r) => ({
          policy: r.policy,
          kind: r.kind,
          stats: r.stats,
          runs: r.runs.map(({ seed, result }) => ({
            seed,
            summary: result.summary,
            wallSeconds: result.wallSeconds,
          })),
        })),
        ...(validation.length > 0 ? { validation } : {}),
      },
      null,
      2,
    )}\n`,
  );
  if (!args.quiet) {
    const s = base;
    process.stdout.write(
      `${s.workload} · profile ${s.profile} · ${s.pms} PMs · ${results[0]!.config.vms} VMs · ` +
        `${s.steps} steps × ${s.roundsPerStep} rounds · median (IQR) over ${seeds.length} seeds\n`,
    );
    process.stdout.write(`${comparisonTable(byPolicy)}\n`);
    if (validation.length > 0)
      process.stdout.write(
        `against CloudSim 3.0.3 on the same day (experiments/compare/cloudsim-reference/20110303.json; ` +
          `within: energy ≤ 5 %, migrations ≤ 10 %, SLATAH ≤ 15 %):\n${validationTable(validation)}\n`,
      );
    process.stdout.write(
      `${requests.length} runs on ${jobs} worker${jobs > 1 ? 's' : ''} in ${wall.toFixed(1)} s; ` +
        `results in ${dir}/: compare.csv, compare.json, compare.md\n`,
    );
  }
  return 0;
}

runCli(() => main(hideBin(process.argv)));
