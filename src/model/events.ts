/**
 * A run's event schedule (`--events file.json`, or `events` in a config file): what happens to the
 * fleet from outside the consolidation protocol, step by step. PMs crash (a list of ids, a
 * fraction of the fleet drawn by the run's seed, or a rack of consecutive ids) or are drained for
 * maintenance (their VMs moved away first), and may return later, empty and powered off; a
 * centralised controller may be down for a while (its single
 * point of failure: no decisions). Events apply at the start of their step, before its demand
 * is read. The schedule is data: validated here, resolved against the fleet once per run.
 */
import { z } from 'zod';
import { Rng } from '../core/rng.ts';
import { ConfigError } from '../core/errors.ts';
import type { VmLifetimes } from '../workload/workload.ts';

/** A step no run reaches. */
const NEVER = 1_000_001;

const step = z.number().int().min(0).max(1_000_000);

/** Which PMs an event names. */
const PmSetSchema = z.union([
  z.object({ ids: z.array(z.number().int().min(0)).min(1) }).strict(),
  z.object({ fraction: z.number().gt(0).max(1) }).strict(),
  z
    .object({
      rack: z.object({ first: z.number().int().min(0), count: z.number().int().min(1) }).strict(),
    })
    .strict(),
]);

/**
 * An event that takes PMs out at the start of `step` (a crash: at once; a drain: once their VMs
 * are moved away), and brings them back at the start of `returnStep`, empty and asleep (absent:
 * never).
 */
const pmsOutSchema = <K extends 'crash' | 'drain'>(kind: K) =>
  z
    .object({ kind: z.literal(kind), step, pms: PmSetSchema, returnStep: step.optional() })
    .strict()
    .refine((e) => e.returnStep === undefined || e.returnStep > e.step, {
      message: 'returnStep must come after step',
      path: ['returnStep'],
    });

const CrashSchema = pmsOutSchema('crash');
const DrainSchema = pmsOutSchema('drain');

/** New capacity: PMs that are not in the fleet until `step` (they join empty and asleep). */
const PmJoinSchema = z.object({ kind: z.literal('pm-join'), step, pms: PmSetSchema }).strict();

/** Which VMs an event names: ids, or a fraction of all the run's VMs drawn by its seed. */
const VmSetSchema = z.union([
  z.object({ ids: z.array(z.number().int().min(0)).min(1) }).strict(),
  z.object({ fraction: z.number().gt(0).max(1) }).strict(),
]);

/**
 * VMs that start at `step` rather than at the run's start: they are in no PM until then, and are
 * placed by the scheduler (as a restart is) when they arrive.
 */
const VmArrivalsSchema = z
  .object({ kind: z.literal('vm-arrivals'), step, vms: VmSetSchema })
  .strict();

/** VMs that end at `step`: they leave their PMs for good. */
const VmDeparturesSchema = z
  .object({ kind: z.literal('vm-departures'), step, vms: VmSetSchema })
  .strict();

const ControllerOutageSchema = z
  .object({
    kind: z.literal('controller-outage'),
    step,
    /** The step at whose start the controller decides again. */
    untilStep: step,
  })
  .strict()
  .refine((e) => e.untilStep > e.step, {
    message: 'untilStep must come after step',
    path: ['untilStep'],
  });

/**
 * A node host lost over Kafka (`--tolerate-host-loss`), as one process replays it: its PMs hear
 * and say nothing from the run's barrier `barrier` on (counted as the Kafka transport counts
 * them: every phase and every flush; what they sent or did since the barrier before is lost
 * with them), and crash at the start of the step after the barrier's, for good.
 */
const HostLossSchema = z
  .object({
    kind: z.literal('host-loss'),
    barrier: z.number().int().min(1).max(1e12),
    pms: PmSetSchema,
  })
  .strict();

/**
 * Each VM lives from its trace's first non-empty sample to its last (Bitbrains traces): it
 * arrives at the first (when after the start), and ends after the last (when before the end).
 */
const VmLifetimesSchema = z.object({ kind: z.literal('vm-lifetimes') }).strict();

