/**
 * `npm run experiment`: runs one consolidation experiment and writes its run directory.
 * The only layer that reads flags, files and the clock; everything below it is deterministic.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { hideBin } from 'yargs/helpers';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { UserError } from '../src/core/errors.ts';
import { ALL_PLACEMENTS, PROFILES } from '../src/model/profile.ts';
import type { Summary } from '../src/metrics/collector.ts';
import {
  defaultConfig,
  resolveConfig,
  type ConfigOverrides,
  type ExperimentConfig,
} from './config.ts';

/** The built-in defaults, for the help text. */
const DEFAULTS = defaultConfig();
import { makeWorkload, workloadRequest } from './workloads.ts';
import { chooseProfile, policyKind, profileDefaults } from './profiles.ts';
import { Simulation } from './simulation.ts';
import { POLICIES } from './policies.ts';
import { ensureRunDir, writeConfig, writeQTables, writeResults, writeTiming } from './results.ts';
import { cliParser, readJsonFile, runCli } from './cli-support.ts';
import { scenarioOptions } from './scenario-options.ts';
import { localBrokerIfRunning } from './kafka/local-broker.ts';

async function main(argv: string[]): Promise<number> {
  const args = await scenarioOptions(
    cliParser(
      argv,
      'npm run experiment --',
      '$0 [options]\n\nRuns a gossip VM-consolidation experiment and writes a run directory.',
    ),
  )
    .option('policy', {
      type: 'string',
      describe: `decision policy: ${POLICIES.names().join(', ')} (default qlearning)`,
    })
    .option('placement', {
      type: 'string',
      choices: ALL_PLACEMENTS,
      describe: "initial placement (default random; cloudsim: CloudSim's power-aware best fit)",
    })
    .option('profile', {
      type: 'string',
      choices: PROFILES,
      describe:
        'datacenter model: default (RAM binds) or cloudsim (CloudSim 3.0.3 quirks, 800 PMs) (default default)',
    })
    .option('peer-sampling', {
      type: 'string',
      choices: ['uniform', 'cyclon'],
      describe: `peer sampling: uniform over peers believed awake, or Cyclon partial views (default ${DEFAULTS.peerSampling})`,
    })
    .option('seed', {
      type: 'number',
      describe: `seed of every random stream (default ${DEFAULTS.seed})`,
    })
    .option('out', {
      type: 'string',
      describe: 'run directory (default runs/<time>-<policy>-<pms>pm-s<seed>)',
    })
    .option('save-qtables', {
      type: 'number',
      describe: `save the learnt Q-tables of the N most active PMs under qtables/ (default ${DEFAULTS.output.qtableNodes}; 0: none)`,
    })
    .option('model', {
      type: 'string',
      describe: 'with --policy dqn: evaluate the model saved in this directory (no exploration)',
    })
    .option('transport', {
      type: 'string',
      choices: ['memory', 'kafka'],
      describe:
        'message transport: in-memory, or Apache Kafka with one topic per node (default memory)',
    })
    .option('brokers', {
      type: 'string',
      describe:
        'Kafka bootstrap brokers, host:port[,host:port] (default 127.0.0.1:9092 or a running `npm run kafka:start` broker)',
    })
    .option('run', {
      type: 'string',
      describe: 'Kafka run id that node hosts join (default: a fresh id)',
    })
    .option('remote-nodes', {
      type: 'string',
      describe: 'node ranges hosted by `npm run node-host` processes, e.g. 50-99 or 0-9,50-99',
    })
    .option('keep-topics', { type: 'boolean', describe: "keep the run's Kafka topics afterwards" })
    .option('config', { type: 'string', describe: 'JSON config file; flags override it' })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
    .parseAsync();

  const fromFile = args.config === undefined ? {} : readJsonFile(args.config, 'config file');
  const flags: ConfigOverrides = {
    pms: args.pms,
    vms: args.vms,
    steps: args.steps,
    roundsPerStep: args['rounds-per-step'],
    workload: args.workload,
    policy: args.policy,
    placement: args.placement as ExperimentConfig['placement'] | undefined,
    profile: args.profile as ExperimentConfig['profile'] | undefined,
    seed: args.seed,
    peerSampling: args['peer-sampling'] as ExperimentConfig['peerSampling'] | undefined,
    out: args.out,
    output: { qtableNodes: args['save-qtables'] },
    dqn: { modelDir: args.model },
    transport: args.transport as ExperimentConfig['transport'] | undefined,
    kafka: {
      brokers: args.brokers?.split(',').map((b) => b.trim()) ?? localBrokerIfRunning(),
      run: args.run,
      remoteNodes: args['remote-nodes']?.split(',').map((r) => r.trim()),
      keepTopics: args['keep-topics'],
    },
  };
  const config = resolveConfig(
    profileDefaults(chooseProfile(args.profile, fromFile)),
    fromFile,
    flags,
  );
  if (args.model !== undefined && config.policy !== 'dqn') {
    throw new UserError(`--model needs --policy dqn, not ${config.policy}`);
  }
  const quiet = args.quiet;

  const t0 = performance.now();
  const workload = makeWorkload(workloadRequest(config));
  if (config.steps > workload.maxSteps) {
    throw new UserError(
      `--steps ${config.steps} is more than the ${workload.maxSteps} steps of ${config.workload}`,
    );
  }
  const resolved: ExperimentConfig = { ...config, vms: workload.vmCount };
  const dir = config.out ?? defaultRunDir(resolved);
  ensureRunDir(dir);
  // Build the run first: the policy's preparation (e.g. loading tfjs) tells what to record.
  const sim = await Simulation.create(resolved, workload);
  const policyInfo = POLICIES.get(resolved.policy).describe?.(sim.prepared);
  writeConfig(dir, resolved, { workloadName: workload.name, ...(policyInfo && { policyInfo }) });
  if (policyInfo && !quiet) reportPolicy(resolved.policy, policyInfo);

  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write(
      '\nqossip: interrupted; finishing the current step and writing partial results\n',
    );
  };
  process.on('SIGINT', onSigint);
  const bar =
    !quiet && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            format:
              'steps {bar} {value}/{total} | active {active} | migrations {mig} | {eta_formatted} left',
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  const steps = Math.min(config.steps, workload.maxSteps);
  bar?.start(steps, 0, { active: '-', mig: 0 });
  let migrations = 0;
  const t1 = performance.now();
  const result = await sim.run({
    onStep: (row) => {
      migrations += row.migrations;
      bar?.increment(1, { active: row.activePms, mig: migrations });
    },
    shouldStop: () => stop,
  });
  const t2 = performance.now();
  bar?.stop();
  process.off('SIGINT', onSigint);
  writeResults(dir, result);
  writeQTables(
    dir,
    result.agents.map((a) => a?.policy),
    result.nodes,
    resolved.output.qtableNodes,
  );
  const simulateSeconds = (t2 - t1) / 1000;
  writeTiming(dir, {
    setupSeconds: (t1 - t0) / 1000,
    simulateSeconds,
    wallSeconds: (performance.now() - t0) / 1000,
    stepsPerSecond: result.rows.length / simulateSeconds,
    messagesPerSecond: result.summary.messages / simulateSeconds,
    exchangesPerSecond: result.summary.exchanges / simulateSeconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  });
  if (result.error !== undefined) {
    throw new UserError(`${result.error}; the ${result.rows.length} steps completed are in ${dir}`);
  }
  if (!quiet) printSummary(result.summary, resolved, dir, simulateSeconds, result.truncated);
  return result.truncated ? 130 : 0;
}

