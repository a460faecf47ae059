import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errnoWords } from '../../../src/core/errors.ts';

const failure = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
};

describe('errnoWords', () => {
  it('says what a failed file operation means, keeping the code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qossip-errno-'));
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    expect(errnoWords(failure(() => readFileSync(join(dir, 'missing'))))).toBe(
      'no such file or directory (ENOENT)',
    );
    expect(errnoWords(failure(() => readFileSync(dir)))).toBe(
      'it is a directory, not a file (EISDIR)',
    );
    expect(errnoWords(failure(() => readFileSync(join(file, 'below'))))).toBe(
      'part of the path is a file, not a directory (ENOTDIR)',
    );
  });

  it("falls back to the system's description, then to the message", () => {
    const e = Object.assign(new Error('EXDEV: cross-device link not permitted, rename'), {
      code: 'EXDEV',
    });
    expect(errnoWords(e)).toBe('cross-device link not permitted (EXDEV)');
    expect(errnoWords(new Error('plain'))).toBe('plain');
  });
});
