/**
 * The open policy registry (Gymnasium's `register`): a policy is one module that declares its
 * name, kind, the config sections of options it reads (zod schemas with their defaults) and its
 * factory; a registry is a list of such definitions. The run's config schema is assembled from
 * the sections of the registered policies (experiments/config.ts), so a new policy's options
 * need no edit anywhere else. The registry itself imports no policy: the experiments layer
 * composes it (experiments/policies.ts), which keeps the DQN (and TensorFlow.js) out of src/.
 */
import type { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { CentralisedController, DatacenterView } from './centralised/controller.ts';
import type { NodePolicy, PolicyContext } from './policy.ts';

/**
 * A config section of options: its key in the run's config and its zod schema. Every field of
 * the schema has a default, so `schema.parse({})` is the section's defaults. Sections are shared
 * by identity: two policies reading `qlearning` name the same section object.
 */
export interface OptionsSection<K extends string = string, S extends z.ZodType = z.ZodType> {
  readonly key: K;
  readonly schema: S;
}

export function optionsSection<K extends string, S extends z.ZodType>(
  key: K,
  schema: S,
): OptionsSection<K, S> {
  return { key, schema };
}

/** The options object a policy receives: one entry per section it declared, typed by its schema. */
export type SectionOptions<Ss extends readonly OptionsSection[]> = {
  readonly [S in Ss[number] as S['key']]: z.output<S['schema']>;
};

/**
 * `gossip`: per-node agents deciding from their own state and messages; `centralised`: a
 * controller that reads the whole datacenter once a step while the nodes only host VMs;
 * `reference`: a centralised controller that is not deployable (e.g. a free offline repack),
 * flagged as such in comparisons.
 */
export type PolicyKind = 'gossip' | 'centralised' | 'reference';

/** What a policy may know about the run as a whole when it prepares (never per-node state). */
export interface PolicyRunContext<O = PolicyOptions> {
  readonly pms: number;
  /** A random stream for run-wide preparation (e.g. initial weights of a shared network). */
  readonly rng: Rng;
  readonly options: O;
}

/** The zod shape of the sections of a list of policies: section key → schema. */
export type SectionsShape<Ps extends readonly PolicyDefinition[]> = {
  [S in Ps[number]['sections'][number] as S['key']]: S['schema'];
};

/** Every section's options of a run, by section key (the run's resolved config provides them). */
export type PolicyOptions = Readonly<Record<string, unknown>>;

export interface PolicyDefinition<
  Ss extends readonly OptionsSection[] = readonly OptionsSection[],
> {
  readonly name: string;
  /** One line for help texts and comparisons. */
  readonly description: string;
  readonly kind: PolicyKind;
  /** Config sections this policy reads; their schemas become part of the run's config. */
  readonly sections: Ss;
  /**
   * Optional run-wide preparation, awaited once before the nodes are made (e.g. load a backend,
   * build a network shared by all nodes). Its result is handed to every `create` call.
   */
  prepare?(run: PolicyRunContext): Promise<unknown>;
  /** Makes the policy instance of one node (centralised policies: a passive one). */
  create(ctx: PolicyContext, options: PolicyOptions, prepared: unknown): NodePolicy;
  /** Facts about the run to record in config.json (e.g. which backend ran), from `prepared`. */
  describe?(prepared: unknown): Record<string, unknown>;
  /**
   * `centralised` and `reference` policies: the controller that decides each step, with a
   * random stream of its own (e.g. for random VM selection).
   */
  controller?(view: DatacenterView, options: PolicyOptions, rng: Rng): CentralisedController;
}

/** What a policy module writes; `definePolicy` checks it and erases the option types. */
export interface PolicySpec<Ss extends readonly OptionsSection[], P> {
  readonly name: string;
  readonly description: string;
  readonly kind: PolicyKind;
  readonly sections: Ss;
  prepare?(run: PolicyRunContext<SectionOptions<Ss>>): Promise<P>;
  create(ctx: PolicyContext, options: SectionOptions<Ss>, prepared: P): NodePolicy;
  describe?(prepared: P): Record<string, unknown>;
  controller?(
    view: DatacenterView,
    options: SectionOptions<Ss> & PolicyOptions,
    rng: Rng,
  ): CentralisedController;
}

/** Declares a policy; the options it receives are typed by the sections it names. */
export function definePolicy<const Ss extends readonly OptionsSection[], P = undefined>(
  spec: PolicySpec<Ss, P>,
): PolicyDefinition<Ss> {
  if (spec.kind !== 'gossip' && spec.controller === undefined) {
    throw new Error(`policy ${spec.name} is ${spec.kind} but has no controller`);
  }
  // The registry hands every policy the whole options record; each reads its own sections.
  return spec as unknown as PolicyDefinition<Ss>;
}

export class PolicyRegistry {
  private readonly defs = new Map<string, PolicyDefinition>();
  private readonly sectionsByKey = new Map<string, OptionsSection>();

  constructor(definitions: readonly PolicyDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  /** Adds a policy. Names are unique; a section key always names the same section. */
  register(def: PolicyDefinition): this {
    if (this.defs.has(def.name)) throw new Error(`policy ${def.name} is registered twice`);
    for (const s of def.sections) {
      const known = this.sectionsByKey.get(s.key);
      if (known !== undefined && known !== s)
        throw new Error(`policy ${def.name} declares a second options section '${s.key}'`);
      this.sectionsByKey.set(s.key, s);
    }
    this.defs.set(def.name, def);
    return this;
  }

  /** The policy named `name`; an unknown name is the user's error, listing the known ones. */
  get(name: string): PolicyDefinition {
    const d = this.defs.get(name);
    if (!d)
      throw new ConfigError(`unknown policy '${name}'; available: ${this.names().join(', ')}`);
    return d;
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  /** Names in registration order. */
  names(): string[] {
    return [...this.defs.keys()];
  }

  /** Every options section of the registered policies, in order of first registration. */
  sections(): OptionsSection[] {
    return [...this.sectionsByKey.values()];
  }

  /** The sections' schemas by key, in order: the policy part of the run's config schema. */
  shape(): Record<string, z.ZodType> {
    return Object.fromEntries(this.sections().map((s) => [s.key, s.schema]));
  }

  /**
   * The options of policy `name`'s sections in `options`, validated against their schemas (e.g.
   * a run spec that came from another process); an invalid one is the sender's config error.
   */
  parseOptions(name: string, options: PolicyOptions): PolicyOptions {
    const out: Record<string, unknown> = { ...options };
    for (const s of this.get(name).sections) {
      const r = s.schema.safeParse(options[s.key]);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        const key = [s.key, ...issue.path].join('.');
        throw new ConfigError(`invalid ${key} for policy ${name}: ${issue.message}`);
      }
      out[s.key] = r.data;
    }
    return out;
  }

  /** The options of every section, picked by key from a resolved config. */
  optionsOf(config: Readonly<Record<string, unknown>>): PolicyOptions {
    return Object.fromEntries(this.sections().map((s) => [s.key, config[s.key]]));
  }
}