/** One stderr line on how the policy runs, e.g. which TensorFlow.js backend the DQN got. */
function reportPolicy(policy: string, info: Record<string, unknown>): void {
  if (info.backend === undefined) return;
  const notes = (info.backendNotes as string[] | undefined) ?? [];
  const how = info.learning ? 'learning online' : `evaluating ${String(info.model)}`;
  const why = notes.length > 0 ? `; ${notes.join('; ')}` : '';
  process.stderr.write(
    `qossip: ${policy} on the ${String(info.backend)} backend, ${String(info.mode)} network, ${how}${why}\n`,
  );
}

function defaultRunDir(c: ExperimentConfig): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join('runs', `${t}-${c.policy}-${c.pms}pm-s${c.seed}`);
}

function printSummary(
  s: Summary,
  c: ExperimentConfig,
  dir: string,
  seconds: number,
  truncated: boolean,
): void {
  const pct = (x: number) => `${(100 * x).toFixed(3)} %`;
  const t = new Table({
    head: ['metric', 'value'],
    style: { head: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  t.push(
    [
      'workload',
      `${c.workload} · ${c.pms} PMs · ${s.vms} VMs · ${s.steps} steps × ${c.roundsPerStep} rounds`,
    ],
    [
      'policy',
      `${c.policy} (${policyKind(c.policy) === 'gossip' ? '' : `${policyKind(c.policy)}, `}seed ${c.seed})` +
        (c.profile === 'default' ? '' : ` · profile ${c.profile}`),
    ],
    ['energy', `${s.energyKWh.toFixed(2)} kWh`],
    [
      'active PMs (mean)',
      `${s.activePmsMean.toFixed(1)} = ${s.activeToLowerBound.toFixed(3)} × lower bound ${s.lowerBoundMean.toFixed(1)}`,
    ],
    ['sleeping PMs', `mean ${s.sleepingPmsMean.toFixed(1)}, at end ${s.sleepingPmsFinal}`],
    ['migrations', `${s.migrations}`],
    ['sleeps / wakes', `${s.sleeps} / ${s.wakes}`],
    ['SLATAH', pct(s.slatah)],
    ['PDM', pct(s.pdm)],
    ['SLAV', s.slav.toExponential(3)],
    ['ESV', s.esv.toExponential(3)],
    ['messages', `${s.messages} (${s.exchanges} exchanges)`],
    ['wall time', `${seconds.toFixed(2)} s (simulation)`],
  );
  process.stdout.write(`${t.toString()}\n`);
  if (truncated) process.stdout.write('run interrupted: partial results\n');
  process.stdout.write(
    `results in ${dir}/: summary.json, steps.csv, nodes.csv, rewards.csv, config.json\n`,
  );
}

runCli(() => main(hideBin(process.argv)));
