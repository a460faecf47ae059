/**
 * The Q-network: an MLP from the FEATURE_COUNT decision features to one Q-value per head (πout,
 * πin), ReLU hidden layers, linear heads. Q(s, a) is one forward pass on the (s, a) features, so a
 * decision needs no gather; training picks each sample's head with a one-hot role mask (the wasm
 * backend has no gather gradient). Weights are plain tfjs variables initialised from the injected
 * Rng (Glorot uniform), so they are identical on every backend; every tensor op runs in tf.tidy.
 */
import type * as TfTypes from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng.ts';
import type { Tf } from './backend.ts';
import type { Normalisation } from './features.ts';

export interface NetworkShape {
  inputs: number;
  hidden: readonly number[];
  heads: number;
}

/** Shapes of the weight arrays in order: [W0, b0, W1, b1, …, Wout, bout]. */
export function weightShapes(s: NetworkShape): number[][] {
  const sizes = [s.inputs, ...s.hidden, s.heads];
  const shapes: number[][] = [];
  for (let l = 0; l + 1 < sizes.length; l++)
    shapes.push([sizes[l]!, sizes[l + 1]!], [sizes[l + 1]!]);
  return shapes;
}

/** Names of the weights in saved models, matching `weightShapes`. */
export function weightNames(s: NetworkShape): string[] {
  const layers = s.hidden.length + 1;
  const names: string[] = [];
  for (let l = 0; l < layers; l++) {
    const layer = l === layers - 1 ? 'head' : `dense${l}`;
    names.push(`${layer}/kernel`, `${layer}/bias`);
  }
  return names;
}

export class QNetwork {
  readonly variables: TfTypes.Variable[];
  private readonly mean: Float32Array;
  private readonly invStd: Float32Array;
  private scratch = new Float32Array(0);

  /** `weights` in `weightShapes(shape)` order; `trainable` false for a target network. */
  constructor(
    private readonly tf: Tf,
    readonly shape: NetworkShape,
    readonly normalisation: Normalisation,
    weights: readonly Float32Array[],
    trainable: boolean,
  ) {
    const shapes = weightShapes(shape);
    if (weights.length !== shapes.length) throw new Error('QNetwork: wrong number of weights');
    this.variables = shapes.map((sh, i) =>
      tf.variable(tf.tensor(weights[i]!, sh, 'float32'), trainable),
    );
    this.mean = Float32Array.from(normalisation.mean);
    this.invStd = Float32Array.from(normalisation.std, (x) => 1 / x);
  }

  /**
   * Glorot-uniform kernels and zero biases drawn from `rng`; the heads start small around
   * `headBias`, so every head initially predicts ≈ headBias whatever the input.
   */
  static init(
    tf: Tf,
    shape: NetworkShape,
    normalisation: Normalisation,
    rng: Rng,
    headBias: number,
  ): QNetwork {
    const shapes = weightShapes(shape);
    const weights = shapes.map((sh, i) => {
      const w = new Float32Array(sh.reduce((a, b) => a * b, 1));
      const isHead = i >= shapes.length - 2;
      if (sh.length === 1) {
        if (isHead) w.fill(headBias);
        return w;
      }
      const limit = Math.sqrt(6 / (sh[0]! + sh[1]!)) * (isHead ? 0.1 : 1);
      for (let k = 0; k < w.length; k++) w[k] = (2 * rng.next() - 1) * limit;
      return w;
    });
    return new QNetwork(tf, shape, normalisation, weights, true);
  }

  /** A copy with its own variables (e.g. the target network). */
  clone(trainable: boolean): QNetwork {
    return new QNetwork(this.tf, this.shape, this.normalisation, this.readWeights(), trainable);
  }

  /** Q-values for already normalised rows: [rows, inputs] → [rows, heads]. Call inside tf.tidy. */
  forward(x: TfTypes.Tensor2D): TfTypes.Tensor2D {
    const tf = this.tf;
    const v = this.variables;
    let h: TfTypes.Tensor2D = x;
    const last = v.length - 2;
    for (let i = 0; i < v.length; i += 2) {
      const z = tf.add(tf.matMul(h, v[i] as TfTypes.Tensor2D), v[i + 1]!) as TfTypes.Tensor2D;
      h = i < last ? tf.relu(z) : z;
    }
    return h;
  }

  /** Normalises `rows` raw feature rows of `x` into a fresh array (inputs for a tensor). */
  normalise(x: Float32Array, rows: number): Float32Array {
    const n = this.shape.inputs;
    const out = new Float32Array(rows * n);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) {
        out[r * n + j] = (x[r * n + j]! - this.mean[j]!) * this.invStd[j]!;
      }
    }
    return out;
  }

  /** Q-values of `rows` raw feature rows, row-major [rows × heads]. Leaves no tensor behind. */
  predict(x: Float32Array, rows: number): Float32Array {
    const n = this.shape.inputs;
    if (this.scratch.length < rows * n) this.scratch = new Float32Array(Math.max(rows * n, 64));
    const s = this.scratch;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) s[r * n + j] = (x[r * n + j]! - this.mean[j]!) * this.invStd[j]!;
    }
    const tf = this.tf;
    const out = tf.tidy(() => this.forward(tf.tensor2d(s.subarray(0, rows * n), [rows, n])));
    const q = out.dataSync() as Float32Array;
    out.dispose();
    return q;
  }

  /** Overwrites this network's weights with `src`'s (target-network sync). */
  copyFrom(src: QNetwork): void {
    this.variables.forEach((v, i) => v.assign(src.variables[i]!));
  }

  /** Copies of the weights, in `weightShapes` order. */
  readWeights(): Float32Array[] {
    return this.variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
