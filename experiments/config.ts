/**
 * Experiment configuration: one schema (zod) with defaults from a function (memberlist's
 * DefaultLANConfig), merged as defaults ← config file ← command-line flags. Every run writes the
 * resolved config beside its results, so a run can be repeated from its config.json alone.
 */
import { z } from 'zod';
import { ConfigError } from '../src/core/errors.ts';
import { validateRewards } from '../src/policy/rewards.ts';
import type { PolicyRegistry, SectionsShape } from '../src/policy/registry.ts';
import { ConsolidationOptionsSchema } from '../protocols/consolidation-options.ts';
import { CyclonOptionsSchema } from '../protocols/peer-sampling-cyclon.ts';
import { ALL_PLACEMENTS, PROFILES } from '../src/model/profile.ts';
import { LifecycleSchema } from '../src/model/events.ts';
import { POLICIES, type POLICY_LIST } from './policies.ts';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const unit = z.number().min(0).max(1);

/** The run's own keys, before the policies' option sections (config.json keeps this order). */
const RUN_SHAPE = {
  /** Seed of every random stream in the run (32-bit unsigned). */
  seed: int(0, 2 ** 32 - 1).default(1),
  pms: int(1, 1_000_000).default(100),
  /** VMs; null means "scale with PMs" (vmsPerPm × pms, or every trace file). */
  vms: int(1, 10_000_000).nullable().default(null),
  /** VMs per PM when `vms` is null (PlanetLab 20110303: 1052 VMs on 800 PMs ≈ 1.3). */
  vmsPerPm: z.number().positive().max(100).default(1.3),
  steps: int(1, 1_000_000).default(288),
  /**
   * Tuned (experiments/compare/sweeps/, README "Tuned defaults"): 8 rounds per step let an
   * overloaded PM try up to 8 peers before the step is measured; consolidation probes stay rare
   * (protocol.probeEveryRounds).
   */
  roundsPerStep: int(1, 10_000).default(8),
  /** `synthetic:<steady|diurnal|spikes|high>`, `planetlab:<dir>` or `bitbrains:<dir>`. */
  workload: z.string().min(1).default('synthetic:diurnal'),
  /** Datacenter model: `default` (RAM binds, idle hosts draw idle power) or `cloudsim` (its quirks). */
  profile: z.enum(PROFILES).default('default'),
  policy: z.string().min(1).default('qlearning'),
  /** Initial placement; `cloudsim` is CloudSim's power-aware best fit at full requested MIPS. */
  placement: z.enum(ALL_PLACEMENTS).default('random'),
  /**
   * `uniform`: over all peers believed awake; `cyclon`: Cyclon partial views. Tuned: Cyclon views
   * forget sleepers; the uniform sampler wastes most probes on them.
   */
  peerSampling: z.enum(['uniform', 'cyclon']).default('cyclon'),
  cyclon: CyclonOptionsSchema.prefault({}),
  /** `memory`: in-process network; `kafka`: every message through Apache Kafka, one topic per node. */
  transport: z.enum(['memory', 'kafka']).default('memory'),
  kafka: z
    .object({
      /** Bootstrap brokers, host:port. */
      brokers: z
        .array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'expected host:port'))
        .min(1)
        .default(() => ['127.0.0.1:9092']),
      /** Run id (topics qossip.<run>.*); null: a fresh id per run. Node hosts join with it. */
      run: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected letters, digits, . _ -')
        .nullable()
        .default(null),
      /** Node ranges (e.g. "50-99") hosted by separate `npm run node-host` processes. */
      remoteNodes: z
        .array(z.string().regex(/^\d+(-\d+)?$/, 'expected a node range like 50-99'))
        .default(() => []),
      /** Longest wait for a barrier, ms. */
      barrierTimeoutMs: int(100, 3_600_000).default(30_000),
      /** Longest wait for node hosts to register, ms. */
      joinTimeoutMs: int(100, 3_600_000).default(60_000),
      /** Keep the run's topics afterwards. */
      keepTopics: z.boolean().default(false),
      /**
       * A node host silent at a barrier past barrierTimeoutMs is declared lost: its PMs crash
       * and the run goes on without it (a run with events). Off: the run stops, naming it.
       */
      tolerateHostLoss: z.boolean().default(false),
      /** SASL login (the password stays in its file); absent: none. Optional, so configs without it are unchanged. */
      sasl: z
        .object({
          mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
          username: z.string().min(1),
          passwordFile: z.string().min(1),
        })
        .strict()
        .optional(),
      /**
       * File holding the run's secret (64 hex digits) that signs every record; absent: the
       * QOSSIP_RUN_SECRET environment variable, else a fresh secret (written to a file for node
       * hosts when there are remote nodes). Optional, so configs without it are unchanged.
       */
      secretFile: z.string().min(1).optional(),
      /**
       * Where node inboxes are: `node`, one topic per node, or `partitioned`, one topic per process
       * keyed by node id (src/transport/kafka/topic-layout.ts); absent: `node` up to 1,000 PMs.
       * Optional, so configs without it are unchanged.
       */
      topicLayout: z.enum(['node', 'partitioned']).optional(),
      /** TLS to the brokers, PEM files; no caFile: the system's CAs. Absent: plaintext. */
      tls: z
        .object({
          caFile: z.string().min(1).optional(),
          certFile: z.string().min(1).optional(),
          keyFile: z.string().min(1).optional(),
          /** Check the brokers' certificates (default true). */
          rejectUnauthorized: z.boolean().optional(),
        })
        .strict()
        .optional(),
    })
    .strict()
    .prefault({}),
  datacenter: z
    .object({
      /** Power of a sleeping PM, in watts. */
      sleepPowerW: z.number().min(0).max(1000).default(0),
      /** Fraction of a migrating VM's CPU lost while it migrates. */
      migrationCpuOverhead: unit.default(0.1),
      /**
       * Power-state transitions (src/model/datacenter.ts, protocols/consolidation.ts): a woken PM
       * comes up after wakeSeconds (it hosts VMs only then) drawing peak power meanwhile; going
       * to sleep draws idle power for sleepSeconds. Absent: instant and free. Optional, so
       * configs without it are unchanged. Defaults: Linux's suspend-to-RAM resume, "about 3–5
       * seconds" (Documentation/power/states.txt), its upper end, for both (README).
       */
      transitions: z
        .object({
          wakeSeconds: z.number().min(0).max(3600).default(5),
          sleepSeconds: z.number().min(0).max(3600).default(5),
        })
        .strict()
        .optional(),
    })
    .strict()
    .prefault({}),
};

