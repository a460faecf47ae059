/**
 * The DQN from the command line, as issue 5 uses it: `npm run train` saves a model, and
 * `npm run experiment -- --policy dqn --model <dir>` evaluates it and records the backend;
 * a model for other features is refused in one line with exit code 1; and a run of another
 * policy never loads TensorFlow.js.
 */
import { describe, expect, it } from 'vitest';
import { ROOT, runScript } from '../../helpers/fixtures.ts';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('dqn CLI', () => {
  it('train saves a model that experiment --model evaluates, recording the backend', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'qossip-dqn-cli-'));
    const model = join(tmp, 'model');
    const small = ['--pms', '12', '--steps', '30', '--rounds-per-step', '2'];
    const t = runScript('experiments/train.ts', ...small, '--episodes', '2', '--save', model);
    expect(t.stderr).toMatch(/^qossip: training dqn on the (tensorflow|wasm|cpu) backend/);
    expect(t.stderr).toMatch(/episode 2\/2 \(seed 2\): .* kWh/);
    expect(t.code).toBe(0);
    expect(existsSync(join(model, 'model.json')) && existsSync(join(model, 'weights.bin'))).toBe(
      true,
    );

    const out = join(tmp, 'run');
    const e = runScript(
      'experiments/experiment.ts',
      ...small,
      '--policy',
      'dqn',
      '--model',
      model,
      '--out',
      out,
    );
    expect(e.code).toBe(0);
    expect(e.stderr).toMatch(
      /^qossip: dqn on the (tensorflow|wasm|cpu) backend, shared network, evaluating /,
    );
    expect(e.stderr.trim().split('\n')).toHaveLength(1);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.dqn.modelDir).toBe(model);
    expect(config.qossip.policyInfo).toMatchObject({ mode: 'shared', learning: false, model });
    expect(['tensorflow', 'wasm', 'cpu']).toContain(config.qossip.policyInfo.backend);

    // The same model made for other features: one sentence, exit code 1, no stack.
    const m = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
    writeFileSync(join(model, 'model.json'), JSON.stringify({ ...m, featureSchema: 'levels/81' }));
    const bad = runScript(
      'experiments/experiment.ts',
      '--policy',
      'dqn',
      '--model',
      model,
      '--out',
      join(tmp, 'run-bad'),
    );
    expect(bad.code).toBe(1);
    expect(existsSync(join(tmp, 'run-bad'))).toBe(false); // a run that cannot start leaves nothing
    expect(bad.stderr).toBe(
      `qossip: the DQN model in ${model} was trained on features 'levels/81', but this version computes '${m.featureSchema}'; retrain it with npm run train\n`,
    );
  });

  it('a qlearning run never loads TensorFlow.js; a dqn run does', () => {
    // tfjs-core registers its engine as globalThis._tfengine when it is first imported.
    const script = `
      import { simulate } from './experiments/simulation.ts';
      import { makeWorkload } from './experiments/workloads.ts';
      import { resolveConfig } from './experiments/config.ts';
      const c = resolveConfig({ pms: 10, steps: 5, out: '/dev/null' });
      const w = () => makeWorkload({ spec: c.workload, vms: null, pms: 10, vmsPerPm: 1.3, seed: 1 });
      await simulate(c, w());
      const before = typeof globalThis._tfengine;
      await simulate({ ...c, policy: 'dqn' }, w());
      console.log(before, typeof globalThis._tfengine);
    `;
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('undefined object');
  });

  it('--model without --policy dqn is refused in one line', () => {
    const r = runScript(
      'experiments/experiment.ts',
      '--model',
      '/nonexistent',
      '--out',
      '/dev/null',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('qossip: --model needs --policy dqn, not qlearning\n');
  });
});
