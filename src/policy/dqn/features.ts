/**
 * The DQN's input: continuous features of one (PM, VM) decision, instead of the Q-tables' 81 × 81
 * levels. One row per candidate: the PM's CPU and RAM utilisation (reservations included), the VM's
 * demand as fractions of this PM's capacity, the utilisations after the move (minus the VM for the
 * sender, plus it for the recipient) and whether the move leaves CPU or RAM at or above capacity.
 * The last two are the one threshold of the level scale that carries the reward's cliff (Overload,
 * −40 for the recipient); the Q-tables get every level boundary for free, the network gets that one.
 * A saved model records FEATURE_SCHEMA; a model made for other features is refused on load.
 */

/** Which of the two decisions (and output heads) a row is for. */
export const enum Role {
  /** πout: the sender choosing which VM to send. */
  Out = 0,
  /** πin: the recipient accepting or rejecting an offered VM. */
  In = 1,
}

export const HEADS = ['out', 'in'] as const;

export const FEATURE_NAMES = [
  'cpuUtil',
  'ramUtil',
  'vmCpuFrac',
  'vmRamFrac',
  'postCpuUtil',
  'postRamUtil',
  'postCpuOverload',
  'postRamOverload',
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Identifies the feature computation; bump the version whenever `writeFeatures` changes. */
export const FEATURE_SCHEMA = `qossip-dqn-features/1(${FEATURE_NAMES.join(',')};heads=${HEADS.join(',')})`;

/** Utilisations are clipped here, so an extreme oversubscription cannot blow up the inputs. */
const UTIL_CLIP = 2;

/**
 * Input normalisation, x ↦ (x − mean) / std, saved with every model. Fixed rather than running
 * statistics, so the inputs of a decision never depend on what other PMs saw before it.
 */
export interface Normalisation {
  mean: number[];
  std: number[];
}

export function defaultNormalisation(): Normalisation {
  return {
    mean: [0.5, 0.5, 0.2, 0.25, 0.5, 0.5, 0, 0],
    std: [0.3, 0.3, 0.15, 0.15, 0.3, 0.3, 1, 1],
  };
}

const clip = (u: number) => (u > UTIL_CLIP ? UTIL_CLIP : u > 0 ? u : 0);

/**
 * Writes the FEATURE_COUNT raw (unnormalised) features of one decision at `out[offset..]`.
 * Utilisations and fractions are of this PM's capacity (0..1, CPU above 1 when oversubscribed).
 */
export function writeFeatures(
  out: Float32Array,
  offset: number,
  role: Role,
  cpuUtil: number,
  ramUtil: number,
  vmCpuFrac: number,
  vmRamFrac: number,
): void {
  const postCpu = role === Role.Out ? cpuUtil - vmCpuFrac : cpuUtil + vmCpuFrac;
  const postRam = role === Role.Out ? ramUtil - vmRamFrac : ramUtil + vmRamFrac;
  out[offset] = clip(cpuUtil);
  out[offset + 1] = clip(ramUtil);
  out[offset + 2] = clip(vmCpuFrac);
  out[offset + 3] = clip(vmRamFrac);
  out[offset + 4] = clip(postCpu);
  out[offset + 5] = clip(postRam);
  out[offset + 6] = postCpu >= 1 ? 1 : 0;
  out[offset + 7] = postRam >= 1 ? 1 : 0;
}

/**
 * The offers a recipient bootstraps over: V(s′) = max(0, max_a′ Q_in(s′, a′)) over these VM demands
 * (fractions of capacity) that still fit its RAM; 0 is the value of rejecting. A grid rather than
 * the 81 level pairs: it spans the VM sizes seen in practice at a seventh of the cost.
 */
export const IN_BOOTSTRAP_OFFERS: readonly (readonly [number, number])[] = [
  0.05, 0.15, 0.3, 0.5,
].flatMap((c) => [0.1, 0.2, 0.4].map((r) => [c, r] as const));
