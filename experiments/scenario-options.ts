/**
 * The flags that size a scenario (PMs, VMs, steps, rounds, workload), shared by the experiment,
 * train and compare CLIs. Their help shows the defaults of experiments/config.ts, read from there
 * so that the two cannot drift apart.
 */
import type { Argv } from 'yargs';
import { defaultConfig } from './config.ts';
import { profileDefaults } from './profiles.ts';

export function scenarioOptions<T>(y: Argv<T>, what = 'steps of 300 s') {
  const d = defaultConfig();
  const cloudsimPms = profileDefaults('cloudsim').pms;
  return y
    .option('pms', {
      type: 'number',
      describe: `physical machines (default ${d.pms}; ${cloudsimPms} with --profile cloudsim)`,
    })
    .option('vms', {
      type: 'number',
      describe: `VMs (default ${d.vmsPerPm} × PMs, or every trace file)`,
    })
    .option('steps', { type: 'number', describe: `${what} (default ${d.steps})` })
    .option('rounds-per-step', {
      type: 'number',
      describe: `gossip rounds per step (default ${d.roundsPerStep})`,
    })
    .option('workload', {
      type: 'string',
      describe: `synthetic:<steady|diurnal|spikes|high>, planetlab:<dir> or bitbrains:<dir> (default ${d.workload})`,
    });
}
