/**
 * What the trace readers share: listing a directory of one-file-per-VM traces, reading a file's
 * lines, and checking that every file covers the same number of steps.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TraceFormatError, UserError, errnoWords } from '../core/errors.ts';

/** A trace file's lines, without trailing blank ones; an unreadable file is a UserError. */
export function readTraceLines(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read trace file ${path}: ${errnoWords(e)}`);
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines;
}

/**
 * The trace files of `dir` (`kind` names the format in messages): `pick` selects and orders the
 * directory's entries, at most `maxVms` are kept, and an empty or unreadable directory is a
 * UserError (`fileWord` names the files it lacks).
 */
export function listTraceFiles(
  dir: string,
  kind: string,
  pick: (entries: string[]) => string[],
  maxVms?: number,
  fileWord = 'trace files',
): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UserError(`${dir} is not a directory`);
    names = pick(readdirSync(dir));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot read ${kind} trace directory ${dir}: ${errnoWords(e)}`);
  }
  if (maxVms !== undefined) names = names.slice(0, maxVms);
  if (names.length === 0)
    throw new UserError(`${kind} trace directory ${dir} holds no ${fileWord}`);
  return names;
}

/**
 * Every file must hold as many samples as the first (`lengths[i]` for `names[i]`); a shorter or
 * longer one is a TraceFormatError at the line after its last sample (`headerLines` before them).
 */
export function checkSameLength(
  dir: string,
  names: readonly string[],
  lengths: readonly number[],
  headerLines: number,
): number {
  const steps = lengths[0]!;
  lengths.forEach((n, i) => {
    if (n !== steps) {
      throw new TraceFormatError(
        join(dir, names[i]!),
        n + headerLines + 1,
        `has ${n} samples but ${join(dir, names[0]!)} has ${steps}; all files must be the same length`,
      );
    }
  });
  return steps;
}
