/**
 * The run directory (`--out`): checked before set-up, created only once the run is known to start,
 * so that a run that fails to start leaves nothing behind. An existing directory must be empty;
 * `--force` replaces a previous run's directory (one with a qossip config.json), never anything
 * else, so a mistyped `--out ~ --force` cannot wipe a home directory.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, errnoWords } from '../src/core/errors.ts';

/** Entries of `dir`, or null when it does not exist. */
function entries(dir: string): string[] | null {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`cannot use run directory ${dir}: ${errnoWords(e)}`);
  }
  if (!isDir) throw new UserError(`run directory ${dir} is a file, not a directory`);
  try {
    return readdirSync(dir);
  } catch (e) {
    throw new UserError(`cannot read run directory ${dir}: ${errnoWords(e)}`);
  }
}

/** Whether `dir` holds a qossip run: a config.json with its `qossip` provenance record. */
function isRunDir(dir: string): boolean {
  try {
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as unknown;
    return typeof c === 'object' && c !== null && 'qossip' in c;
  } catch {
    return false;
  }
}

/** Fails, creating nothing, when `dir` cannot become this run's directory. */
export function checkRunDir(dir: string, force: boolean): void {
  const found = entries(dir);
  if (found === null || found.length === 0) return;
  if (!force) {
    throw new UserError(
      `run directory ${dir} is not empty (${found.length} entries); choose another --out, or add --force to replace it`,
    );
  }
  if (!isRunDir(dir)) {
    throw new UserError(
      `--force replaces only a previous run's directory, and ${dir} has no qossip config.json; choose another --out`,
    );
  }
}

/** Creates the run directory; with `force`, first removes what a previous run left in it. */
export function createRunDir(dir: string, force: boolean): void {
  try {
    if (force) for (const e of entries(dir) ?? []) rmSync(join(dir, e), { recursive: true });
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot create run directory ${dir}: ${errnoWords(e)}`);
  }
}
