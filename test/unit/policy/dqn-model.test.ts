/**
 * Saving and loading DQN models: a round trip predicts exactly what the saved network predicted
 * and evaluates without exploring; a model for other features, or with damaged weights, is refused
 * with one sentence naming the directory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, UserError } from '../../../src/core/errors.ts';
import { Rng } from '../../../src/core/rng.ts';
import { pairOf } from '../../../src/model/levels.ts';
import type { DqnPolicyOptions } from '../../../src/policy/dqn/dqn-entry.ts';
import {
  createDqn,
  disposeDqn,
  prepareDqn,
  type DqnPrepared,
} from '../../../src/policy/dqn/dqn-entry.ts';
import { defaultDqnOptions, type DqnOptions } from '../../../src/policy/dqn/dqn-options.ts';
import { FEATURE_COUNT } from '../../../src/policy/dqn/features.ts';
import { saveModel } from '../../../src/policy/dqn/model-store.ts';
import { defaultConfig } from '../../../experiments/config.ts';

const live: DqnPrepared[] = [];
afterEach(() => {
  for (const p of live.splice(0)) disposeDqn(p);
});

const opts = (over: Partial<DqnOptions>): DqnPolicyOptions => ({
  qlearning: defaultConfig().qlearning,
  dqn: { ...defaultDqnOptions(), ...over },
});

async function prepare(over: Partial<DqnOptions>, seed = 1): Promise<DqnPrepared> {
  const p = await prepareDqn({ pms: 1, rng: new Rng(seed), options: opts(over) });
  live.push(p);
  return p;
}

/** A briefly trained shared network, saved to a fresh directory. */
async function trainedModel(): Promise<{ dir: string; trained: DqnPrepared }> {
  const over = { hiddenUnits: [24, 12], rewardScale: 0.05, trainEvery: 1, minReplay: 4 };
  const trained = await prepare(over);
  const policy = createDqn({ nodeId: 0, rng: new Rng(2) }, opts(over), trained);
  const rng = new Rng(3);
  for (let k = 0; k < 200; k++) {
    const self = { cpuUtil: rng.next(), ramUtil: 0.5 * rng.next(), state: 0 };
    self.state = pairOf(self.cpuUtil, self.ramUtil);
    const c = 0.5 * rng.next();
    if (policy.accept(self, pairOf(c, 0.2), c, 0.2, k + 1)) {
      const next = pairOf(self.cpuUtil + c, self.ramUtil + 0.2);
      policy.learnIn(k + 1, self.state, pairOf(c, 0.2), next);
    }
  }
  expect(trained.shared!.updates).toBeGreaterThan(100);
  const dir = join(mkdtempSync(join(tmpdir(), 'qossip-dqn-')), 'model');
  const agent = trained.shared!;
  await saveModel(trained.runtime.tf, dir, agent.online, agent.hp, { updates: agent.updates });
  return { dir, trained };
}

function randomRows(n: number): Float32Array {
  const rng = new Rng(77);
  return Float32Array.from({ length: n * FEATURE_COUNT }, () => 1.5 * rng.next());
}

describe('DQN model files', () => {
  it('save → load gives identical predictions, its own shape and scale, and no exploration', async () => {
    const { dir, trained } = await trainedModel();
    const loaded = await prepare({ modelDir: dir, hiddenUnits: [8], rewardScale: 1 });
    expect(loaded.learning).toBe(false);
    expect(loaded.shape.hidden).toEqual([24, 12]);
    expect(loaded.hp.rewardScale).toBe(0.05);
    const rows = randomRows(64);
    expect([...loaded.shared!.q(rows, 64)]).toEqual([...trained.shared!.q(rows, 64)]);
    expect(loaded.shared!.epsilonOut()).toBe(0);
    expect(loaded.shared!.epsilonIn()).toBe(0);
    // Evaluation never trains: the weights stay those saved.
    const before = loaded.shared!.online.readWeights();
    const policy = createDqn({ nodeId: 0, rng: new Rng(9) }, opts({ modelDir: dir }), loaded);
    for (let k = 0; k < 50; k++) {
      const self = { cpuUtil: 0.5, ramUtil: 0.2, state: pairOf(0.5, 0.2) };
      if (policy.accept(self, pairOf(0.6, 0.2), 0.6, 0.2, k + 1)) {
        policy.learnIn(k + 1, self.state, pairOf(0.6, 0.2), pairOf(1.1, 0.4));
      }
    }
    expect(loaded.shared!.updates).toBe(0);
    expect(loaded.shared!.online.readWeights()).toEqual(before);
  });

  it('per-PM mode starts every PM from the loaded model', async () => {
    const { dir, trained } = await trainedModel();
    const loaded = await prepare({ modelDir: dir, mode: 'per-pm' });
    const o = opts({ modelDir: dir, mode: 'per-pm' });
    const a = createDqn({ nodeId: 0, rng: new Rng(1) }, o, loaded);
    const b = createDqn({ nodeId: 1, rng: new Rng(2) }, o, loaded);
    expect(a.agent).not.toBe(b.agent);
    const rows = randomRows(16);
    expect([...b.agent.q(rows, 16)]).toEqual([...trained.shared!.q(rows, 16)]);
  });

  it('refuses a model made for other features with one sentence', async () => {
    const { dir } = await trainedModel();
    const path = join(dir, 'model.json');
    const m = JSON.parse(readFileSync(path, 'utf8'));
    m.featureSchema = 'qossip-dqn-features/0(cpuLevel,ramLevel)';
    writeFileSync(path, JSON.stringify(m));
    const err = await prepare({ modelDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain(dir);
    expect(msg).toMatch(/trained on features 'qossip-dqn-features\/0\(cpuLevel,ramLevel\)'/);
    expect(msg).toMatch(/retrain it with npm run train$/);
    expect(msg).not.toContain('\n');
  });

  it('refuses truncated weights, and names a missing model', async () => {
    const { dir } = await trainedModel();
    truncateSync(join(dir, 'weights.bin'), 100);
    await expect(prepare({ modelDir: dir })).rejects.toThrow(
      /weights\.bin holds 100 bytes, but .*model\.json needs \d+/,
    );
    const missing = join(dir, 'nope');
    const err = await prepare({ modelDir: missing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `cannot read the DQN model ${join(missing, 'model.json')}: no such file or directory (ENOENT)`,
    );
  });
});
