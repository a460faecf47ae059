/**
 * Run directories as a user meets them: a run replays from its own config.json, byte for byte,
 * into a new directory; an existing directory is never written over without --force, and --force
 * replaces only an earlier run; a run that cannot start leaves nothing behind; errors from a
 * config file name the file and the key.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT, runScript } from '../helpers/fixtures.ts';

const cli = (...args: string[]) => runScript('experiments/experiment.ts', ...args);
const tmp = () => mkdtempSync(join(tmpdir(), 'qossip-rundir-'));

/** Every file under `dir`, relative, sorted. */
function files(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(dir, join(prefix, e.name)) : [join(prefix, e.name)]))
    .sort();
}

describe('run directories', () => {
  it('--config runs/X/config.json --out runs/Y replays the run byte for byte', () => {
    const root = tmp();
    const a = join(root, 'a');
    const b = join(root, 'b');
    const first = cli(
      '--pms',
      '15',
      '--steps',
      '12',
      '--seed',
      '4',
      '--policy',
      'glap',
      '--out',
      a,
    );
    expect(first.code).toBe(0);
    const replay = cli('--config', join(a, 'config.json'), '--out', b, '--quiet');
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(0);
    expect(files(b)).toEqual(files(a));
    for (const f of files(a)) {
      if (f === 'timing.json') continue; // wall-clock figures
      const bytes = (d: string) => readFileSync(join(d, f), 'utf8');
      // config.json differs only in where the run was written
      const norm = (d: string) => (f === 'config.json' ? bytes(d).replace(d, '<out>') : bytes(d));
      expect(norm(b), f).toBe(norm(a));
    }
  });

  it("a replay never writes into the recorded run's directory, even without --out", () => {
    const root = tmp();
    const a = join(root, 'a');
    expect(cli('--pms', '10', '--steps', '3', '--out', a, '--quiet').code).toBe(0);
    const before = readFileSync(join(a, 'summary.json'), 'utf8');
    // From another working directory, so the default runs/… lands in the temp dir.
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
        join(ROOT, 'experiments/experiment.ts'),
        '--config',
        join(a, 'config.json'),
        '--quiet',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(join(root, 'runs'))).toEqual([
      expect.stringMatching(/^\d{8}-\d{6}-qlearning-10pm-s1$/),
    ]);
    expect(readFileSync(join(a, 'summary.json'), 'utf8')).toBe(before);
    expect(readFileSync(join(a, 'config.json'), 'utf8')).toContain(`"out": "${a}"`);
  });

  it('refuses a non-empty --out; --force replaces an earlier run, stale files included', () => {
    const dir = join(tmp(), 'run');
    expect(cli('--pms', '10', '--steps', '3', '--out', dir, '--quiet').code).toBe(0);
    writeFileSync(join(dir, 'stale.txt'), 'from an earlier run');
    const again = cli('--pms', '10', '--steps', '3', '--out', dir, '--quiet');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^qossip: run directory .*\/run is not empty \(\d+ entries\); choose another --out, or add --force to replace it\n$/,
    );
    const forced = cli('--pms', '10', '--steps', '3', '--policy', 'none', '--out', dir, '--force');
    expect(forced.code).toBe(0);
    expect(existsSync(join(dir, 'stale.txt'))).toBe(false);
    expect(existsSync(join(dir, 'qtables'))).toBe(false); // none learns no tables
    expect(forced.stdout).toMatch(
      /results in .*\/run\/: config.json, summary.json, timing.json, steps.csv, nodes.csv, rewards.csv\n$/,
    );
  });

  it('--force does not empty a directory that holds no run', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'thesis.tex'), 'precious');
    const r = cli('--pms', '10', '--steps', '3', '--out', dir, '--force');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^qossip: --force replaces only a previous run's directory, and .* has no qossip config\.json; choose another --out\n$/,
    );
    expect(readdirSync(dir)).toEqual(['thesis.tex']);
  });

  it.each([
    [['--policy', 'magic']],
    [['--pms', '2', '--vms', '50']],
    [['--policy', 'dqn', '--model', '/nonexistent/model']],
    [['--transport', 'kafka', '--brokers', '127.0.0.1:1']],
  ])('a run that cannot start (%j) leaves no directory behind', (args) => {
    const dir = join(tmp(), 'run');
    const r = cli(...args, '--out', dir);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(dir)).toBe(false);
  });

  it.each([
    [
      { pms: 'ten' },
      /^qossip: config file .*\/c\.json: invalid pms: expected number, received string\n$/,
    ],
    [
      { qlearning: { alpha: 5 } },
      /^qossip: config file .*\/c\.json: invalid qlearning\.alpha: too big/,
    ],
    [{ kafka: { port: 1 } }, /^qossip: config file .*\/c\.json: unknown key 'kafka\.port'\n$/],
    [[1, 2], /^qossip: config file .*\/c\.json must hold a JSON object of config keys\n$/],
  ])('config file %j: the error names the file and the key, not a flag', (content, pattern) => {
    const dir = tmp();
    writeFileSync(join(dir, 'c.json'), JSON.stringify(content));
    const r = cli('--config', join(dir, 'c.json'), '--out', join(dir, 'run'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/--pms/);
  });

  it('--out naming a file is refused in one sentence', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'f'), '');
    const r = cli('--out', join(dir, 'f'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^qossip: run directory .*\/f is a file, not a directory\n$/);
  });
});
