/**
 * Experiment configuration: one schema (zod) with defaults from a function (memberlist's
 * DefaultLANConfig), merged as defaults ← config file ← command-line flags. Every run writes the
 * resolved config beside its results, so a run can be repeated from its config.json alone.
 */
import { z } from 'zod';
import { ConfigError } from '../src/core/errors.ts';
import { DEFAULT_REWARDS, validateRewards } from '../src/policy/rewards.ts';
import { DEFAULT_PROTOCOL_OPTIONS } from '../protocols/consolidation.ts';
import { PLACEMENTS } from '../src/model/placement.ts';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const unit = z.number().min(0).max(1);

export const ConfigSchema = z
  .object({
    /** Seed of every random stream in the run (32-bit unsigned). */
    seed: int(0, 2 ** 32 - 1),
    pms: int(1, 1_000_000),
    /** VMs; null means "scale with PMs" (vmsPerPm × pms, or every trace file). */
    vms: int(1, 10_000_000).nullable(),
    /** VMs per PM when `vms` is null (PlanetLab 20110303: 1052 VMs on 800 PMs ≈ 1.3). */
    vmsPerPm: z.number().positive().max(100),
    steps: int(1, 1_000_000),
    roundsPerStep: int(1, 10_000),
    /** `synthetic:<steady|diurnal|spikes|high>` or `planetlab:<dir>`. */
    workload: z.string().min(1),
    policy: z.string().min(1),
    placement: z.enum(PLACEMENTS),
    /** `uniform`: over all peers believed awake; `cyclon`: Cyclon partial views. */
    peerSampling: z.enum(['uniform', 'cyclon']),
    cyclon: z
      .object({
        /** Entries in each node's partial view. */
        viewSize: int(1, 10_000),
        /** Entries exchanged per shuffle; at most viewSize. */
        shuffleLength: int(1, 10_000),
      })
      .strict(),
    transport: z.enum(['memory']),
    datacenter: z
      .object({
        /** Power of a sleeping PM, in watts. */
        sleepPowerW: z.number().min(0).max(1000),
        /** Fraction of a migrating VM's CPU lost while it migrates. */
        migrationCpuOverhead: unit,
      })
      .strict(),
    qlearning: z
      .object({
        alpha: z.number().gt(0).max(1),
        gamma: z.number().min(0).lt(1),
        epsilon: unit,
        epsilonIn: unit,
        learning: z.boolean(),
        rewards: z.object({ out: z.array(z.number()), in: z.array(z.number()) }).strict(),
      })
      .strict(),
    protocol: z
      .object({
        retryAfterRounds: int(1, 1000),
        maxOfferRetries: int(0, 1000),
        reservationTtlRounds: int(1, 100_000),
        recordTtlRounds: int(1, 10_000_000),
        wakeAfterStuckRounds: int(1, 100_000),
        maxMigrationsPerExchange: int(0, 1_000_000),
      })
      .strict(),
    output: z
      .object({
        /** Save the learnt tables of this many of the most active nodes (0: none). */
        qtableNodes: int(0, 1_000_000),
      })
      .strict(),
    /** Run directory; null means runs/<date>-<policy>-<pms>pm-s<seed>. */
    out: z.string().min(1).nullable(),
  })
  .strict();

export type ExperimentConfig = z.infer<typeof ConfigSchema>;

export function defaultConfig(): ExperimentConfig {
  return {
    seed: 1,
    pms: 100,
    vms: null,
    vmsPerPm: 1.3,
    steps: 288,
    roundsPerStep: 1,
    workload: 'synthetic:diurnal',
    policy: 'qlearning',
    placement: 'random',
    peerSampling: 'uniform',
    cyclon: { viewSize: 20, shuffleLength: 8 },
    transport: 'memory',
    datacenter: { sleepPowerW: 0, migrationCpuOverhead: 0.1 },
    qlearning: {
      alpha: 0.5,
      gamma: 0.5,
      epsilon: 0.05,
      epsilonIn: 0,
      learning: true,
      rewards: { out: [...DEFAULT_REWARDS.out], in: [...DEFAULT_REWARDS.in] },
    },
    protocol: { ...DEFAULT_PROTOCOL_OPTIONS },
    output: { qtableNodes: 16 },
    out: null,
  };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type ConfigOverrides = DeepPartial<ExperimentConfig>;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Deep merge of plain objects; arrays and scalars in `over` replace those in `base`. */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) if (v !== undefined) out[k] = mergeConfig(base[k], v);
  return out;
}

/** Names of config keys settable by a flag, for error messages. */
const FLAG_OF: Record<string, string> = {
  pms: '--pms',
  vms: '--vms',
  steps: '--steps',
  roundsPerStep: '--rounds-per-step',
  seed: '--seed',
  workload: '--workload',
  policy: '--policy',
  placement: '--placement',
  peerSampling: '--peer-sampling',
  out: '--out',
  'output.qtableNodes': '--save-qtables',
};

/**
 * Validates a merged config; the first problem becomes a one-sentence ConfigError naming the
 * key (and its flag), e.g. "invalid pms (--pms): too small: expected number to be >=1".
 */
export function resolveConfig(...layers: unknown[]): ExperimentConfig {
  const merged = layers.reduce((acc, l) => mergeConfig(acc, l), defaultConfig() as unknown);
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join('.');
    const flag = FLAG_OF[key];
    const where = key === '' ? 'config' : flag ? `${key} (${flag})` : key;
    const msg = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
    throw new ConfigError(`invalid ${where}: ${msg}`);
  }
  if (parsed.data.cyclon.shuffleLength > parsed.data.cyclon.viewSize) {
    throw new ConfigError('invalid cyclon.shuffleLength: must not exceed cyclon.viewSize');
  }
  try {
    validateRewards(parsed.data.qlearning.rewards);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`invalid qlearning.${e.message}`);
    throw e;
  }
  return parsed.data;
}