export const EventSchema = z.discriminatedUnion('kind', [
  HostLossSchema,
  VmLifetimesSchema,
  CrashSchema,
  DrainSchema,
  PmJoinSchema,
  VmArrivalsSchema,
  VmDeparturesSchema,
  ControllerOutageSchema,
]);

/** The `lifecycle` section of a config: the events, and how down VMs are restarted. */
export const LifecycleSchema = z
  .object({
    events: z.array(EventSchema).min(1),
    /**
     * A down VM is restarted on the first PM that fits it (RAM and CPU, reservations included)
     * among this many awake PMs drawn at random (a scheduler's sampled first fit); when none
     * fits, a sleeping PM is woken for it.
     */
    admissionSample: z.number().int().min(1).max(10_000).default(8),
    /** Steps a VM stays down before its restart is tried (the scheduler notices at its next pass). */
    restartDelaySteps: z.number().int().min(0).max(10_000).default(1),
  })
  .strict();

export type LifecycleConfig = z.infer<typeof LifecycleSchema>;

/** A lifecycle with no scheduled event and the default restart keys (events may still come). */
export function noScheduledEvents(): LifecycleConfig {
  return { events: [], ...LifecycleSchema.omit({ events: true }).parse({}) };
}

export type FleetEvent = z.infer<typeof EventSchema>;

/** The schedule resolved against a fleet: what happens at each step start. */
export interface Schedule {
  /** Per step with events: PMs that crash, PMs that return (ascending ids). */
  readonly crashes: ReadonlyMap<number, readonly number[]>;
  /** Per step with drains: PMs whose VMs are moved away before they leave. */
  readonly drains: ReadonlyMap<number, readonly number[]>;
  readonly returns: ReadonlyMap<number, readonly number[]>;
  /** Per step: PMs that join the fleet; they are absent (down) from the start until then. */
  readonly joins: ReadonlyMap<number, readonly number[]>;
  /** Per step: VMs that arrive (placed by the scheduler), VMs that end (ascending ids). */
  readonly arrivals: ReadonlyMap<number, readonly number[]>;
  readonly departures: ReadonlyMap<number, readonly number[]>;
  /** Steps at which a crash event starts (for the per-event metrics), in schedule order. */
  readonly crashSteps: readonly { step: number; pms: number; returnStep: number | null }[];
  /** Whether the centralised controller is down at a step. */
  controllerDown(step: number): boolean;
  /** Node hosts lost (`host-loss`): from which barrier their PMs are cut off. */
  readonly hostLosses: readonly { barrier: number; pms: readonly number[] }[];
}

/**
 * Resolves `events` for a fleet of `pms` PMs: names every PM (a fraction is drawn from the run's
 * seed, on its own stream, so the same seed crashes the same PMs whatever the policy).
 * Throws a one-sentence ConfigError naming the event (`events[i]`) for a PM that does not exist.
 */
