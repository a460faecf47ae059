/** Reading one trace file: its lines, without trailing blank ones; an unreadable file is a UserError. */
import { readFileSync } from 'node:fs';
import { UserError } from '../core/errors.ts';

export function readTraceLines(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(
      `cannot read trace file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines;
}
