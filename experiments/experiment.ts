/**
 * `npm run experiment`: runs one consolidation experiment and writes its run directory.
 * The only layer that reads flags, files and the clock; everything below it is deterministic.
 */
import { QTABLE_MODES, type QTableMode } from '../src/policy/q-table.ts';
import { performance } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hideBin } from 'yargs/helpers';
import cliProgress from 'cli-progress';
import { UserError } from '../src/core/errors.ts';
import { ALL_PLACEMENTS, PROFILES } from '../src/model/profile.ts';
import {
  defaultConfig,
  resolveConfig,
  type ConfigOverrides,
  type ExperimentConfig,
} from './config.ts';

/** The built-in defaults, for the help text. */
const DEFAULTS = defaultConfig();
import { makeWorkload, workloadRequest } from './workloads.ts';
import { chooseProfile, profileDefaults } from './profiles.ts';
import { Simulation } from './simulation.ts';
import { POLICIES } from './policies.ts';
import { RESULT_FILES, writeConfig, writeQTables, writeResults, writeTiming } from './results.ts';
import { checkRunDir, createRunDir } from './run-dir.ts';
import { readConfigFile, readEventsFile } from './config-file.ts';
import { presetLayer, presetNames } from './presets.ts';
import { Interrupts, SIGNAL_EXIT_CODES } from './interrupts.ts';
import { checkMemory } from './memory-estimate.ts';
import { colourAllowed, resultsLine, summaryTable } from './summary-table.ts';
import { cliParser, runCli } from './cli-support.ts';
import { scenarioOptions } from './scenario-options.ts';
import { localBrokerIfRunning } from './kafka/local-broker.ts';
import { kafkaSecurityOverrides, withKafkaSecurityFlags } from './kafka/kafka-security.ts';

