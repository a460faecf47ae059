/**
 * The DQN learner (Mnih et al. 2015): an online Q-network trained by Adam on minibatches drawn
 * from experience replay, towards r + γ·max_a′ Q_target(s′, a′) from a target network copied from
 * the online one every `targetSyncEvery` updates; ε decays linearly with the decisions made.
 * One agent serves every PM in `shared` mode (parameter sharing) or one PM in `per-pm` mode; either
 * way each decision is computed from one PM's own features only.
 */
import type * as TfTypes from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng.ts';
import type { Tf } from './backend.ts';
import type { DqnOptions } from './dqn-options.ts';
import { FEATURE_COUNT, Role } from './features.ts';
import type { QNetwork } from './network.ts';
import { ReplayMemory, type Transition } from './replay-memory.ts';

/** The agent's hyper-parameters: `DqnOptions` minus what only the registry entry uses. */
export type DqnHyperParameters = Pick<
  DqnOptions,
  | 'learningRate'
  | 'gamma'
  | 'loss'
  | 'rewardScale'
  | 'batchSize'
  | 'replayCapacity'
  | 'minReplay'
  | 'trainEvery'
  | 'targetSyncEvery'
  | 'epsilonStart'
  | 'epsilonEnd'
  | 'epsilonDecayDecisions'
  | 'epsilonInStart'
>;

export interface DqnAgentStats {
  decisions: number;
  updates: number;
  replaySize: number;
  /** Mean training loss since the last `takeStats`, or null without updates. */
  meanLoss: number | null;
}

export class DqnAgent {
  private readonly target: QNetwork;
  private readonly optimizer: TfTypes.Optimizer;
  private readonly memory: ReplayMemory;
  private decisionCount = 0;
  private updateCount = 0;
  private lossSum = 0;
  private lossCount = 0;

  /**
   * `online` becomes the agent's (it disposes it); `rng` draws the minibatches; `learning` false
   * freezes the network and turns exploration off (evaluation).
   */
  constructor(
    private readonly tf: Tf,
    readonly online: QNetwork,
    readonly hp: DqnHyperParameters,
    private readonly rng: Rng,
    readonly learning: boolean,
  ) {
    this.target = online.clone(false);
    this.optimizer = tf.train.adam(hp.learningRate);
    this.memory = new ReplayMemory(hp.replayCapacity);
  }

  get decisions(): number {
    return this.decisionCount;
  }

  get updates(): number {
    return this.updateCount;
  }

  /** Fraction (1 → 0) of the ε decay still ahead. */
  private decayLeft(): number {
    const d = this.hp.epsilonDecayDecisions;
    return d <= 0 ? 0 : Math.max(0, 1 - this.decisionCount / d);
  }

  /** Current probability that πout sends a random VM. */
  epsilonOut(): number {
    if (!this.learning) return 0;
    const { epsilonStart: a, epsilonEnd: b } = this.hp;
    return b + (a - b) * this.decayLeft();
  }

  /** Current probability that πin accepts an offer its Q-value rejects. */
  epsilonIn(): number {
    return this.learning ? this.hp.epsilonInStart * this.decayLeft() : 0;
  }

  /** Q-values (scaled reward units) of raw feature rows, [rows × 2 heads]. */
  q(x: Float32Array, rows: number): Float32Array {
    return this.online.predict(x, rows);
  }

  remember(t: Transition): void {
    if (this.learning) this.memory.push(t);
  }

  /** Counts one decision; every `trainEvery` decisions, one minibatch update (once memory allows). */
  onDecision(): void {
    this.decisionCount++;
    if (
      this.learning &&
      this.decisionCount % this.hp.trainEvery === 0 &&
      this.memory.size >= Math.max(1, this.hp.minReplay)
    ) {
      this.train();
    }
  }

  /** One Adam step on a sampled minibatch; returns its loss. */
  train(): number {
    const tf = this.tf;
    const hp = this.hp;
    const batch = this.memory.sample(hp.batchSize, this.rng);
    const b = batch.length;
    const f = FEATURE_COUNT;
    const heads = this.online.shape.heads;

    // Bootstrap values from the target network, one forward pass for every next-state row.
    let rows = 0;
    for (const t of batch) if (!t.terminal) rows += t.nextRows;
    const nextX = new Float32Array(rows * f);
    let at = 0;
    for (const t of batch) {
      if (t.terminal || t.nextRows === 0) continue;
      nextX.set(t.next.subarray(0, t.nextRows * f), at * f);
      at += t.nextRows;
    }
    const qNext = rows > 0 ? this.target.predict(nextX, rows) : new Float32Array(0);

    const x = new Float32Array(b * f);
    const y = new Float32Array(b);
    const mask = new Float32Array(b * heads);
    at = 0;
    for (let i = 0; i < b; i++) {
      const t = batch[i]!;
      // The recipient may always reject (value 0); the sender must send one of its VMs.
      let v = t.role === Role.In ? 0 : -Infinity;
      if (!t.terminal) {
        for (let r = 0; r < t.nextRows; r++) v = Math.max(v, qNext[(at + r) * heads + t.role]!);
        at += t.nextRows;
      }
      if (t.terminal || v === -Infinity) v = 0;
      y[i] = t.reward * hp.rewardScale + hp.gamma * v;
      mask[i * heads + t.role] = 1;
      x.set(t.x, i * f);
    }
    const xn = this.online.normalise(x, b);

    const loss = tf.tidy(() => {
      const X = tf.tensor2d(xn, [b, f]);
      const Y = tf.tensor1d(y);
      const M = tf.tensor2d(mask, [b, heads]);
      const cost = this.optimizer.minimize(
        () => {
          const qa = tf.sum(tf.mul(this.online.forward(X), M), 1);
          return hp.loss === 'huber'
            ? tf.losses.huberLoss(Y, qa)
            : tf.losses.meanSquaredError(Y, qa);
        },
        true,
        this.online.variables,
      );
      return cost!.dataSync()[0]!;
    });

    this.updateCount++;
    this.lossSum += loss;
    this.lossCount++;
    if (this.updateCount % hp.targetSyncEvery === 0) this.target.copyFrom(this.online);
    return loss;
  }

  /** Counters, and the mean loss since the previous call. */
  takeStats(): DqnAgentStats {
    const s: DqnAgentStats = {
      decisions: this.decisionCount,
      updates: this.updateCount,
      replaySize: this.memory.size,
      meanLoss: this.lossCount > 0 ? this.lossSum / this.lossCount : null,
    };
    this.lossSum = 0;
    this.lossCount = 0;
    return s;
  }

  dispose(): void {
    this.online.dispose();
    this.target.dispose();
    this.optimizer.dispose();
  }
}
