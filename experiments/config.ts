/**
 * Experiment configuration: one schema (zod) with defaults from a function (memberlist's
 * DefaultLANConfig), merged as defaults ← config file ← command-line flags. Every run writes the
 * resolved config beside its results, so a run can be repeated from its config.json alone.
 */
import { z } from 'zod';
import { ConfigError } from '../src/core/errors.ts';
import { DEFAULT_REWARDS, validateRewards } from '../src/policy/rewards.ts';
import { DEFAULT_PROTOCOL_OPTIONS } from '../protocols/consolidation.ts';
import { ALL_PLACEMENTS, PROFILES } from '../src/model/profile.ts';
import { DEFAULT_BASELINE_OPTIONS } from '../src/policy/registry-baselines.ts';
import { DEFAULT_GLAP_OPTIONS } from '../src/policy/policy-glap.ts';
import {
  DQN_BACKENDS,
  DQN_LOSSES,
  DQN_MODES,
  defaultDqnOptions,
} from '../src/policy/dqn/dqn-options.ts';

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
    /** Datacenter model: `default` (RAM binds, idle hosts draw idle power) or `cloudsim` (its quirks). */
    profile: z.enum(PROFILES),
    policy: z.string().min(1),
    /** Initial placement; `cloudsim` is CloudSim's power-aware best fit at full requested MIPS. */
    placement: z.enum(ALL_PLACEMENTS),
    /** `uniform`: over all peers believed awake; `cyclon`: Cyclon partial views. */
    peerSampling: z.enum(['uniform', 'cyclon']),
    cyclon: z
      .object({
        /** Entries in each node's partial view. */
        viewSize: int(1, 10_000),
        /** Entries exchanged per shuffle; at most viewSize. */
        shuffleLength: int(1, 10_000),
        /** Rounds between a node's shuffles. */
        shuffleEveryRounds: int(1, 1_000_000),
      })
      .strict(),
    /** `memory`: in-process network; `kafka`: every message through Apache Kafka, one topic per node. */
    transport: z.enum(['memory', 'kafka']),
    kafka: z
      .object({
        /** Bootstrap brokers, host:port. */
        brokers: z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'expected host:port')).min(1),
        /** Run id (topics qossip.<run>.*); null: a fresh id per run. Node hosts join with it. */
        run: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected letters, digits, . _ -')
          .nullable(),
        /** Node ranges (e.g. "50-99") hosted by separate `npm run node-host` processes. */
        remoteNodes: z.array(z.string().regex(/^\d+(-\d+)?$/, 'expected a node range like 50-99')),
        /** Longest wait for a barrier, ms. */
        barrierTimeoutMs: int(100, 3_600_000),
        /** Longest wait for node hosts to register, ms. */
        joinTimeoutMs: int(100, 3_600_000),
        /** Keep the run's topics afterwards. */
        keepTopics: z.boolean(),
      })
      .strict(),
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
        /** φin's reward: at commit, or from the state the next step's demand brings. */
        inRewardAt: z.enum(['commit', 'next-step']),
        /** πout keeps every VM when φout is negative for all of them (unless overloaded). */
        holdWhenNegative: z.boolean(),
      })
      .strict(),
    /** The DQN policy (src/policy/dqn/dqn-options.ts documents each key); rewards: qlearning.rewards. */
    dqn: z
      .object({
        mode: z.enum(DQN_MODES),
        backend: z.enum(DQN_BACKENDS),
        hiddenUnits: z.array(int(1, 4096)).min(1).max(8),
        learningRate: z.number().gt(0).max(1),
        gamma: z.number().min(0).lt(1),
        loss: z.enum(DQN_LOSSES),
        rewardScale: z.number().gt(0).max(100),
        initialQ: z.number().min(-1000).max(1000),
        batchSize: int(1, 4096),
        replayCapacity: int(1, 10_000_000),
        minReplay: int(1, 10_000_000),
        trainEvery: int(1, 1_000_000),
        targetSyncEvery: int(1, 1_000_000),
        epsilonStart: unit,
        epsilonEnd: unit,
        epsilonDecayDecisions: int(0),
        epsilonInStart: unit,
        maxNetworks: int(1, 1_000_000),
        learning: z.boolean().nullable(),
        modelDir: z.string().min(1).nullable(),
      })
      .strict(),
    /** GLAP learning mode (policy `glap`): local training on a neighbour's VMs + Q-table averaging. */
    glap: z
      .object({
        /** Rounds between a PM's training-and-averaging exchanges (staggered by node id). */
        periodRounds: int(1, 1_000_000),
        /** A PM starts an exchange only while its CPU load is below this fraction (thesis: ~0.8). */
        trainBelowLoad: unit,
        /** Simulated consolidation episodes per exchange. */
        episodes: int(0, 10_000),
        /** Exploration of πout and πin during local training. */
        trainEpsilon: unit,
        trainEpsilonIn: unit,
        /** Tables local training updates: both, or φout only. */
        trainTables: z.enum(['both', 'out']),
      })
      .strict(),
    /** Centralised baselines: THR-MMT, LR-MMT (Beloglazov & Buyya 2012) and the FFD reference. */
    baselines: z
      .object({
        /** THR: CPU utilisation above which a host is over-utilised. */
        thrUtilization: unit,
        /** LR: safety parameter multiplying the predicted utilisation. */
        lrSafety: z.number().positive().max(100),
        /** LR: static threshold while a host has fewer than 10 samples. */
        lrFallbackUtilization: unit,
        /** IQR: safety parameter s of the threshold 1 − s × IQR (absent: CloudSim's 1.5). */
        iqrSafety: z.number().min(0).max(100).optional(),
        /** MAD: safety parameter s of the threshold 1 − s × MAD (absent: CloudSim's 2.5). */
        madSafety: z.number().min(0).max(100).optional(),
        /** FFD: fill a host while its CPU stays strictly below this fraction of capacity. */
        ffdMaxCpu: z.number().gt(0).max(1),
      })
      .strict(),
    /**
     * CloudSim 3.0.3 compatibility, one key per CloudSim behaviour (src/model/cloudsim-interval.ts,
     * src/policy/centralised/controller-cloudsim.ts document each); `--profile cloudsim` sets them
     * all. Present: each step runs CloudSim's datacenter timeline. Absent: none of it.
     */
    cloudsim: z
      .object({
        sampleOffsetSeconds: z.number().min(0).lt(300),
        vmEndsAtZeroDemand: z.boolean(),
        migrationInFlight: z.boolean(),
        vmCappedAtOneCore: z.boolean(),
        firstStepUnmetered: z.boolean(),
        lastStepCutAtLastMigration: z.boolean(),
        powerIncreaseFromMeasured: z.boolean(),
        emptyHostCountsIdlePower: z.boolean(),
        receiversMayBeEmptied: z.boolean(),
        overloadCheckSkippedWhenIdle: z.boolean(),
      })
      .strict()
      .optional(),
    protocol: z
      .object({
        retryAfterRounds: int(1, 1000),
        maxOfferRetries: int(0, 1000),
        reservationTtlRounds: int(1, 100_000),
        recordTtlRounds: int(1, 10_000_000),
        wakeAfterStuckRounds: int(1, 100_000),
        maxMigrationsPerExchange: int(0, 1_000_000),
        /** Rounds between exchanges started by a PM that is not overloaded. */
        probeEveryRounds: int(1, 1_000_000),
        /** CPU fraction at or above which a PM acts as overloaded (sheds, always sends). */
        shedAboveCpu: z.number().gt(0).max(1),
        /** Who sends between two PMs not overloaded: less utilised, or less work (MIPS). */
        senderBy: z.enum(['utilisation', 'work']),
        /** Accept a shed VM from an overloaded PM while CPU stays below this (0: off). */
        rescueBelowCpu: unit,
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
    // Tuned (experiments/compare/sweeps/, README "Tuned defaults"): 8 rounds per step let an
    // overloaded PM try up to 8 peers before the step is measured; consolidation probes stay
    // rare (protocol.probeEveryRounds).
    roundsPerStep: 8,
    workload: 'synthetic:diurnal',
    profile: 'default',
    policy: 'qlearning',
    placement: 'random',
    // Tuned: Cyclon views forget sleepers; the uniform sampler wastes most probes on them.
    peerSampling: 'cyclon',
    // Every round, Cyclon's own rhythm: fresh views find awake peers (once a step costs ~13 kWh
    // on PlanetLab 20110303, experiments/compare/sweeps/s16, s17).
    cyclon: { viewSize: 20, shuffleLength: 8, shuffleEveryRounds: 1 },
    transport: 'memory',
    kafka: {
      brokers: ['127.0.0.1:9092'],
      run: null,
      remoteNodes: [],
      barrierTimeoutMs: 30_000,
      joinTimeoutMs: 60_000,
      keepTopics: false,
    },
    datacenter: { sleepPowerW: 0, migrationCpuOverhead: 0.1 },
    // Tuned: φin learns from the next step's state, with an Overload penalty (−160) that makes a
    // ~5 % risk of overloading not worth a VM; φout holds VMs unless sending leaves the PM Low or
    // Medium; α = 0.1 averages the noisy next-step outcomes. The thesis's shapes still hold.
    qlearning: {
      alpha: 0.1,
      gamma: 0.5,
      epsilon: 0.05,
      epsilonIn: 0,
      learning: true,
      rewards: { out: [...DEFAULT_REWARDS.out], in: [...DEFAULT_REWARDS.in] },
      inRewardAt: 'next-step',
      holdWhenNegative: true,
    },
    dqn: defaultDqnOptions(),
    // Tuned: average every 8 rounds (once a step); local training updates φout only.
    glap: { ...DEFAULT_GLAP_OPTIONS, periodRounds: 8, trainTables: 'out' },
    baselines: { ...DEFAULT_BASELINE_OPTIONS },
    // Tuned: consolidation probes every 2 steps; the bigger host receives (senderBy: work); an
    // overloaded PM's VM is taken by any peer that stays under 80 % CPU; a sleeper is woken
    // only after 16 rounds (2 steps) stuck.
    protocol: {
      ...DEFAULT_PROTOCOL_OPTIONS,
      probeEveryRounds: 16,
      wakeAfterStuckRounds: 16,
      senderBy: 'work',
      rescueBelowCpu: 0.8,
    },
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
  profile: '--profile',
  peerSampling: '--peer-sampling',
  transport: '--transport',
  'kafka.brokers': '--brokers',
  'kafka.run': '--run',
  'kafka.remoteNodes': '--remote-nodes',
  out: '--out',
  'output.qtableNodes': '--save-qtables',
  'dqn.modelDir': '--model',
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
