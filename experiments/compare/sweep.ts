/**
 * Parameter sweeps as data (PeerSim's habit): `npx tsx experiments/compare/sweep.ts FILE.json`
 * runs every variant of the file on every seed, in worker threads, and prints the median of the
 * headline metrics per variant, marking the ones that meet the learning targets. FILE holds
 *   { "base": {config overrides}, "seeds": [1, 2, 3], "variants": { "name": {overrides}, … } }
 * (variants are merged over base; see experiments/compare/sweeps/ for the sweeps behind the
 * tuned defaults). Writes FILE's name with .csv (medians) and .runs.csv (every run) beside it
 * unless --no-write.
 */
import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import Table from 'cli-table3';
import { UserError } from '../../src/core/errors.ts';
import { cliParser, readJsonFile, runCli } from '../cli-support.ts';
import { mergeConfig } from '../config.ts';
import { runAll } from './pool.ts';
import type { RunRequest } from './run-one.ts';
import { spread } from './stats.ts';

interface SweepFile {
  base?: Record<string, unknown>;
  seeds?: number[];
  variants: Record<string, Record<string, unknown>>;
}

/** The targets for the best learned policy on 20110303 with the cloudsim profile. */
const TARGETS = { esv: 1e-3, migrations: 5000, energyKWh: 140, slatah: 0.02 };

async function main(argv: string[]): Promise<number> {
  const args = await cliParser(argv, 'npx tsx experiments/compare/sweep.ts')
    .command('$0 <file>', 'Runs every variant of a sweep file on every seed.', (y) =>
      y.positional('file', { type: 'string', demandOption: true, describe: 'sweep JSON file' }),
    )
    .option('jobs', { type: 'number', describe: 'worker threads (default: the cores available)' })
    .option('write', {
      type: 'boolean',
      default: true,
      describe: "write FILE's results beside it as .csv and .runs.csv (--no-write: don't)",
    })
    .parseAsync();
  const file = String(args.file);
  const jobs = args.jobs ?? availableParallelism();
  if (!(Number.isInteger(jobs) && jobs >= 1))
    throw new UserError(`--jobs must be a positive integer, got ${jobs}`);
  const sweep = readJsonFile(file, 'sweep file') as SweepFile;
  if (typeof sweep !== 'object' || sweep === null || typeof sweep.variants !== 'object')
    throw new UserError(
      `sweep file ${file} has no "variants" object (see experiments/compare/sweeps/)`,
    );
  if (
    sweep.seeds !== undefined &&
    !(Array.isArray(sweep.seeds) && sweep.seeds.every(Number.isInteger))
  )
    throw new UserError(`sweep file ${file}: "seeds" must be a list of integers`);
  const seeds = sweep.seeds ?? [1, 2, 3];
  const names = Object.keys(sweep.variants);
  const requests: RunRequest[] = [];
  for (const name of names)
    for (const seed of seeds)
      requests.push({
        layers: [mergeConfig(sweep.base ?? {}, sweep.variants[name]!), { seed }],
      });
  const results = await runAll(requests, jobs);
  const t = new Table({
    head: ['variant', 'energy kWh', 'migrations', 'SLATAH %', 'ESV', 'active PMs', 'targets'],
    style: { head: [], border: [] },
  });
  const csv = ['variant,energy_kwh,migrations,slatah,esv,active_pms,meets_targets'];
  // Every run too, so a sweep's spread over seeds is kept, not only its medians.
  const runsCsv = ['variant,seed,energy_kwh,migrations,slatah,esv,active_pms,wall_seconds'];
  names.forEach((name, v) =>
    seeds.forEach((seed, i) => {
      const r = results[v * seeds.length + i]!;
      const s = r.summary;
      runsCsv.push(
        [
          name,
          seed,
          s.energyKWh,
          s.migrations,
          s.slatah,
          s.esv,
          s.activePmsMean,
          r.wallSeconds,
        ].join(','),
      );
    }),
  );
  names.forEach((name, v) => {
    const runs = results.slice(v * seeds.length, (v + 1) * seeds.length).map((r) => r.summary);
    const med = (f: (s: (typeof runs)[number]) => number) => spread(runs.map(f)).median;
    const e = med((s) => s.energyKWh);
    const m = med((s) => s.migrations);
    const sl = med((s) => s.slatah);
    const esv = med((s) => s.esv);
    const a = med((s) => s.activePmsMean);
    const ok =
      esv < TARGETS.esv && m < TARGETS.migrations && e <= TARGETS.energyKWh && sl < TARGETS.slatah;
    t.push([
      name,
      e.toFixed(1),
      m.toFixed(0),
      (100 * sl).toFixed(2),
      esv.toExponential(2),
      a.toFixed(1),
      ok ? 'all' : '',
    ]);
    csv.push([name, e, m, sl, esv, a, ok ? 1 : 0].join(','));
  });
  process.stdout.write(`${t.toString()}\n`);
  if (args.write) {
    writeFileSync(file.replace(/\.json$/, '.csv'), `${csv.join('\n')}\n`);
    writeFileSync(file.replace(/\.json$/, '.runs.csv'), `${runsCsv.join('\n')}\n`);
  }
  return 0;
}

runCli(() => main(process.argv.slice(2)));
