/**
 * Saving and loading a Q-network to a directory, without tfjs-node's `file://` handler: model.json
 * (tfjs's ModelArtifacts layout — `weightsManifest` — plus the feature schema, the input
 * normalisation, the network shape and the hyper-parameters) and weights.bin (the little-endian
 * float32 weights, as `tf.io.encodeWeights` lays them out). A model whose feature schema is not
 * this version's is refused with one sentence: its inputs would mean something else.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, UserError, errnoWords } from '../../core/errors.ts';
import type { Tf } from './backend.ts';
import {
  FEATURE_COUNT,
  FEATURE_NAMES,
  FEATURE_SCHEMA,
  HEADS,
  type Normalisation,
} from './features.ts';
import { QNetwork, weightNames, weightShapes, type NetworkShape } from './network.ts';

export const MODEL_FORMAT = 'qossip-dqn-model/1';
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

interface ModelJson {
  format: string;
  featureSchema: string;
  features: string[];
  heads: string[];
  normalisation: Normalisation;
  network: { inputs: number; hidden: number[]; heads: number; activation: 'relu' };
  /** The training run's hyper-parameters and rewards (informational, and rewardScale is used). */
  hyperParameters: Record<string, unknown> & { rewardScale: number };
  training: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

export interface LoadedModel {
  dir: string;
  shape: NetworkShape;
  normalisation: Normalisation;
  weights: Float32Array[];
  /** Scale of the saved Q-values (rewards × rewardScale); decisions made from it must use it. */
  rewardScale: number;
  hyperParameters: Record<string, unknown>;
  training: Record<string, unknown>;
}

/** Writes `net` to `dir` (created if needed) as model.json + weights.bin. */
export async function saveModel(
  tf: Tf,
  dir: string,
  net: QNetwork,
  hyperParameters: Record<string, unknown> & { rewardScale: number },
  training: Record<string, unknown>,
): Promise<void> {
  const names = weightNames(net.shape);
  const named = Object.fromEntries(net.variables.map((v, i) => [names[i]!, v]));
  const { data, specs } = await tf.io.encodeWeights(named);
  const model: ModelJson = {
    format: MODEL_FORMAT,
    featureSchema: FEATURE_SCHEMA,
    features: [...FEATURE_NAMES],
    heads: [...HEADS],
    normalisation: net.normalisation,
    network: { ...net.shape, hidden: [...net.shape.hidden], activation: 'relu' },
    hyperParameters,
    training,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs as WeightSpec[] }],
  };
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, WEIGHTS_FILE), new Uint8Array(data));
    writeFileSync(join(dir, MODEL_FILE), `${JSON.stringify(model, null, 2)}\n`);
  } catch (e) {
    throw new UserError(`cannot save the DQN model to ${dir}: ${errCode(e)}`);
  }
}

/** Reads and checks a model directory written by `saveModel`. */
export function loadModel(dir: string): LoadedModel {
  const jsonPath = join(dir, MODEL_FILE);
  let m: ModelJson;
  try {
    m = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
  } catch (e) {
    if (e instanceof SyntaxError)
      throw new UserError(`${jsonPath} is not valid JSON: ${e.message}`);
    throw new UserError(`cannot read the DQN model ${jsonPath}: ${errCode(e)}`);
  }
  if (m?.format !== MODEL_FORMAT) {
    throw new ConfigError(
      `${jsonPath} is not a qossip DQN model (format '${String(m?.format)}', expected '${MODEL_FORMAT}')`,
    );
  }
  if (m.featureSchema !== FEATURE_SCHEMA) {
    throw new ConfigError(
      `the DQN model in ${dir} was trained on features '${m.featureSchema}', but this version computes '${FEATURE_SCHEMA}'; retrain it with npm run train`,
    );
  }
  const shape: NetworkShape = {
    inputs: m.network?.inputs,
    hidden: m.network?.hidden,
    heads: m.network?.heads,
  };
  const specs = m.weightsManifest?.[0]?.weights;
  const okShape =
    shape.inputs === FEATURE_COUNT &&
    shape.heads === HEADS.length &&
    Array.isArray(shape.hidden) &&
    shape.hidden.every((h) => Number.isInteger(h) && h > 0) &&
    Array.isArray(specs) &&
    sameLayout(specs, weightNames(shape), weightShapes(shape)) &&
    m.normalisation?.mean?.length === FEATURE_COUNT &&
    m.normalisation?.std?.length === FEATURE_COUNT &&
    m.normalisation.std.every((s) => s > 0) &&
    m.hyperParameters?.rewardScale > 0;
  if (!okShape) throw new ConfigError(`${jsonPath} describes a network this version cannot build`);
  let bytes: Buffer;
  const weightsPath = join(dir, m.weightsManifest[0]!.paths[0] ?? WEIGHTS_FILE);
  try {
    bytes = readFileSync(weightsPath);
  } catch (e) {
    throw new UserError(`cannot read the DQN weights ${weightsPath}: ${errCode(e)}`);
  }
  const sizes = weightShapes(shape).map((s) => s.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (bytes.byteLength !== total * 4) {
    throw new ConfigError(
      `${weightsPath} holds ${bytes.byteLength} bytes, but ${jsonPath} needs ${total * 4}`,
    );
  }
  const all = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
  const weights: Float32Array[] = [];
  let at = 0;
  for (const n of sizes) {
    weights.push(all.slice(at, at + n));
    at += n;
  }
  return {
    dir,
    shape,
    normalisation: m.normalisation,
    weights,
    rewardScale: m.hyperParameters.rewardScale,
    hyperParameters: m.hyperParameters,
    training: m.training ?? {},
  };
}

/** The manifest lists exactly the weights `weightShapes` expects, by name, order and shape. */
function sameLayout(specs: WeightSpec[], names: string[], shapes: number[][]): boolean {
  return (
    specs.length === shapes.length &&
    specs.every(
      (s, i) =>
        s.name === names[i] &&
        s.dtype === 'float32' &&
        JSON.stringify(s.shape) === JSON.stringify(shapes[i]),
    )
  );
}

function errCode(e: unknown): string {
  return errnoWords(e);
}

/** A network with the loaded weights (trainable, so a loaded model can be trained further). */
export function networkFromModel(tf: Tf, m: LoadedModel): QNetwork {
  return new QNetwork(tf, m.shape, m.normalisation, m.weights, true);
}