async function main(argv: string[]): Promise<number> {
  const args = await withKafkaSecurityFlags(
    scenarioOptions(
      cliParser(
        argv,
        'npm run experiment --',
        '$0 [options]\n\nRuns a gossip VM-consolidation experiment and writes a run directory.',
      ),
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
    .option('qtables', {
      type: 'string',
      choices: QTABLE_MODES,
      describe:
        'Q-table storage of qlearning and glap: sparse (rows allocated when first written) or dense 81 × 81; same results (default sparse)',
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
    .option('tolerate-host-loss', {
      type: 'boolean',
      describe:
        'a node host that misses a barrier deadline is declared lost: its PMs crash and the run goes on',
    })
    .option('topic-layout', {
      type: 'string',
      choices: ['node', 'partitioned'],
      describe:
        'Kafka node inboxes: one topic per node, or one per process keyed by node id (default: node up to 1,000 PMs)',
    })
    .option('secret-file', {
      type: 'string',
      describe:
        "file with the Kafka run's secret (64 hex digits) that signs every record (default: $QOSSIP_RUN_SECRET, else a fresh one)",
    })
    .option('force', {
      type: 'boolean',
      default: false,
      describe: 'replace the --out directory if it holds an earlier run (it is emptied first)',
    })
    .option('events', {
      type: 'string',
      describe:
        'JSON file of events: PM crashes, drains, returns and joins, VM arrivals and departures, controller outages (README "Events: crashes and outages")',
    })
    .option('config', {
      type: 'string',
      describe:
        "JSON config file, e.g. a run's config.json to replay it; flags override it (its out, brokers and Kafka run id are not reused)",
    })
    .option('preset', {
      type: 'string',
      describe: `named configuration under the config file and flags: ${presetNames().join(', ')} (experiments/presets/)`,
    })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
    .parseAsync();

  const preset = args.preset === undefined ? {} : presetLayer(args.preset);
  const fromFile = args.config === undefined ? {} : readConfigFile(args.config);
  const localBroker = localBrokerIfRunning();
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
    lifecycle: args.events === undefined ? undefined : readEventsFile(args.events),
    output: { qtableNodes: args['save-qtables'] },
    dqn: { modelDir: args.model },
    qlearning: { tables: args.qtables as QTableMode | undefined },
    transport: args.transport as ExperimentConfig['transport'] | undefined,
    kafka: {
      brokers: args.brokers?.split(',').map((b) => b.trim()) ?? localBroker,
      run: args.run,
      remoteNodes: args['remote-nodes']?.split(',').map((r) => r.trim()),
      keepTopics: args['keep-topics'],
      tolerateHostLoss: args['tolerate-host-loss'],
      secretFile: args['secret-file'],
      topicLayout: args['topic-layout'] as 'node' | 'partitioned' | undefined,
      ...kafkaSecurityOverrides(args, args.brokers === undefined && localBroker !== undefined),
    },
  };
  const config = resolveConfig(
    profileDefaults(chooseProfile(args.profile, fromFile)),
    preset,
    fromFile,
    flags,
  );
  if (args.model !== undefined && config.policy !== 'dqn') {
    throw new UserError(`--model needs --policy dqn, not ${config.policy}`);
  }
  const quiet = args.quiet;
  const force = args.force;
  // Set-up: a signal exits at once (nothing is written yet); see interrupts.ts.
  const interrupts = new Interrupts();

  const t0 = performance.now();
  // Before the workload is made (1.3 million synthetic VMs take seconds); traces bring their own
  // VM count, checked again below.
  const synthetic = config.workload.startsWith('synthetic:');
  checkMemory(config, synthetic ? (config.vms ?? Math.round(config.vmsPerPm * config.pms)) : 0);
  const workload = makeWorkload(workloadRequest(config));
  if (config.steps > workload.maxSteps) {
    throw new UserError(
      `--steps ${config.steps} is more than the ${workload.maxSteps} steps of ${config.workload}`,
    );
  }
  const resolved: ExperimentConfig = { ...config, vms: workload.vmCount };
  checkMemory(resolved, workload.vmCount);
  const dir = config.out ?? freshRunDir(resolved);
  checkRunDir(dir, force);
  // Build the run first: the policy's preparation (e.g. loading tfjs) tells what to record, and
  // a run that cannot start (infeasible placement, no broker, no model) leaves no directory.
  const setupBar = new LazyBar(
    !quiet && process.stderr.isTTY,
    'set-up {bar} {value}/{total} PMs built',
    interrupts,
  );
  const sim = await Simulation.create(resolved, workload, {
    onSetup: (built, total) => setupBar.update(built, total),
  });
  setupBar.stop();
  createRunDir(dir, force);
  const policyInfo = POLICIES.get(resolved.policy).describe?.(sim.prepared);
  writeConfig(dir, resolved, { workloadName: workload.name, ...(policyInfo && { policyInfo }) });
  if (policyInfo && !quiet) reportPolicy(resolved.policy, policyInfo);

  // The run: the first signal stops it after the current step; the results are still written.
  interrupts.runStarted();
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
  const unregister = interrupts.beforeExit(() => bar?.stop());
  let migrations = 0;
  const t1 = performance.now();
  let result;
  try {
    result = await sim.run({
      onStep: (row) => {
        migrations += row.migrations;
        bar?.increment(1, { active: row.activePms, mig: migrations });
      },
      shouldStop: () => interrupts.received !== null,
    });
  } finally {
    bar?.stop(); // restores line wrap (ESC[?7h) however the run ended
    unregister();
  }
  const t2 = performance.now();
  writeResults(dir, result);
  const wroteTables = writeQTables(
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
  interrupts.dispose();
  if (result.error !== undefined) {
    throw new UserError(`${result.error}; the ${result.rows.length} steps completed are in ${dir}`);
  }
  const signal = interrupts.received;
  if (signal !== null) {
    process.stderr.write(
      `qossip: interrupted (${signal}) after ${result.rows.length} of ${steps} steps; partial results ("truncated": true) in ${dir}/\n`,
    );
    return SIGNAL_EXIT_CODES[signal];
  }
  if (!quiet) {
    process.stdout.write(
      `${summaryTable(result.summary, resolved, simulateSeconds, colourAllowed(process.stdout))}\n`,
    );
    const files = [...RESULT_FILES, ...(wroteTables ? ['qtables/'] : [])];
    process.stdout.write(`${resultsLine(dir, files)}\n`);
  }
  return 0;
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

/**
 * runs/<time>-<policy>-<pms>pm-s<seed>, with -2, -3, … appended when a run started within the
 * same second already has it (a 100-PM run takes under a second).
 */
function freshRunDir(c: ExperimentConfig): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const base = join('runs', `${t}-${c.policy}-${c.pms}pm-s${c.seed}`);
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

/** A progress bar on stderr that appears only once the work has taken over half a second. */
class LazyBar {
  private bar: cliProgress.SingleBar | null = null;
  private readonly t0 = performance.now();
  private readonly unregister: () => void;
  constructor(
    private readonly enabled: boolean,
    private readonly format: string,
    interrupts: Interrupts,
  ) {
    this.unregister = interrupts.beforeExit(() => this.stop());
  }
  update(value: number, total: number): void {
    if (this.bar === null && this.enabled && performance.now() - this.t0 > 500) {
      this.bar = new cliProgress.SingleBar(
        { format: this.format, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, value);
    }
    this.bar?.update(value);
  }
  stop(): void {
    this.bar?.stop();
    this.bar = null;
    this.unregister();
  }
}

runCli(() => main(hideBin(process.argv)));
