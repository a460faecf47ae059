/**
 * `npm run dqn-compare`: the DQN policy beside the Q-tables on the same scenario and
 * seeds — energy (and its paired per-seed difference from the first variant), active PMs over the
 * lower bound, migrations, SLATAH, DQN updates and wall time, as mean ± sd over seeds — plus
 * (`--bench`) the DQN's raw speed on the backend that loads here: greedy decisions per second and
 * minibatch updates per second. Figures are printed, never asserted.
 */
import { performance } from 'node:perf_hooks';
import { hideBin } from 'yargs/helpers';
import Table from 'cli-table3';
import { UserError } from '../src/core/errors.ts';
import type { Summary } from '../src/metrics/collector.ts';
import { disposeDqn, type DqnPrepared } from '../src/policy/dqn/dqn-entry.ts';
import { defaultDqnOptions, type DqnOptions } from '../src/policy/dqn/dqn-options.ts';
import { resolveConfig, type ConfigOverrides } from './config.ts';
import { makeWorkload, workloadRequest } from './workloads.ts';
import { Simulation } from './simulation.ts';
import { cliParser, runCli } from './cli-support.ts';
import { dqnSpeed } from './dqn-speed.ts';

/** A named policy set-up: its config overrides on top of the scenario's. */
interface Variant {
  name: string;
  over: ConfigOverrides;
}

function variants(names: string[], model: string | undefined, dqn: Partial<DqnOptions>): Variant[] {
  const all: Record<string, Variant> = {
    qlearning: { name: 'qlearning', over: { policy: 'qlearning' } },
    'dqn-shared': {
      name: 'dqn shared, online',
      over: { policy: 'dqn', dqn: { ...dqn, mode: 'shared' } },
    },
    'dqn-per-pm': {
      name: 'dqn per-PM, online',
      over: { policy: 'dqn', dqn: { ...dqn, mode: 'per-pm' } },
    },
    'dqn-model': {
      name: `dqn shared, ${model ?? '(no --model)'}`,
      over: { policy: 'dqn', dqn: { ...dqn, mode: 'shared', modelDir: model ?? null } },
    },
  };
  return names.map((n) => {
    const v = all[n];
    if (v === undefined) {
      throw new UserError(`unknown variant '${n}'; available: ${Object.keys(all).join(', ')}`);
    }
    if (n === 'dqn-model' && model === undefined) {
      throw new UserError('variant dqn-model needs --model <dir>');
    }
    return v;
  });
}

interface Row {
  summary: Summary;
  seconds: number;
  backend: string;
  /** Minibatch updates over all the run's networks. */
  updates: number;
}

async function runOnce(base: ConfigOverrides, v: Variant, seed: number): Promise<Row> {
  const config = resolveConfig(base, v.over, { seed });
  const workload = makeWorkload(workloadRequest(config));
  const t0 = performance.now();
  const sim = await Simulation.create({ ...config, vms: workload.vmCount }, workload);
  const r = await sim.run();
  const seconds = (performance.now() - t0) / 1000;
  const prepared = sim.prepared as DqnPrepared | undefined;
  const backend = prepared?.runtime?.backend ?? '–';
  let updates = 0;
  if (prepared?.runtime) {
    updates = prepared.shared?.updates ?? 0;
    for (const a of prepared.perPm.values()) updates += a.updates;
    disposeDqn(prepared);
  }
  return { summary: r.summary, seconds, backend, updates };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};
const fmt = (xs: number[], digits: number, scale = 1) =>
  `${(mean(xs) * scale).toFixed(digits)} ± ${(sd(xs) * scale).toFixed(digits)}`;

