/**
 * `npm run cloudsim:diff -- --policy lr-mmt`: runs one heuristic in the `cloudsim` profile on
 * PlanetLab 20110303 and sets it against CloudSim's own per-step trace of the same heuristic
 * (.cache/cloudsim/traces/<policy>.csv, written by `npm run cloudsim:reference`), step by step:
 * migrations, energy, VMs still running, active and violating host-seconds, requested and
 * migration-lost MI, host shutdowns. It prints the first steps where the two part, or that they do
 * not; this is how the profile was brought to CloudSim's figures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hideBin } from 'yargs/helpers';
import { UserError } from '../../src/core/errors.ts';
import { cliParser, runCli } from '../../experiments/cli-support.ts';
import { resolveConfig } from '../../experiments/config.ts';
import { profileDefaults } from '../../experiments/profiles.ts';
import { Simulation } from '../../experiments/simulation.ts';
import { makeWorkload, workloadRequest } from '../../experiments/workloads.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The trace columns both sides report, with the tolerance at which they count as equal. */
const COLUMNS = [
  ['vms', 0],
  ['migrations', 0],
  ['energy_kwh', 1e-5],
  ['active_s', 1e-3],
  ['violation_s', 1e-3],
  ['requested_mi', 1],
  ['migration_lost_mi', 1],
  ['shutdowns', 0],
] as const;
type Column = (typeof COLUMNS)[number][0];

/** CloudSim's trace: one row per step, `# ` lines are its placement and migration log. */
function readTrace(file: string): Record<Column, number>[] {
  if (!fs.existsSync(file))
    throw new UserError(`no CloudSim trace at ${file}: run npm run cloudsim:reference first`);
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
  const head = lines[0]!.split(',');
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(head.map((h, i) => [h, Number(cells[i])])) as Record<Column, number>;
  });
}

async function ours(day: string, policy: string): Promise<Record<Column, number>[]> {
  const config = resolveConfig(profileDefaults('cloudsim'), {
    workload: `planetlab:${day}`,
    policy,
    out: '/dev/null',
  });
  const workload = makeWorkload(workloadRequest(config));
  const sim = new Simulation({ ...config, vms: workload.vmCount }, workload);
  const rows: Record<Column, number>[] = [];
  for (let step = 0; step < Math.min(config.steps, workload.maxSteps); step++) {
    sim.beginStep(step);
    sim.runController();
    for (let r = 0; r < config.roundsPerStep; r++) await sim.runRound();
    const st = sim.datacenter.endStep();
    rows.push({
      vms: sim.datacenter.vmEnded.reduce((n, e) => n + (e === 0 ? 1 : 0), 0),
      migrations: st.migrations,
      energy_kwh: st.energyKWh,
      active_s: st.activeSeconds,
      violation_s: st.overloadSeconds,
      requested_mi: st.cpuRequestedMi,
      migration_lost_mi: st.cpuLostMi,
      shutdowns: st.hostShutdowns ?? 0,
    });
  }
  return rows;
}

async function main(argv: string[]): Promise<number> {
  const args = await cliParser(
    argv,
    'npm run cloudsim:diff --',
    '$0 --policy <heuristic>\n\nSets a heuristic in the cloudsim profile against CloudSim 3.0.3, step by step.',
  )
    .option('policy', { type: 'string', demandOption: true, describe: 'e.g. lr-mmt' })
    .option('workload', {
      type: 'string',
      default: path.join(ROOT, '../shared/data/planetlab/20110303'),
      describe: 'the PlanetLab 20110303 trace directory',
    })
    .option('trace', {
      type: 'string',
      describe: 'CloudSim trace (default .cache/cloudsim/traces/<policy>.csv)',
    })
    .option('show', { type: 'number', default: 10, describe: 'divergent steps to print' })
    .parseAsync();
  const theirs = readTrace(
    args.trace ?? path.join(ROOT, '.cache/cloudsim/traces', `${args.policy}.csv`),
  );
  const mine = await ours(path.resolve(args.workload), args.policy);
  let shown = 0;
  let differing = 0;
  for (let k = 0; k < mine.length; k++) {
    const a = theirs[k];
    const b = mine[k]!;
    if (!a) break;
    const bad = COLUMNS.filter(([c, tol]) => Math.abs(a[c] - b[c]) > tol);
    if (bad.length === 0) continue;
    differing++;
    if (shown++ < args.show)
      process.stdout.write(
        `step ${k}: ${bad.map(([c]) => `${c} CloudSim ${a[c]} ours ${+b[c].toFixed(6)}`).join('; ')}\n`,
      );
  }
  process.stdout.write(
    differing === 0
      ? `${args.policy}: identical to CloudSim in all ${mine.length} steps\n`
      : `${args.policy}: ${differing} of ${mine.length} steps differ\n`,
  );
  return 0;
}

runCli(() => main(hideBin(process.argv)));