export function resolveSchedule(
  events: readonly FleetEvent[],
  pms: number,
  seed: number,
  vms = 0,
  /** The workload's VM lifetimes, for a `vm-lifetimes` event (undefined: it has none). */
  lifetimes?: VmLifetimes,
): Schedule {
  const rng = new Rng(seed).fork('events');
  const crashes = new Map<number, number[]>();
  const drains = new Map<number, number[]>();
  const returns = new Map<number, number[]>();
  const arrivals = new Map<number, number[]>();
  const departures = new Map<number, number[]>();
  const joins = new Map<number, number[]>();
  const crashSteps: { step: number; pms: number; returnStep: number | null }[] = [];
  const outages: [number, number][] = [];
  const hostLosses: { barrier: number; pms: number[] }[] = [];
  const add = (m: Map<number, number[]>, at: number, ids: readonly number[]) => {
    const list = m.get(at) ?? [];
    m.set(
      at,
      [...new Set([...list, ...ids])].sort((a, b) => a - b),
    );
  };
  events.forEach((e, i) => {
    if (e.kind === 'controller-outage') {
      outages.push([e.step, e.untilStep]);
      return;
    }
    if (e.kind === 'vm-lifetimes') {
      if (!lifetimes)
        throw new ConfigError(
          `invalid events[${i}]: the workload says nothing of when its VMs run (a vm-lifetimes event needs a bitbrains:<dir> trace)`,
        );
      // Grouped by step first: one add per step, not one per VM.
      const starts = new Map<number, number[]>();
      const ends = new Map<number, number[]>();
      for (let vm = 0; vm < lifetimes.first.length; vm++) {
        const first = lifetimes.first[vm]!;
        // A VM with no non-empty sample never runs: it arrives after any run's end.
        if (first !== 0) push(starts, first < 0 ? NEVER : first, vm);
        const last = lifetimes.last[vm]!;
        if (last >= 0) push(ends, last + 1, vm);
      }
      for (const [at, ids] of starts) add(arrivals, at, ids);
      for (const [at, ids] of ends) add(departures, at, ids);
      return;
    }
    if (e.kind === 'vm-arrivals' || e.kind === 'vm-departures') {
      const ids = membersOf(e.vms, vms, rng, `events[${i}].vms`, 'VM');
      add(e.kind === 'vm-arrivals' ? arrivals : departures, e.step, ids);
      return;
    }
    const ids = membersOf(e.pms, pms, rng, `events[${i}].pms`, 'PM');
    if (e.kind === 'host-loss') {
      hostLosses.push({ barrier: e.barrier, pms: ids });
      return;
    }
    if (e.kind === 'pm-join') {
      // Absent from the start; at its step it comes in as a crashed PM returns.
      add(joins, e.step, ids);
      add(returns, e.step, ids);
      return;
    }
    add(e.kind === 'crash' ? crashes : drains, e.step, ids);
    if (e.returnStep !== undefined) add(returns, e.returnStep, ids);
    if (e.kind === 'crash')
      crashSteps.push({ step: e.step, pms: ids.length, returnStep: e.returnStep ?? null });
  });
  // A VM arrives once: at its first arrival step.
  const arrived = new Set<number>();
  for (const step of [...arrivals.keys()].sort((a, b) => a - b)) {
    const list = arrivals.get(step)!.filter((vm) => !arrived.has(vm));
    for (const vm of list) arrived.add(vm);
    arrivals.set(step, list);
  }
  return {
    crashes,
    drains,
    returns,
    joins,
    arrivals,
    departures,
    crashSteps,
    controllerDown: (s) => outages.some(([from, until]) => s >= from && s < until),
    hostLosses,
  };
}

/** The members of `set` among `n` PMs or VMs, ascending; a fraction is drawn from `rng`. */
function membersOf(
  set: z.infer<typeof PmSetSchema> | z.infer<typeof VmSetSchema>,
  n: number,
  rng: Rng,
  where: string,
  noun: 'PM' | 'VM',
): number[] {
  const pms = n;
  if ('ids' in set) {
    const bad = set.ids.findIndex((id) => id >= n);
    if (bad >= 0)
      throw new ConfigError(
        `invalid ${where}.ids[${bad}]: ${noun} ${set.ids[bad]} does not exist (the run has ${n} ${noun}s)`,
      );
    return [...new Set(set.ids)].sort((a, b) => a - b);
  }
  if ('rack' in set) {
    const { first, count } = set.rack;
    if (first + count > pms)
      throw new ConfigError(
        `invalid ${where}.rack: PMs ${first}–${first + count - 1} do not all exist (the run has ${pms} PMs)`,
      );
    return Array.from({ length: count }, (_, k) => first + k);
  }
  // A partial Fisher–Yates shuffle: the first `count` of a random permutation.
  const count = Math.max(1, Math.round(set.fraction * pms));
  const ids = Array.from({ length: pms }, (_, k) => k);
  for (let k = 0; k < count; k++) {
    const j = k + rng.int(pms - k);
    [ids[k], ids[j]] = [ids[j]!, ids[k]!];
  }
  return ids.slice(0, count).sort((a, b) => a - b);
}

function push(m: Map<number, number[]>, at: number, x: number): void {
  const list = m.get(at);
  if (list) list.push(x);
  else m.set(at, [x]);
}
