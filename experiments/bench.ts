/**
 * `npm run bench`: speed and memory figures, printed (not asserted). Medians over repeats, since
 * the machines are noisy. Sections: in-process simulation of 100 PMs × 288 steps; the whole
 * `npm run experiment -- --pms 100` as a shell runs it; the experiment command at 10,000 PMs ×
 * 13,000 VMs (wall time and peak memory of a fresh process); the PlanetLab day at 800 PMs, and
 * each CloudSim heuristic's day in the cloudsim profile; the DQN's speed; with --kafka, broker
 * latency and a day over Kafka.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hideBin } from 'yargs/helpers';
import Table from 'cli-table3';
import { resolveConfig } from './config.ts';
import { estimateMemory, heapLimitFlag } from './memory-estimate.ts';
import { makeWorkload } from './workloads.ts';
import { simulate, type SimulationResult } from './simulation.ts';
import { PolicyQLearning } from '../src/policy/policy-q-learning.ts';
import { PolicyGlap } from '../src/policy/policy-glap.ts';
import type { QTableMode } from '../src/policy/q-table.ts';
import { PROJECT_ROOT } from './results.ts';
import { cliParser, runCli } from './cli-support.ts';
import { spread } from './compare/stats.ts';
import { UserError } from '../src/core/errors.ts';
import { kafkaPingPong } from './kafka/ping-pong.ts';
import { localBrokerIfRunning } from './kafka/local-broker.ts';
import { dqnSpeed } from './dqn-speed.ts';
import { defaultDqnOptions } from '../src/policy/dqn/dqn-options.ts';
import { cloudSimHeuristicTimes, medianSeconds } from './bench-cloudsim.ts';

const median = (xs: number[]) => spread(xs).median;

/** Mean bytes of φout and φin per PM at the end of a run (Q-table policies; 0 otherwise). */
function tableBytesPerPm(r: SimulationResult): number {
  let bytes = 0;
  for (const a of r.agents) {
    const p = a?.policy;
    if (p instanceof PolicyQLearning) bytes += p.phiOut.bytes() + p.phiIn.bytes();
    else if (p instanceof PolicyGlap) bytes += p.q.phiOut.bytes() + p.q.phiIn.bytes();
  }
  return bytes / r.agents.length;
}

async function inProcess(pms: number, repeats: number, tables: QTableMode = 'sparse') {
  const config = resolveConfig({ pms, out: '/dev/null', qlearning: { tables } });
  const times: number[] = [];
  let exchanges = 0;
  let tableBytes = 0;
  for (let i = 0; i < repeats + 1; i++) {
    const w = makeWorkload({
      spec: config.workload,
      vms: null,
      pms,
      vmsPerPm: config.vmsPerPm,
      seed: config.seed,
    });
    const t0 = performance.now();
    const r = await simulate(config, w);
    const dt = (performance.now() - t0) / 1000;
    if (i > 0) times.push(dt); // first run warms the JIT
    exchanges = r.summary.exchanges;
    tableBytes = tableBytesPerPm(r);
  }
  return { times, exchanges, tableBytes };
}

/**
 * The V8 flag package.json's `experiment` script runs with: a 64 MB young generation, so that
 * messages in flight die young instead of being promoted (the 10,000-PM day, 3–4 runs each on a
 * quiet machine: 33.6–37.5 s and 337–355 MB peak RSS with it; 34.2–52.1 s and 237–650 MB without).
 */
const NODE_FLAGS = ['--max-semi-space-size=64'];

/**
 * One experiment command in a fresh process, as `npm run experiment` runs it (the compiled
 * dist/, through launch.mjs); `viaNpm` includes npm's own start-up, as a user's shell pays it.
 */
function command(args: string[], viaNpm = false, nodeFlags: string[] = []) {
  const out = join(mkdtempSync(join(tmpdir(), 'qossip-bench-')), 'run');
  const argv = [...args, '--out', out, '--quiet'];
  const t0 = performance.now();
  const r = viaNpm
    ? spawnSync('npm', ['run', '--silent', 'experiment', '--', ...argv], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
      })
    : spawnSync(
        process.execPath,
        [...NODE_FLAGS, ...nodeFlags, 'experiments/launch.mjs', 'experiment', ...argv],
        {
          cwd: PROJECT_ROOT,
          encoding: 'utf8',
        },
      );
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new UserError(`benchmark run failed: ${r.stderr.trim()}`);
  const timing = JSON.parse(readFileSync(join(out, 'timing.json'), 'utf8')) as Record<
    string,
    number
  >;
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<
    string,
    number
  >;
  return { wall, timing, summary };
}

