/**
 * Reads and validates a run directory for plotting: config.json, summary.json, steps.csv,
 * nodes.csv, rewards.csv and qtables/ (documented in the README's "The run directory"). Plots read
 * these files only and never rerun the simulator. Every malformed input is a `UserError` naming the
 * file (and line), so the CLI prints one sentence instead of a stack trace.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { UserError, errnoWords } from '../../src/core/errors.ts';

/** steps.csv columns the plots use; extra columns are allowed and ignored. */
export const STEP_FIELDS = [
  'step',
  'active_pms',
  'sleeping_pms',
  'overloaded_pms',
  'lower_bound',
  'migrations',
  'sleeps',
  'wakes',
  'energy_kwh',
  'slatah',
  'pdm',
  'messages',
  'reward_out_mean',
  'reward_out_count',
  'reward_in_mean',
  'reward_in_count',
] as const;

export const NODE_FIELDS = [
  'node',
  'sleep_count',
  'wake_count',
  'steps_asleep',
  'migrations_in',
  'migrations_out',
  'final_vms',
  'final_asleep',
] as const;

/** steps.csv columns of runs with events only. */
export const LIFECYCLE_FIELDS = ['down_pms', 'down_vms', 'restarts'] as const;
export type LifecycleRecord = Record<(typeof LIFECYCLE_FIELDS)[number], number>;

/** steps.csv columns left empty when the step had no sample to average (their count is 0). */
export const STEP_MEAN_FIELDS = ['reward_out_mean', 'reward_in_mean'] as const;
type StepMeanField = (typeof STEP_MEAN_FIELDS)[number];
const STEP_COUNTED_FIELDS = STEP_FIELDS.filter(
  (f): f is Exclude<(typeof STEP_FIELDS)[number], StepMeanField> =>
    !(STEP_MEAN_FIELDS as readonly string[]).includes(f),
);

export type StepRecord = Record<Exclude<(typeof STEP_FIELDS)[number], StepMeanField>, number> &
  Record<StepMeanField, number | null>;
export type NodeRecord = Record<(typeof NODE_FIELDS)[number], number>;
export interface RewardRecord {
  step: number;
  node: number;
  role: 'out' | 'in';
  reward: number;
}

/** Number of utilisation levels and (CPU level, RAM level) pairs of a Q-table axis. */
export const LEVELS = 9;
export const PAIRS = LEVELS * LEVELS;

export interface QTables {
  /** Node ids whose tables are saved, in file order. */
  nodes: number[];
  /** Level names, Low … Overload. */
  levels: string[];
  /** φin of every saved node: nodes.length × 81 × 81 float32, row-major [state][action]. */
  phiIn: Float32Array | null;
  dir: string;
}

/** The events of a run with `--events` (src/model/events.ts), as far as the plots read them. */
const EventsSection = z.object({
  events: z.array(
    z.object({
      kind: z.string(),
      step: z.number(),
      returnStep: z.number().optional(),
      untilStep: z.number().optional(),
    }),
  ),
});

const ConfigFile = z.object({
  policy: z.string(),
  seed: z.number(),
  pms: z.number(),
  workload: z.string(),
  lifecycle: EventsSection.optional(),
});
export type RunConfig = z.infer<typeof ConfigFile>;

const SummaryFile = z.object({
  steps: z.number(),
  pms: z.number(),
  energyKWh: z.number(),
  activePmsMean: z.number(),
  lowerBoundMean: z.number(),
  activeToLowerBound: z.number(),
  sleepingPmsMean: z.number(),
  migrations: z.number(),
  slatah: z.number(),
  pdm: z.number(),
  slav: z.number(),
  esv: z.number(),
  messages: z.number(),
  truncated: z.boolean().optional(),
});
export type RunSummary = z.infer<typeof SummaryFile>;

const IndexFile = z.object({
  nodes: z.array(z.number().int().nonnegative()),
  tables: z.record(z.string(), z.string()),
  shape: z.tuple([z.literal(PAIRS), z.literal(PAIRS)]),
  levels: z.array(z.string()).length(LEVELS),
});

