/**
 * Options of the DQN policy (config section `dqn`), declared once with their defaults. The
 * defaults are ours, chosen on the 100-PM diurnal day (see README, "DQN policy"); the rewards are
 * not here: the DQN uses the Q-table policy's reward tables (`qlearning.rewards`) so the two
 * policies are comparable.
 */
import { z } from 'zod';
import { optionsSection } from '../registry.ts';

/** `shared`: one network trained by every PM (parameter sharing); `per-pm`: one network per PM. */
export const DQN_MODES = ['shared', 'per-pm'] as const;
export type DqnMode = (typeof DQN_MODES)[number];

/** `auto`: tfjs-node if installed, else wasm, else the pure-JS cpu backend. */
export const DQN_BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type DqnBackendChoice = (typeof DQN_BACKENDS)[number];

export const DQN_LOSSES = ['huber', 'mse'] as const;
export type DqnLoss = (typeof DQN_LOSSES)[number];

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const unit = z.number().min(0).max(1);

export const DQN_OPTIONS = optionsSection(
  'dqn',
  z
    .object({
      mode: z.enum(DQN_MODES).default('shared'),
      backend: z.enum(DQN_BACKENDS).default('auto'),
      /** Units of each hidden ReLU layer. Ignored when a model is loaded (it has its own). */
      hiddenUnits: z
        .array(int(1, 4096))
        .min(1)
        .max(8)
        .default(() => [32, 32]),
      /** Adam learning rate (> 0). */
      learningRate: z.number().gt(0).max(1).default(0.001),
      /** Discount factor γ, [0..1). */
      gamma: z.number().min(0).lt(1).default(0.5),
      loss: z.enum(DQN_LOSSES).default('huber'),
      /** Rewards are multiplied by this before training, so Q-values stay near ±1..10 (> 0). */
      rewardScale: z.number().gt(0).max(100).default(0.1),
      /** Initial Q-value (reward units) of the output biases: > 0 accepts every offer at first, like zeroed Q-tables. */
      initialQ: z.number().min(-1000).max(1000).default(2),
      /** Transitions per minibatch. */
      batchSize: int(1, 4096).default(32),
      /** Transitions kept in the replay memory (oldest dropped first). */
      replayCapacity: int(1, 10_000_000).default(10_000),
      /** Transitions in memory before the first update. */
      minReplay: int(1, 10_000_000).default(32),
      /** Decisions (chooseVm + accept calls) between two minibatch updates of a network. */
      trainEvery: int(1, 1_000_000).default(4),
      /** Updates between two copies of the online network into the target network. */
      targetSyncEvery: int(1, 1_000_000).default(100),
      /** πout exploration: probability of a random VM, decaying linearly from start to end. */
      epsilonStart: unit.default(0.2),
      epsilonEnd: unit.default(0.02),
      /** Decisions (of the network's learner) over which ε decays. */
      epsilonDecayDecisions: int(0).default(20_000),
      /** πin exploration: probability of accepting an offer Q rejects, decaying linearly to 0 over the same decisions. */
      epsilonInStart: unit.default(0.05),
      /** Most networks `per-pm` mode may build (one per PM); beyond it the run is refused. */
      maxNetworks: int(1, 1_000_000).default(1000),
      /** Learn online? null: yes, unless a model is loaded (then the run evaluates it: no exploration). */
      learning: z.boolean().nullable().default(null),
      /** Directory of a saved model (model.json + weights.bin) to start from, or null. */
      modelDir: z.string().min(1).nullable().default(null),
    })
    .strict()
    .prefault({}),
);

export type DqnOptions = z.output<typeof DQN_OPTIONS.schema>;

/** The defaults of every DQN option. */
export function defaultDqnOptions(): DqnOptions {
  return DQN_OPTIONS.schema.parse({});
}

/** Whether a run with these options learns (and explores). */
export function dqnLearns(o: DqnOptions): boolean {
  return o.learning ?? o.modelDir === null;
}