async function main(argv: string[]): Promise<number> {
  const args = await cliParser(
    argv,
    'npm run bench --',
    '$0 [options]\n\nPrints the speed and memory figures of the README: medians over repeated runs.',
  )
    .option('repeats', {
      type: 'number',
      default: 5,
      describe: 'timed repeats per figure (median reported)',
    })
    .option('quick', { type: 'boolean', default: false, describe: 'skip the 10,000-PM runs' })
    .option('huge', {
      type: 'boolean',
      default: false,
      describe:
        'also run 100,000 PMs × 288 steps once and 1,000,000 PMs × 288 steps once (long: minutes to an hour)',
    })
    .option('kafka', {
      type: 'boolean',
      default: false,
      describe:
        'also measure Kafka: ping-pong latency and a 100-PM day (needs `npm run kafka:start` or --brokers)',
    })
    .option('brokers', {
      type: 'string',
      describe: 'Kafka brokers for --kafka (default: the local broker)',
    })
    .parseAsync();
  const t = new Table({ head: ['benchmark', 'median', 'detail'], style: { head: [] } });

  const small = await inProcess(100, args.repeats);
  t.push([
    '100 PMs × 288 steps, qlearning (simulation only, in-process)',
    `${median(small.times).toFixed(3)} s`,
    `target < 0.3 s; runs ${small.times.map((x) => x.toFixed(3)).join(' ')}; ${Math.round(small.exchanges / median(small.times))} exchanges/s`,
  ]);
  const dense = await inProcess(100, 1, 'dense');
  t.push([
    'Q-tables (φout + φin) per PM after the 100-PM day, `--qtables sparse` / `dense`',
    `${(small.tableBytes / 1024).toFixed(1)} KB`,
    `dense ${(dense.tableBytes / 1024).toFixed(1)} KB; same decisions (q-table.test.ts, determinism.test.ts)`,
  ]);

  const whole = Array.from({ length: args.repeats }, () => command(['--pms', '100'], true));
  t.push([
    '100 PMs × 288 steps, `npm run experiment -- --pms 100` (whole command)',
    `${median(whole.map((r) => r.wall)).toFixed(2)} s`,
    `target < 1 s; simulation ${median(whole.map((r) => r.timing.simulateSeconds!)).toFixed(3)} s; runs ${whole.map((r) => r.wall.toFixed(2)).join(' ')}`,
  ]);

  const planetlab = join(PROJECT_ROOT, '../shared/data/planetlab/20110303');
  if (existsSync(planetlab)) {
    const runs = Array.from({ length: Math.min(3, args.repeats) }, () =>
      command(['--pms', '800', '--workload', `planetlab:${planetlab}`]),
    );
    t.push([
      'PlanetLab 20110303: 800 PMs, 1052 VMs, 288 steps (whole command)',
      `${median(runs.map((r) => r.wall)).toFixed(2)} s`,
      `simulation ${median(runs.map((r) => r.timing.simulateSeconds!)).toFixed(3)} s; ${runs[0]!.summary.migrations} migrations`,
    ]);
    const glap = Array.from({ length: Math.min(3, args.repeats) }, () =>
      command([
        '--workload',
        `planetlab:${planetlab}`,
        '--profile',
        'cloudsim',
        '--policy',
        'glap',
      ]),
    );
    t.push([
      'PlanetLab 20110303, cloudsim profile, glap: 800 PMs, 288 steps (simulation)',
      `${median(glap.map((r) => r.timing.simulateSeconds!)).toFixed(2)} s`,
      `target < 1 s and < 300 MiB (CloudSim 21.9 s); peak RSS ${median(glap.map((r) => r.timing.peakRssMb!)).toFixed(0)} MB; ` +
        `whole command ${median(glap.map((r) => r.wall)).toFixed(2)} s; ${glap[0]!.summary.migrations} migrations`,
    ]);
    // CloudSim's 20 heuristics in the cloudsim profile (bench-cloudsim.ts).
    for (const h of await cloudSimHeuristicTimes(planetlab, Math.min(3, args.repeats))) {
      t.push([
        `PlanetLab 20110303, cloudsim profile, ${h.policy} (simulation only, in-process)`,
        `${medianSeconds(h).toFixed(2)} s`,
        `target < 3 s (CloudSim 17–30 s); runs ${h.seconds.map((x) => x.toFixed(2)).join(' ')}; ${h.migrations} migrations`,
      ]);
    }
  }

  if (args.kafka) {
    const brokers = args.brokers?.split(',') ?? localBrokerIfRunning();
    if (!brokers)
      throw new UserError('--kafka needs a broker: run `npm run kafka:start` or pass --brokers');
    const rtts = (await kafkaPingPong(brokers, 500)).sort((a, b) => a - b);
    const pct = (p: number) => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))]!;
    t.push([
      'Kafka ping-pong between two node topics (500 round trips)',
      `p50 ${pct(0.5).toFixed(2)} ms`,
      `p99 ${pct(0.99).toFixed(2)} ms; target p50 < 10 ms on loopback`,
    ]);
    // One round per step, as the Kafka target is set: each round costs a few broker barriers.
    const day = ['--pms', '100', '--rounds-per-step', '1'];
    const mem = command(day);
    const kaf = command([...day, '--transport', 'kafka', '--brokers', brokers.join(',')]);
    t.push([
      '100 PMs × 288 steps × 1 round over Kafka (whole command)',
      `${kaf.wall.toFixed(1)} s`,
      `target < 180 s; ${Math.round(kaf.timing.messagesPerSecond!)} messages/s; ` +
        `${(kaf.wall / mem.wall).toFixed(0)}× the in-memory command (${mem.wall.toFixed(2)} s); ` +
        `summaries ${JSON.stringify(kaf.summary) === JSON.stringify(mem.summary) ? 'identical' : 'DIFFER'}`,
    ]);
  }

  const speed = await dqnSpeed(defaultDqnOptions());
  t.push([
    `DQN decisions and updates (${speed[0]![1]} backend)`,
    `${speed[1]![1]} /s`,
    `πout decisions/s (3 VMs); πin ${speed[2]![1]} /s; training updates ${speed[3]![1]} /s`,
  ]);
  const dqnRuns = Array.from({ length: Math.min(3, args.repeats) }, () =>
    command(['--pms', '100', '--policy', 'dqn']),
  );
  t.push([
    '100 PMs × 288 steps, dqn (whole command, learning online)',
    `${median(dqnRuns.map((r) => r.wall)).toFixed(2)} s`,
    `target < 300 s; simulation ${median(dqnRuns.map((r) => r.timing.simulateSeconds!)).toFixed(2)} s`,
  ]);

  if (!args.quick) {
    const runs = Array.from({ length: Math.min(3, args.repeats) }, () =>
      command(['--pms', '10000']),
    );
    t.push(bigRow('10,000 PMs × 13,000 VMs × 288 steps (whole command)', runs, '< 10 s, < 1 GiB'));
    const setup = Array.from({ length: Math.min(3, args.repeats) }, () =>
      command(['--pms', '100000', '--steps', '1']),
    );
    t.push([
      'set-up (placement, world, agents) at 100,000 PMs × 130,000 VMs',
      `${median(setup.map((r) => r.timing.setupSeconds!)).toFixed(2)} s`,
      `target < 3 s; peak RSS after 1 step ${median(setup.map((r) => r.timing.peakRssMb!)).toFixed(0)} MB`,
    ]);
  }
  if (args.huge) {
    // Run once each; a run the memory guard refuses (or that fails) is reported, not fatal.
    const once = (label: string, args: string[], target: string, nodeFlags: string[] = []) => {
      try {
        t.push(bigRow(label, [command(args, false, nodeFlags)], target));
      } catch (e) {
        t.push([label, 'not run', `target ${target}; ${(e as Error).message}`]);
      }
    };
    once('100,000 PMs × 288 steps (whole command, once)', ['--pms', '100000'], '< 3 min, < 8 GiB');
    // Past Node's default heap limit: the heap the memory guard asks for.
    const million = resolveConfig({ pms: 1_000_000, qlearning: { tables: 'sparse' } });
    once(
      '1,000,000 PMs × 288 steps, sparse Q-tables (whole command, once)',
      ['--pms', '1000000', '--qtables', 'sparse'],
      '< 45 min, < 20 GiB',
      [heapLimitFlag(estimateMemory(million, 1_300_000))],
    );
  }
  process.stdout.write(`${t.toString()}\n`);
  return 0;
}

/** A row for whole-command runs of a large fleet: wall time, peak memory, throughput. */
function bigRow(label: string, runs: ReturnType<typeof command>[], target: string): string[] {
  const m = (f: (r: ReturnType<typeof command>) => number) => median(runs.map(f));
  return [
    label,
    `${m((r) => r.wall).toFixed(2)} s`,
    `target ${target}; peak RSS ${m((r) => r.timing.peakRssMb!).toFixed(0)} MB; ` +
      `set-up ${m((r) => r.timing.setupSeconds!).toFixed(2)} s; simulation ${m((r) => r.timing.simulateSeconds!).toFixed(2)} s; ` +
      `${Math.round(m((r) => r.timing.messagesPerSecond!))} messages/s`,
  ];
}

runCli(() => main(hideBin(process.argv)));