export interface RunData {
  /** The run directory as given on the command line. */
  dir: string;
  config: RunConfig;
  summary: RunSummary;
  steps: StepRecord[];
  nodes: NodeRecord[];
  /** null when the run has no rewards.csv. */
  rewards: RewardRecord[] | null;
  /** null when the run saved no Q-tables (e.g. policy none). */
  qtables: QTables | null;
  /** Per step, the lifecycle columns of a run with events; null without events. */
  lifecycle: LifecycleRecord[] | null;
}

export interface LabelledRun extends RunData {
  label: string;
}

export function loadRun(dir: string): RunData {
  if (!existsSync(dir)) throw new UserError(`run directory ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new UserError(`${dir} is not a run directory`);
  const steps: StepRecord[] = readCsv(
    join(dir, 'steps.csv'),
    STEP_COUNTED_FIELDS,
    [],
    STEP_MEAN_FIELDS,
  );
  if (steps.length === 0) throw new UserError(`${join(dir, 'steps.csv')} has no data rows`);
  const rewardsFile = join(dir, 'rewards.csv');
  const config = readJson(join(dir, 'config.json'), ConfigFile);
  return {
    dir,
    config,
    lifecycle: config.lifecycle ? readCsv(join(dir, 'steps.csv'), LIFECYCLE_FIELDS, []) : null,
    summary: readJson(join(dir, 'summary.json'), SummaryFile),
    steps,
    nodes: readCsv(join(dir, 'nodes.csv'), NODE_FIELDS, []),
    rewards: existsSync(rewardsFile)
      ? readCsv(rewardsFile, ['step', 'node', 'reward'], ['role']).map((r, i) => {
          if (r.role !== 'out' && r.role !== 'in') {
            throw new UserError(
              `${rewardsFile}:${i + 2}: role is '${r.role}', expected 'out' or 'in'`,
            );
          }
          return { step: r.step, node: r.node, role: r.role, reward: r.reward };
        })
      : null,
    qtables: readQTables(join(dir, 'qtables')),
  };
}

/**
 * Labels runs by `labels` (one per run) or by `<policy> s<seed>`; duplicates get their
 * directory's name appended.
 */
export function labelRuns(runs: readonly RunData[], labels?: readonly string[]): LabelledRun[] {
  if (labels !== undefined) {
    if (labels.length !== runs.length) {
      throw new UserError(
        `--labels has ${labels.length} label${labels.length === 1 ? '' : 's'} for ${runs.length} run${runs.length === 1 ? '' : 's'}`,
      );
    }
    if (new Set(labels).size !== labels.length) {
      throw new UserError(`--labels must be distinct, got ${labels.join(',')}`);
    }
    return runs.map((r, i) => ({ ...r, label: labels[i]! }));
  }
  const base = runs.map((r) => `${r.config.policy} s${r.config.seed}`);
  const named = base.map((b, i) =>
    base.filter((x) => x === b).length > 1 ? `${b} (${basename(resolve(runs[i]!.dir))})` : b,
  );
  // Two directories with the same name and the same policy and seed: fall back to their position.
  return runs.map((r, i) => ({
    ...r,
    label: named.filter((x) => x === named[i]).length > 1 ? `${named[i]} #${i + 1}` : named[i]!,
  }));
}

/** The chosen node's φin (81 × 81, row-major [state][action]) from a run's saved Q-tables. */
export function phiInOf(run: RunData, node: number | undefined): { node: number; q: Float32Array } {
  const t = run.qtables;
  if (t === null || t.phiIn === null) {
    throw new UserError(`${run.dir} has no saved φin table`);
  }
  const chosen = node ?? t.nodes[0];
  const at = chosen === undefined ? -1 : t.nodes.indexOf(chosen);
  if (chosen === undefined || at < 0) {
    const some = t.nodes.slice(0, 10).join(', ') + (t.nodes.length > 10 ? ', …' : '');
    throw new UserError(
      `node ${chosen ?? '(none)'} has no saved Q-tables in ${join(t.dir, 'index.json')}; available: ${some || 'none'}`,
    );
  }
  return { node: chosen, q: t.phiIn.subarray(at * PAIRS * PAIRS, (at + 1) * PAIRS * PAIRS) };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `${file} is missing; is ${dirname(file)} a run directory?`
        : `cannot read ${file}: ${errnoWords(e)}`,
    );
  }
}

