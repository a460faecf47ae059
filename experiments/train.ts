/**
 * `npm run train`: trains the DQN policy offline over `--episodes` whole simulated days, one seed
 * per episode (seed, seed + 1, …: new workload noise, placement and gossip each day), with one
 * shared network carried from episode to episode (with its replay memory, optimiser state and ε
 * schedule), then saves it to `--save` for `npm run experiment -- --policy dqn --model <dir>`.
 * Like tfjs-examples' snake-dqn train.js: the environment is the simulator, episodes are days.
 */
import { performance } from 'node:perf_hooks';
import { hideBin } from 'yargs/helpers';
import { UserError } from '../src/core/errors.ts';
import type { DqnPrepared } from '../src/policy/dqn/dqn-entry.ts';
import { disposeDqn } from '../src/policy/dqn/dqn-entry.ts';
import { saveModel } from '../src/policy/dqn/model-store.ts';
import { PLACEMENTS } from '../src/model/placement.ts';
import { resolveConfig, type ConfigOverrides, type ExperimentConfig } from './config.ts';
import { makeWorkload, workloadRequest } from './workloads.ts';
import { Simulation } from './simulation.ts';
import { POLICIES } from './policies.ts';
import { packageVersion } from './results.ts';
import { cliParser, runCli } from './cli-support.ts';
import { readConfigFile } from './config-file.ts';
import { scenarioOptions } from './scenario-options.ts';

async function main(argv: string[]): Promise<number> {
  const args = await scenarioOptions(
    cliParser(
      argv,
      'npm run train --',
      '$0 --save <dir> [options]\n\nTrains the DQN policy over several simulated days and saves the network.',
    ),
    'steps of 300 s per episode',
  )
    .option('policy', { type: 'string', describe: 'policy to train: dqn (default dqn)' })
    .option('episodes', { type: 'number', default: 10, describe: 'simulated days to train on' })
    .option('save', { type: 'string', describe: 'directory to save the model to (required)' })
    .option('model', { type: 'string', describe: 'start from the model saved in this directory' })
    .option('placement', { type: 'string', choices: PLACEMENTS, describe: 'initial placement' })
    .option('peer-sampling', {
      type: 'string',
      choices: ['uniform', 'cyclon'],
      describe: 'peer sampling: uniform over peers believed awake, or Cyclon partial views',
    })
    .option('seed', {
      type: 'number',
      describe: 'seed of the first episode; episode e uses seed + e (default 1)',
    })
    .option('config', {
      type: 'string',
      describe: 'JSON config file (e.g. a dqn section); flags override it',
    })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
    .parseAsync();

  if (args.save === undefined) throw new UserError('--save <dir> is required (see --help)');
  if (!(Number.isInteger(args.episodes) && args.episodes >= 1)) {
    throw new UserError(`--episodes must be a positive integer, got ${args.episodes}`);
  }
  const fromFile = args.config === undefined ? {} : readConfigFile(args.config);
  const flags: ConfigOverrides = {
    policy: args.policy ?? 'dqn',
    pms: args.pms,
    vms: args.vms,
    steps: args.steps,
    roundsPerStep: args['rounds-per-step'],
    workload: args.workload,
    placement: args.placement as ExperimentConfig['placement'] | undefined,
    peerSampling: args['peer-sampling'] as ExperimentConfig['peerSampling'] | undefined,
    seed: args.seed,
    // Training learns (and explores) even when it starts from a saved model.
    dqn: { modelDir: args.model, learning: true },
    out: '/dev/null',
  };
  const config = resolveConfig(fromFile, flags);
  if (config.policy !== 'dqn') {
    throw new UserError(`--policy ${config.policy} cannot be trained offline; only dqn can`);
  }
  if (config.dqn.mode !== 'shared') {
    throw new UserError('train saves one shared network: set dqn.mode to shared');
  }
  const quiet = args.quiet;
  const say = (line: string) => {
    if (!quiet) process.stderr.write(`${line}\n`);
  };

  const t0 = performance.now();
  let prepared: DqnPrepared | null = null;
  const seeds: number[] = [];
  for (let e = 0; e < args.episodes; e++) {
    const seed = (config.seed + e) >>> 0;
    const c: ExperimentConfig = { ...config, seed };
    const workload = makeWorkload(workloadRequest(c, seed));
    const run = { ...c, vms: workload.vmCount };
    const te = performance.now();
    const sim = await Simulation.create(run, workload, {}, prepared ?? undefined);
    if (prepared === null) {
      prepared = sim.prepared as DqnPrepared;
      const info = POLICIES.get('dqn').describe!(prepared);
      const notes = (info.backendNotes as string[]).join('; ');
      say(
        `qossip: training dqn on the ${String(info.backend)} backend${notes ? `; ${notes}` : ''}`,
      );
    }
    const r = await sim.run();
    seeds.push(seed);
    const s = r.summary;
    const agent = prepared.shared!;
    const stats = agent.takeStats();
    say(
      `episode ${e + 1}/${args.episodes} (seed ${seed}): ${s.energyKWh.toFixed(2)} kWh, ` +
        `active ${s.activeToLowerBound.toFixed(3)} × lower bound, ${s.migrations} migrations, ` +
        `SLATAH ${(100 * s.slatah).toFixed(3)} %, ${stats.updates} updates, ` +
        `ε ${agent.epsilonOut().toFixed(3)}, loss ${stats.meanLoss?.toFixed(4) ?? '–'}, ` +
        `${((performance.now() - te) / 1000).toFixed(1)} s`,
    );
  }
  const p = prepared!;
  const agent = p.shared!;
  await saveModel(
    p.runtime.tf,
    args.save,
    agent.online,
    {
      ...agent.hp,
      hiddenUnits: [...p.shape.hidden],
      initialQ: config.dqn.initialQ,
      rewards: config.qlearning.rewards,
    },
    {
      qossipVersion: packageVersion(),
      backend: p.runtime.backend,
      startedFrom: config.dqn.modelDir,
      episodes: args.episodes,
      seeds,
      pms: config.pms,
      workload: config.workload,
      steps: config.steps,
      decisions: agent.decisions,
      updates: agent.updates,
    },
  );
  disposeDqn(p);
  say(
    `saved ${args.save}/{model.json,weights.bin} after ${args.episodes} episode(s) in ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return 0;
}

runCli(() => main(hideBin(process.argv)));