async function main(argv: string[]): Promise<number> {
  const args = await cliParser(
    argv,
    'npm run dqn-compare --',
    '$0 [options]\n\nRuns the Q-table and DQN policies on the same scenario and seeds, and prints the mean ± SD of each metric.',
  )
    .option('pms', { type: 'number', default: 100, describe: 'physical machines' })
    .option('steps', { type: 'number', default: 288, describe: 'steps of 300 s' })
    .option('workload', {
      type: 'string',
      default: 'synthetic:diurnal',
      describe: 'synthetic:<steady|diurnal|spikes|high>, planetlab:<dir> or bitbrains:<dir>',
    })
    .option('seeds', {
      type: 'number',
      default: 5,
      describe: 'how many seeds, from --first-seed on',
    })
    .option('first-seed', { type: 'number', default: 1, describe: 'the first of the seeds' })
    .option('variants', {
      type: 'string',
      default: 'qlearning,dqn-shared,dqn-per-pm',
      describe: 'comma-separated: qlearning, dqn-shared, dqn-per-pm, dqn-model',
    })
    .option('model', { type: 'string', describe: 'saved model for the dqn-model variant' })
    .option('dqn', {
      type: 'string',
      describe: 'JSON overrides of the dqn section for every dqn variant, e.g. {"minReplay":1}',
    })
    .option('bench', {
      type: 'boolean',
      default: false,
      describe: 'also time decisions and updates',
    })
    .parseAsync();

  const base: ConfigOverrides = {
    pms: args.pms,
    steps: args.steps,
    workload: args.workload,
    out: '/dev/null',
  };
  let dqn: Partial<DqnOptions> = {};
  try {
    if (args.dqn !== undefined) dqn = JSON.parse(args.dqn) as Partial<DqnOptions>;
  } catch (e) {
    throw new UserError(`--dqn is not valid JSON: ${(e as Error).message}`);
  }
  const vs = variants(
    args.variants.split(',').map((s) => s.trim()),
    args.model,
    dqn,
  );
  const seeds = Array.from({ length: args.seeds }, (_, i) => args['first-seed'] + i);
  const table = new Table({
    head: [
      'policy',
      'energy kWh',
      'Δ energy (paired)',
      'active PMs',
      'active ÷ lower bound',
      'migrations',
      'SLATAH %',
      'DQN updates',
      'wall s / run',
    ],
    style: { head: [], border: [] },
  });
  let backend = '–';
  let first: number[] | null = null;
  for (const v of vs) {
    const rows: Row[] = [];
    for (const seed of seeds) {
      rows.push(await runOnce(base, v, seed));
      process.stderr.write('.');
    }
    if (rows[0]!.backend !== '–') backend = rows[0]!.backend;
    const s = rows.map((r) => r.summary);
    const energy = s.map((x) => x.energyKWh);
    // Same seeds, same workloads: per-seed differences from the first variant are the fair test.
    first ??= energy;
    const delta = energy.map((e, i) => e - first![i]!);
    table.push([
      v.name,
      fmt(energy, 2),
      fmt(delta, 2),
      fmt(
        s.map((x) => x.activePmsMean),
        1,
      ),
      fmt(
        s.map((x) => x.activeToLowerBound),
        3,
      ),
      fmt(
        s.map((x) => x.migrations),
        1,
      ),
      fmt(
        s.map((x) => x.slatah),
        3,
        100,
      ),
      fmt(
        rows.map((r) => r.updates),
        0,
      ),
      fmt(
        rows.map((r) => r.seconds),
        2,
      ),
    ]);
  }
  process.stderr.write('\n');
  process.stdout.write(
    `${args.workload} · ${args.pms} PMs · ${args.steps} steps · seeds ${seeds.join(', ')} · ` +
      `DQN backend ${backend} · mean ± sd over seeds\n${table.toString()}\n`,
  );
  if (args.bench) {
    const b = new Table({ head: ['DQN speed', 'value'], style: { head: [], border: [] } });
    b.push(...(await dqnSpeed({ ...defaultDqnOptions(), ...dqn })));
    process.stdout.write(`${b.toString()}\n`);
  }
  return 0;
}

runCli(() => main(hideBin(process.argv)));
