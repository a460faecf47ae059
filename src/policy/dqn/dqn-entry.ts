/**
 * The `dqn` policy definition (registered by experiments/policies.ts, never imported by src/). `prepare` loads TensorFlow.js (the only place it is loaded, lazily),
 * loads a saved model if `dqn.modelDir` is set, and in `shared` mode builds the one agent all PMs
 * use; `create` gives each PM a PolicyDqn on that agent, or (`per-pm`) on its own agent, built on
 * first use and kept in the prepared state. A prepared state can therefore be handed to several
 * runs in a row (experiments/train.ts does, with `Simulation.create(…, prepared)`), carrying the
 * networks, replay memories and ε schedules across episodes.
 */
import { ConfigError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import type { PolicyContext } from '../policy.ts';
import { QLEARNING_OPTIONS } from '../policy-q-learning.ts';
import { definePolicy, type PolicyRunContext, type SectionOptions } from '../registry.ts';
import { loadTf, type TfRuntime } from './backend.ts';
import { DqnAgent, type DqnHyperParameters } from './dqn-agent.ts';
import { DQN_OPTIONS, dqnLearns, type DqnOptions } from './dqn-options.ts';
import { defaultNormalisation, FEATURE_COUNT, FEATURE_SCHEMA, HEADS } from './features.ts';
import { loadModel, networkFromModel, type LoadedModel } from './model-store.ts';
import { QNetwork, type NetworkShape } from './network.ts';
import { PolicyDqn } from './policy-dqn.ts';

export interface DqnPrepared {
  readonly runtime: TfRuntime;
  readonly options: DqnOptions;
  readonly learning: boolean;
  readonly model: LoadedModel | null;
  readonly shape: NetworkShape;
  readonly hp: DqnHyperParameters;
  /** The agent every PM uses (`shared` mode), else null. */
  readonly shared: DqnAgent | null;
  /** Agents by node id (`per-pm` mode), built on first use. */
  readonly perPm: Map<number, DqnAgent>;
}

/** The config sections the DQN reads: its own, and `qlearning` for the rewards. */
const SECTIONS = [DQN_OPTIONS, QLEARNING_OPTIONS] as const;
export type DqnPolicyOptions = SectionOptions<typeof SECTIONS>;

export async function prepareDqn(run: PolicyRunContext<DqnPolicyOptions>): Promise<DqnPrepared> {
  const o = run.options.dqn;
  if (o.minReplay > o.replayCapacity) {
    throw new ConfigError(
      `invalid dqn.minReplay: ${o.minReplay} exceeds dqn.replayCapacity ${o.replayCapacity}`,
    );
  }
  if (o.mode === 'per-pm' && run.pms > o.maxNetworks) {
    throw new ConfigError(
      `dqn.mode per-pm would build ${run.pms} networks, more than dqn.maxNetworks ${o.maxNetworks}; use dqn.mode shared or raise dqn.maxNetworks`,
    );
  }
  // Read the model before loading tfjs, so a bad --model fails fast.
  const model = o.modelDir === null ? null : loadModel(o.modelDir);
  const runtime = await loadTf(o.backend);
  const shape: NetworkShape = model?.shape ?? {
    inputs: FEATURE_COUNT,
    hidden: o.hiddenUnits,
    heads: HEADS.length,
  };
  const hp: DqnHyperParameters = {
    learningRate: o.learningRate,
    gamma: o.gamma,
    loss: o.loss,
    // Q-values are learnt in scaled units: a loaded model keeps the scale it was trained with.
    rewardScale: model?.rewardScale ?? o.rewardScale,
    batchSize: o.batchSize,
    replayCapacity: o.replayCapacity,
    minReplay: o.minReplay,
    trainEvery: o.trainEvery,
    targetSyncEvery: o.targetSyncEvery,
    epsilonStart: o.epsilonStart,
    epsilonEnd: o.epsilonEnd,
    epsilonDecayDecisions: o.epsilonDecayDecisions,
    epsilonInStart: o.epsilonInStart,
  };
  const learning = dqnLearns(o);
  const prepared: DqnPrepared = {
    runtime,
    options: o,
    learning,
    model,
    shape,
    hp,
    shared: null,
    perPm: new Map(),
  };
  if (o.mode === 'per-pm') return prepared;
  return { ...prepared, shared: makeAgent(prepared, run.rng) };
}

function makeAgent(p: DqnPrepared, rng: Rng): DqnAgent {
  const tf = p.runtime.tf;
  const net =
    p.model !== null
      ? networkFromModel(tf, p.model)
      : QNetwork.init(
          tf,
          p.shape,
          defaultNormalisation(),
          rng.fork('dqn-init'),
          p.options.initialQ * p.hp.rewardScale,
        );
  return new DqnAgent(tf, net, p.hp, rng.fork('dqn-replay'), p.learning);
}

export function createDqn(ctx: PolicyContext, o: DqnPolicyOptions, prepared: unknown): PolicyDqn {
  const p = prepared as DqnPrepared | undefined;
  if (p?.runtime === undefined) throw new Error('the dqn policy needs its prepare() result');
  let agent = p.shared;
  if (agent === null) {
    agent = p.perPm.get(ctx.nodeId) ?? null;
    if (agent === null) {
      agent = makeAgent(p, ctx.rng.fork('dqn'));
      p.perPm.set(ctx.nodeId, agent);
    }
  }
  return new PolicyDqn(agent, ctx.rng, o.qlearning.rewards);
}

/** What config.json records about a DQN run. */
export function describeDqn(prepared: unknown): Record<string, unknown> {
  const p = prepared as DqnPrepared;
  return {
    backend: p.runtime.backend,
    backendNotes: p.runtime.notes,
    mode: p.options.mode,
    learning: p.learning,
    model: p.model?.dir ?? null,
    hiddenUnits: [...p.shape.hidden],
    rewardScale: p.hp.rewardScale,
    featureSchema: FEATURE_SCHEMA,
  };
}

/** Releases every tensor of a prepared state (tests, and train.ts at exit). */
export function disposeDqn(prepared: DqnPrepared): void {
  prepared.shared?.dispose();
  for (const a of prepared.perPm.values()) a.dispose();
  prepared.perPm.clear();
}

export const DQN_POLICY = definePolicy({
  name: 'dqn',
  description: 'deep Q-networks on continuous features (TensorFlow.js), shared or one per PM',
  kind: 'gossip',
  sections: SECTIONS,
  prepare: prepareDqn,
  create: createDqn,
  describe: describeDqn,
});
