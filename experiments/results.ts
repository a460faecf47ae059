/**
 * Result files of a run directory: config.json (resolved config + provenance), steps.csv,
 * nodes.csv, summary.json (deterministic: same seed ⇒ same bytes) and timing.json (wall clock).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../src/core/errors.ts';
import { nodesCsv, stepsCsv } from '../src/metrics/csv.ts';
import type { NodeRow, StepRow, Summary } from '../src/metrics/collector.ts';
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

export function ensureRunDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserError(
      `cannot create run directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

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
  r: { rows: readonly StepRow[]; nodes: readonly NodeRow[]; summary: Summary; truncated: boolean },
): void {
  writeFileSync(join(dir, 'steps.csv'), stepsCsv(r.rows));
  writeFileSync(join(dir, 'nodes.csv'), nodesCsv(r.nodes));
  writeFileSync(join(dir, 'summary.json'), json({ ...r.summary, truncated: r.truncated }));
}

export function writeTiming(dir: string, timing: Record<string, number>): void {
  writeFileSync(join(dir, 'timing.json'), json(timing));
}