/** The keys after the policies' sections. */
const TAIL_SHAPE = {
  /**
   * CloudSim 3.0.3 compatibility, one key per CloudSim behaviour (src/model/cloudsim-physics.ts,
   * src/policy/centralised/controller-cloudsim.ts document each); `--profile cloudsim` sets them
   * all. Present: each step runs CloudSim's datacenter timeline. Absent: none of it. A run-level
   * section, not a policy's: it changes the datacenter under every policy.
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
  /**
   * Events from outside the protocol (`--events file.json`; src/model/events.ts): PM crashes and
   * returns, controller outages, and how down VMs are restarted. Absent: none (and the result
   * files have no lifecycle columns).
   */
  lifecycle: LifecycleSchema.optional(),
  /** The consolidation exchange (protocols/consolidation-options.ts documents each key). */
  // wakeRounds follows from datacenter.transitions (world.ts), never set on its own.
  protocol: ConsolidationOptionsSchema.omit({ wakeRounds: true }).prefault({}),
  output: z
    .object({
      /** Save the learnt tables of this many of the most active nodes (0: none). */
      qtableNodes: int(0, 1_000_000).default(16),
    })
    .strict()
    .prefault({}),
  /** Run directory; null means runs/<date>-<policy>-<pms>pm-s<seed>. */
  out: z.string().min(1).nullable().default(null),
};

/**
 * The config schema of a registry: the run's keys, then one section per registered policy
 * option section (each declared with its defaults by its policy's module), then the protocol's.
 */
