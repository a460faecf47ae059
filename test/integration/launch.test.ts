/**
 * The compiled commands: npm scripts run dist/ through experiments/launch.mjs, which rebuilds it
 * whenever a source is newer than the build, so an edited source never runs stale; and the
 * compiled experiment gives the same bytes as the TypeScript one.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newestSourceMs, staleness } from '../../experiments/build.mjs';
import { ROOT, runScript } from '../helpers/fixtures.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'qossip-launch-'));

describe('staleness', () => {
  /** A tree shaped like the project's sources, with a build stamp as of now. */
  function tree(): string {
    const root = tmp();
    for (const d of ['src/core', 'nodes', 'protocols', 'experiments']) {
      mkdirSync(join(root, d), { recursive: true });
      writeFileSync(join(root, d, 'a.ts'), 'export {};\n');
    }
    writeFileSync(join(root, 'package.json'), '{}');
    writeFileSync(join(root, 'tsconfig.json'), '{}');
    mkdirSync(join(root, 'dist'));
    const stamp = { sourcesMs: newestSourceMs(root), entries: ['experiment'] };
    writeFileSync(join(root, 'dist', 'build.json'), JSON.stringify(stamp));
    return root;
  }

  it('is up to date right after a build', () => {
    expect(staleness('experiment', tree())).toBeNull();
  });
  it('is stale once a source is edited, added or removed, and before any build', () => {
    let root = tree();
    later(join(root, 'src/core/a.ts'));
    expect(staleness('experiment', root)).toBe('a source changed since the last build');
    root = tree();
    writeFileSync(join(root, 'nodes', 'b.ts'), 'export {};\n');
    later(join(root, 'nodes'));
    expect(staleness('experiment', root)).toBe('a source changed since the last build');
    root = tree();
    expect(staleness('plot', root)).toBe('dist/ has no plot');
    root = tmp();
    expect(staleness('experiment', root)).toBe('dist/ has not been built');
  });
});

describe('launch.mjs', () => {
  it('runs the compiled experiment, with the same result bytes as the TypeScript', () => {
    const root = tmp();
    const args = ['--pms', '12', '--steps', '10', '--seed', '3', '--quiet'];
    const js = spawnSync(
      process.execPath,
      ['experiments/launch.mjs', 'experiment', ...args, '--out', join(root, 'js')],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(js.stderr).toBe('');
    expect(js.status).toBe(0);
    expect(runScript('experiments/experiment.ts', ...args, '--out', join(root, 'ts')).code).toBe(0);
    for (const f of ['summary.json', 'steps.csv', 'nodes.csv', 'rewards.csv']) {
      expect(readFileSync(join(root, 'js', f), 'utf8'), f).toBe(
        readFileSync(join(root, 'ts', f), 'utf8'),
      );
    }
  });

  it('an edited source is rebuilt before it runs, never run stale', () => {
    // A copy of the project's sources, sharing node_modules, with its own dist/.
    const copy = tmp();
    for (const p of ['src', 'nodes', 'protocols', 'experiments', 'package.json', 'tsconfig.json'])
      cpSync(join(ROOT, p), join(copy, p), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const help = () =>
      spawnSync(process.execPath, ['experiments/launch.mjs', 'experiment', '--help'], {
        cwd: copy,
        encoding: 'utf8',
      });
    const first = help();
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('Runs a gossip VM-consolidation experiment');
    const file = join(copy, 'experiments/experiment.ts');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('Runs a gossip', 'Runs an EDITED gossip'),
    );
    later(file);
    const second = help();
    expect(second.stderr).toBe('');
    expect(second.stdout).toContain('Runs an EDITED gossip VM-consolidation experiment');
  });
});

/** Gives `file` a modification time 5 s ahead, as an edit after the build would. */
function later(file: string): void {
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
}
