/**
 * Result files of a run directory: config.json (resolved config + provenance), steps.csv,
 * nodes.csv, summary.json (deterministic: same seed ⇒ same bytes) and timing.json (wall clock).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, errnoWords } from '../src/core/errors.ts';
import { nodesCsv, rewardsCsv, stepsCsv } from '../src/metrics/csv.ts';
import type { NodeRow, RewardRow, StepRow, Summary } from '../src/metrics/collector.ts';
import type { NodePolicy } from '../src/policy/policy.ts';
import { LEVEL_NAMES, PAIR_COUNT } from '../src/model/levels.ts';
import type { ExperimentConfig } from './config.ts';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The checkout's commit, or null outside a git work tree. */
export function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

/** Creates an output directory (and its parents); a failure is a UserError in words. */
export function ensureRunDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot create directory ${dir}: ${errnoWords(e)}`);
  }
}

/** The files every run writes (qtables/ too when its policy learns Q-tables), in README order. */
export const RESULT_FILES = [
  'config.json',
  'summary.json',
  'timing.json',
  'steps.csv',
  'nodes.csv',
  'rewards.csv',
] as const;

const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;

export function writeConfig(
  dir: string,
  config: ExperimentConfig,
  extra: Record<string, unknown>,
): void {
  writeFileSync(
    join(dir, 'config.json'),
    json({ ...config, qossip: { version: packageVersion(), commit: gitCommit(), ...extra } }),
  );
}

export function writeResults(
  dir: string,
  r: {
    rows: readonly StepRow[];
    nodes: readonly NodeRow[];
    rewards: readonly RewardRow[];
    summary: Summary;
    truncated: boolean;
  },
): void {
  writeFileSync(join(dir, 'steps.csv'), stepsCsv(r.rows));
  writeFileSync(join(dir, 'nodes.csv'), nodesCsv(r.nodes));
  writeFileSync(join(dir, 'rewards.csv'), rewardsCsv(r.rewards));
  writeFileSync(join(dir, 'summary.json'), json({ ...r.summary, truncated: r.truncated }));
}

/**
 * Saves the learnt 81 × 81 tables of the `limit` most active local nodes (most migrations in + out, ties
 * to the lower id) as little-endian float32 files `qtables/<table>.f32`, one table after another in
 * the order of `qtables/index.json`'s `nodes`. Writes nothing when the policy learns no tables.
 * Returns whether it wrote them.
 */
export function writeQTables(
  dir: string,
  policies: readonly (NodePolicy | undefined)[],
  nodes: readonly NodeRow[],
  limit: number,
): boolean {
  const first = policies.find((p) => p !== undefined);
  if (limit <= 0 || !first?.tables) return false;
  const chosen = [...nodes]
    .filter((n) => policies[n.node] !== undefined) // nodes of remote node hosts are not here
    .sort(
      (a, b) =>
        b.migrationsIn + b.migrationsOut - (a.migrationsIn + a.migrationsOut) || a.node - b.node,
    )
    .slice(0, limit)
    .map((n) => n.node)
    .sort((a, b) => a - b);
  const names = Object.keys(first.tables());
  const qdir = join(dir, 'qtables');
  mkdirSync(qdir, { recursive: true });
  const files: Record<string, string> = {};
  for (const name of names) {
    const buf = new Float32Array(chosen.length * PAIR_COUNT * PAIR_COUNT);
    chosen.forEach((node, i) =>
      buf.set(policies[node]!.tables!()[name]!, i * PAIR_COUNT * PAIR_COUNT),
    );
    const file = `${name}.f32`;
    writeFileSync(join(qdir, file), new Uint8Array(buf.buffer));
    files[name] = file;
  }
  writeFileSync(
    join(qdir, 'index.json'),
    json({
      nodes: chosen,
      tables: files,
      shape: [PAIR_COUNT, PAIR_COUNT],
      dtype: 'float32-le',
      levels: LEVEL_NAMES,
    }),
  );
  return true;
}

export function writeTiming(dir: string, timing: Record<string, number>): void {
  writeFileSync(join(dir, 'timing.json'), json(timing));
}