export function configSchema(registry: PolicyRegistry) {
  return z.object({ ...RUN_SHAPE, ...registry.shape(), ...TAIL_SHAPE }).strict();
}

/** The schema of the composed registry, typed section by section. */
export const ConfigSchema = configSchema(POLICIES) as unknown as z.ZodObject<
  typeof RUN_SHAPE & SectionsShape<typeof POLICY_LIST> & typeof TAIL_SHAPE,
  z.core.$strict
>;

export type ExperimentConfig = z.infer<typeof ConfigSchema>;

/** Every default, from the schema (each module declares its own). */
export function defaultConfig(): ExperimentConfig {
  return ConfigSchema.parse({});
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
  'kafka.secretFile': '--secret-file',
  'kafka.topicLayout': '--topic-layout',
  'kafka.sasl': '--kafka-sasl',
  'kafka.tls.caFile': '--kafka-ca',
  'kafka.tls.certFile': '--kafka-cert',
  'kafka.tls.keyFile': '--kafka-key',
  out: '--out',
  'output.qtableNodes': '--save-qtables',
  'dqn.modelDir': '--model',
  'qlearning.tables': '--qtables',
};

/**
 * Validates a merged config; the first problem becomes a one-sentence ConfigError naming the
 * key (and its flag), e.g. "invalid pms (--pms): too small: expected number to be >=1".
 */
export function resolveConfig(...layers: unknown[]): ExperimentConfig {
  return resolveAgainst(ConfigSchema, layers, null);
}

/**
 * `resolveConfig` for another registry (e.g. a test's extra policy): its sections' keys are
 * accepted and defaulted too; the result's extra sections are not in the static type.
 */
export function resolveConfigWith(
  registry: PolicyRegistry,
  ...layers: unknown[]
): ExperimentConfig {
  return resolveAgainst(configSchema(registry) as unknown as typeof ConfigSchema, layers, null);
}

/**
 * Checks the layer a config file gives (over the defaults) on its own, so that its errors name
 * the file and the key path, never a flag that was not passed.
 */
export function checkConfigFile(file: string, values: unknown): void {
  resolveAgainst(ConfigSchema, [values], file);
}

function resolveAgainst(
  schema: typeof ConfigSchema,
  layers: unknown[],
  file: string | null,
): ExperimentConfig {
  const merged = layers.reduce((acc, l) => mergeConfig(acc, l), schema.parse({}) as unknown);
  const parsed = schema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(configIssueMessage(parsed.error.issues, file));
  const inFile = file === null ? '' : `config file ${file}: `;
  if (parsed.data.cloudsim && parsed.data.datacenter.transitions) {
    throw new ConfigError(
      `${inFile}invalid datacenter.transitions: the cloudsim profile keeps CloudSim's instant, free power switching`,
    );
  }
  if (parsed.data.cyclon.shuffleLength > parsed.data.cyclon.viewSize) {
    throw new ConfigError(`${inFile}invalid cyclon.shuffleLength: must not exceed cyclon.viewSize`);
  }
  try {
    validateRewards(parsed.data.qlearning.rewards);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${inFile}invalid qlearning.${e.message}`);
    throw e;
  }
  return parsed.data;
}

/**
 * One sentence for the schema's first issue: the key path, and where the value came from: a
 * config file (`file`), else the flag that sets the key, e.g. "config file my.json: invalid
 * qlearning.alpha: too big: expected number to be <=1" or "invalid pms (--pms): …".
 */
export function configIssueMessage(
  issues: readonly z.core.$ZodIssue[],
  file: string | null,
): string {
  const issue = issues[0]!;
  const inFile = file === null ? '' : `config file ${file}: `;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => [...issue.path, k].join('.'));
    return `${inFile}unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')}`;
  }
  const key = issue.path.join('.');
  const flag = file === null ? FLAG_OF[key] : undefined;
  const where = key === '' ? 'config' : flag ? `${key} (${flag})` : key;
  // zod's "Invalid input: expected number, received string" after "invalid pms" says it twice.
  const text = issue.message.replace(/^Invalid input: /, '');
  return `${inFile}invalid ${where}: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}
