/**
 * Options of the DQN policy (`dqn` section of a run's config). The defaults are ours, chosen on
 * the 100-PM diurnal day (see README, "DQN policy"); the rewards are not here: the DQN uses the
 * Q-table policy's reward tables (`qlearning.rewards`) so the two policies are comparable.
 */

/** `shared`: one network trained by every PM (parameter sharing); `per-pm`: one network per PM. */
export const DQN_MODES = ['shared', 'per-pm'] as const;
export type DqnMode = (typeof DQN_MODES)[number];

/** `auto`: tfjs-node if installed, else wasm, else the pure-JS cpu backend. */
export const DQN_BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type DqnBackendChoice = (typeof DQN_BACKENDS)[number];

export const DQN_LOSSES = ['huber', 'mse'] as const;
export type DqnLoss = (typeof DQN_LOSSES)[number];

export interface DqnOptions {
  mode: DqnMode;
  backend: DqnBackendChoice;
  /** Units of each hidden ReLU layer, e.g. [32, 32]. Ignored when a model is loaded (it has its own). */
  hiddenUnits: number[];
  /** Adam learning rate (> 0). */
  learningRate: number;
  /** Discount factor γ, [0..1). */
  gamma: number;
  loss: DqnLoss;
  /** Rewards are multiplied by this before training, so Q-values stay near ±1..10 (> 0). */
  rewardScale: number;
  /** Initial Q-value (reward units) of the output biases: > 0 accepts every offer at first, like zeroed Q-tables. */
  initialQ: number;
  /** Transitions per minibatch. */
  batchSize: number;
  /** Transitions kept in the replay memory (oldest dropped first). */
  replayCapacity: number;
  /** Transitions in memory before the first update. */
  minReplay: number;
  /** Decisions (chooseVm + accept calls) between two minibatch updates of a network. */
  trainEvery: number;
  /** Updates between two copies of the online network into the target network. */
  targetSyncEvery: number;
  /** πout exploration: probability of a random VM, decaying linearly from start to end. */
  epsilonStart: number;
  epsilonEnd: number;
  /** Decisions (of the network's learner) over which ε decays. */
  epsilonDecayDecisions: number;
  /** πin exploration: probability of accepting an offer Q rejects, decaying linearly to 0 over the same decisions. */
  epsilonInStart: number;
  /** Most networks `per-pm` mode may build (one per PM); beyond it the run is refused. */
  maxNetworks: number;
  /** Learn online? null: yes, unless a model is loaded (then the run evaluates it: no exploration). */
  learning: boolean | null;
  /** Directory of a saved model (model.json + weights.bin) to start from, or null. */
  modelDir: string | null;
}

export function defaultDqnOptions(): DqnOptions {
  return {
    mode: 'shared',
    backend: 'auto',
    hiddenUnits: [32, 32],
    learningRate: 0.001,
    gamma: 0.5,
    loss: 'huber',
    rewardScale: 0.1,
    initialQ: 2,
    batchSize: 32,
    replayCapacity: 10_000,
    minReplay: 32,
    trainEvery: 4,
    targetSyncEvery: 100,
    epsilonStart: 0.2,
    epsilonEnd: 0.02,
    epsilonDecayDecisions: 20_000,
    epsilonInStart: 0.05,
    maxNetworks: 1000,
    learning: null,
    modelDir: null,
  };
}

/** Whether a run with these options learns (and explores). */
export function dqnLearns(o: DqnOptions): boolean {
  return o.learning ?? o.modelDir === null;
}