function readJson<T>(file: string, schema: z.ZodType<T>): T {
  const text = readText(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `field ${issue.path.join('.')}` : 'its content';
    throw new UserError(`${file}: ${where}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Reads a CSV with a header line (as csv-stringify writes the result files): `numeric` columns must
 * be finite numbers, `text` columns non-empty, and `optional` columns numbers or empty (null); any
 * fault is one sentence naming file and line.
 */
export function readCsv<N extends string, T extends string, O extends string = never>(
  file: string,
  numeric: readonly N[],
  text: readonly T[],
  optional: readonly O[] = [],
): (Record<N, number> & Record<T, string> & Record<O, number | null>)[] {
  return parseCsv(readText(file), file, numeric, text, optional);
}

export function parseCsv<N extends string, T extends string, O extends string = never>(
  content: string,
  file: string,
  numeric: readonly N[],
  text: readonly T[],
  optional: readonly O[] = [],
): (Record<N, number> & Record<T, string> & Record<O, number | null>)[] {
  let records: { record: string[]; info: { lines: number; raw?: string } }[];
  try {
    // Column counts are checked below, so that a short row gets our message with its line.
    records = parse(content, {
      info: true,
      raw: true,
      relax_column_count: true,
    }) as unknown as typeof records;
  } catch (e) {
    const err = e as { lines?: number; message?: string };
    throw new UserError(`${file}:${err.lines ?? 1}: not valid CSV (${err.message ?? String(e)})`);
  }
  const header = records[0]?.record ?? [];
  const headerLine = records[0]?.info.raw?.replace(/\r?\n$/, '') ?? '';
  if (header.join('') === '') {
    throw new UserError(`${file} is empty; expected a header line`);
  }
  const index = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) {
      throw new UserError(
        `${file}:1: header has no column '${name}' (got '${truncate(headerLine)}')`,
      );
    }
    return i;
  };
  const numCols = numeric.map((n) => [n, index(n)] as const);
  const textCols = text.map((n) => [n, index(n)] as const);
  const optionalCols = optional.map((n) => [n, index(n)] as const);
  const rows: (Record<N, number> & Record<T, string> & Record<O, number | null>)[] = [];
  for (const { record: cells, info } of records.slice(1)) {
    const at = `${file}:${info.lines}`;
    if (cells.length !== header.length) {
      const line = info.raw?.replace(/\r?\n$/, '') ?? cells.join(',');
      throw new UserError(
        `${at}: expected ${header.length} cells, got ${cells.length} ('${truncate(line)}')`,
      );
    }
    const row = {} as Record<string, number | string | null>;
    const number = (name: string, cell: string) => {
      const v = Number(cell);
      if (cell.trim() === '' || !Number.isFinite(v)) {
        throw new UserError(`${at}: ${name} is '${truncate(cell)}', not a number`);
      }
      return v;
    };
    for (const [name, i] of numCols) row[name] = number(name, cells[i]!);
    for (const [name, i] of optionalCols) {
      row[name] = cells[i] === '' ? null : number(name, cells[i]!);
    }
    for (const [name, i] of textCols) {
      const cell = cells[i]!;
      if (cell === '') throw new UserError(`${at}: ${name} is empty`);
      row[name] = cell;
    }
    rows.push(row as Record<N, number> & Record<T, string> & Record<O, number | null>);
  }
  return rows;
}

const truncate = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}…` : s);

function readQTables(dir: string): QTables | null {
  const indexFile = join(dir, 'index.json');
  if (!existsSync(indexFile)) return null;
  const index = readJson(indexFile, IndexFile);
  const name = index.tables['phiIn'];
  let phiIn: Float32Array | null = null;
  if (name !== undefined) {
    const file = join(dir, name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new UserError(`cannot read ${file} (listed in ${indexFile}): ${errnoWords(e)}`);
    }
    const expected = index.nodes.length * PAIRS * PAIRS * 4;
    if (bytes.length !== expected) {
      throw new UserError(
        `${file} has ${bytes.length} bytes; ${index.nodes.length} nodes × 81 × 81 float32 need ${expected}`,
      );
    }
    phiIn = new Float32Array(index.nodes.length * PAIRS * PAIRS);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < phiIn.length; i++) phiIn[i] = view.getFloat32(i * 4, true);
  }
  return { nodes: index.nodes, levels: index.levels, phiIn, dir };
}
