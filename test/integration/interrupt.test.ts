/**
 * Ctrl-C and kill on a real child process: the run stops after the current step, writes every
 * result file marked truncated, prints one line, exits 128 + signal, restores the terminal, and
 * the partial run directory plots. Ctrl-C is typed into a pseudo-terminal (util-linux `script`),
 * so it reaches the process the way a user's does, through the terminal's line discipline.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runScript } from '../helpers/fixtures.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'qossip-interrupt-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !ok(); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

/** An experiment child process; `output` collects its stdout and stderr. */
function experiment(args: string[], viaTerminal = false) {
  const cmd = [process.execPath, '--import', 'tsx', 'experiments/experiment.ts', ...args];
  const child = viaTerminal
    ? spawn('script', ['-qfec', cmd.join(' '), '/dev/null'], { cwd: ROOT })
    : spawn(cmd[0]!, cmd.slice(1), { cwd: ROOT });
  const run = { child, output: '', stderr: '' };
  child.stdout!.on('data', (d) => (run.output += d));
  child.stderr!.on('data', (d) => ((run.output += d), (run.stderr += d)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { run, exited };
}

/** The partial run: every result file, marked truncated, with 1–287 steps, and it plots. */
function expectPartialRun(dir: string): void {
  for (const f of ['config.json', 'summary.json', 'timing.json', 'steps.csv', 'nodes.csv']) {
    expect(existsSync(join(dir, f)), f).toBe(true);
  }
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  expect(summary.truncated).toBe(true);
  expect(summary.steps).toBeGreaterThan(0);
  expect(summary.steps).toBeLessThan(288);
  const rows = readFileSync(join(dir, 'steps.csv'), 'utf8').trim().split('\n');
  expect(rows).toHaveLength(summary.steps + 1);
  const plot = runScript('experiments/plot.ts', dir);
  expect(plot.stderr).toBe('');
  expect(plot.code).toBe(0);
  expect(existsSync(join(dir, 'report.html'))).toBe(true);
}

describe('interrupting a run', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s to the process stops after the current step, writes partial results and exits %i',
    async (signal, code) => {
      const dir = join(tmp(), 'run');
      // 1,000 PMs × 288 steps take several seconds: the signal comes well before the end.
      const { run, exited } = experiment(['--pms', '1000', '--out', dir]);
      // config.json is written once set-up is over and the first step is about to run.
      await until('the run to start', () => existsSync(join(dir, 'config.json')));
      await sleep(500);
      run.child.kill(signal);
      expect(await exited).toBe(code);
      expect(run.stderr).toMatch(
        new RegExp(
          `^qossip: interrupted \\(${signal}\\) after \\d+ of 288 steps; partial results \\("truncated": true\\) in .*/run/\\n$`,
        ),
      );
      expectPartialRun(dir);
    },
  );

  it('Ctrl-C on a terminal: the progress bar gives line wrap back (ESC[?7h) and one line is printed', async () => {
    const dir = join(tmp(), 'run');
    const { run, exited } = experiment(['--pms', '1000', '--out', dir], true);
    await until('the progress bar', () => / [1-9]\d*\/288 /.test(run.output));
    run.child.stdin!.write('\x03');
    expect(await exited).toBe(130);
    const out = run.output;
    expect(out.indexOf('\x1b[?7l')).toBeGreaterThanOrEqual(0);
    expect(out.lastIndexOf('\x1b[?7h')).toBeGreaterThan(out.lastIndexOf('\x1b[?7l'));
    expect(out.match(/qossip: interrupted \(SIGINT\) after \d+ of 288 steps/g)).toHaveLength(1);
    expectPartialRun(dir);
  });

  it('Ctrl-C during set-up exits at once, restores the terminal and writes nothing', async () => {
    const dir = join(tmp(), 'run');
    // 12,000 Q-learning PMs with dense tables (26 KB each, zeroed) take seconds to build, long
    // enough for the set-up bar (sparse tables build in well under a second).
    const { run, exited } = experiment(
      ['--pms', '12000', '--steps', '1', '--qtables', 'dense', '--out', dir],
      true,
    );
    await until('the set-up bar', () => /set-up .* PMs built/.test(run.output));
    run.child.stdin!.write('\x03');
    expect(await exited).toBe(130);
    expect(run.output).toMatch(/qossip: interrupted \(SIGINT\) during set-up; nothing was written/);
    expect(run.output.lastIndexOf('\x1b[?7h')).toBeGreaterThan(run.output.lastIndexOf('\x1b[?7l'));
    expect(existsSync(dir)).toBe(false);
  });
});
