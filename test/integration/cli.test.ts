/** The experiment CLI as a user meets it: result files, one-sentence errors, no stack traces. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ROOT, runScript } from '../helpers/fixtures.ts';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIX = join(ROOT, 'test/fixtures');

const cli = (...args: string[]) => runScript('experiments/experiment.ts', ...args);

const tmp = () => mkdtempSync(join(tmpdir(), 'qossip-cli-'));

describe('experiment CLI', () => {
  it('writes every result file with the documented columns, and a summary table', () => {
    const out = join(tmp(), 'run');
    const r = cli('--pms', '12', '--steps', '20', '--seed', '5', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/energy\s.*kWh/);
    expect(r.stdout).toMatch(/SLATAH/);
    for (const f of ['config.json', 'steps.csv', 'nodes.csv', 'summary.json', 'timing.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const steps = readFileSync(join(out, 'steps.csv'), 'utf8').trim().split('\n');
    expect(steps[0]).toBe(
      'step,active_pms,sleeping_pms,overloaded_pms,lower_bound,migrations,sleeps,wakes,energy_kwh,slatah,pdm,messages,reward_out_mean,reward_out_count,reward_in_mean,reward_in_count',
    );
    expect(steps).toHaveLength(21);
    // A step without rewards has no mean: an empty cell, not 0.
    for (const row of steps.slice(1).map((l) => l.split(','))) {
      expect(row[12] === '', row.join(',')).toBe(row[13] === '0');
      expect(row[14] === '', row.join(',')).toBe(row[15] === '0');
    }
    const nodes = readFileSync(join(out, 'nodes.csv'), 'utf8').trim().split('\n');
    expect(nodes[0]).toBe(
      'node,sleep_count,wake_count,steps_asleep,migrations_in,migrations_out,final_vms,final_asleep',
    );
    expect(nodes).toHaveLength(13);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ pms: 12, vms: 16, steps: 20, seed: 5, policy: 'qlearning' });
    expect(config.qossip.version).toMatch(/^\d+\.\d+\.\d+/);
    // one rewards.csv row per reward counted in steps.csv
    const rewards = readFileSync(join(out, 'rewards.csv'), 'utf8').trim().split('\n');
    expect(rewards[0]).toBe('step,node,role,reward');
    const counted = steps
      .slice(1)
      .reduce((a, l) => a + Number(l.split(',')[13]) + Number(l.split(',')[15]), 0);
    expect(counted).toBeGreaterThan(0);
    expect(rewards).toHaveLength(counted + 1);
    // the most active nodes' Q-tables, as float32 81×81 each
    const index = JSON.parse(readFileSync(join(out, 'qtables/index.json'), 'utf8'));
    expect(index.nodes.length).toBe(12);
    expect(readFileSync(join(out, 'qtables/phiIn.f32')).length).toBe(12 * 81 * 81 * 4);
    // per-node sleep counts add up to the run's sleeps
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const sleepSum = nodes.slice(1).reduce((a, l) => a + Number(l.split(',')[1]), 0);
    expect(sleepSum).toBe(summary.sleeps);
  });

  it('one PM, one VM, one step: singular words, and the results line names the files written', () => {
    const out = join(tmp(), 'run');
    const r = cli(
      '--pms',
      '1',
      '--vms',
      '1',
      '--steps',
      '1',
      '--rounds-per-step',
      '1',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('synthetic:diurnal · 1 PM · 1 VM · 1 step × 1 round ');
    expect(r.stdout).not.toMatch(/invalid messages/); // shown only when there were some
    expect(r.stdout).toMatch(
      /results in .*\/run\/: config.json, summary.json, timing.json, steps.csv, nodes.csv, rewards.csv, qtables\/\n$/,
    );
  });

  it('colour only on a terminal and without NO_COLOR; never in a pipe', () => {
    const piped = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'experiments/experiment.ts',
        '--pms',
        '4',
        '--steps',
        '2',
        '--out',
        join(tmp(), 'p'),
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: undefined } },
    );
    expect(piped.status).toBe(0);
    expect(piped.stdout).toMatch(/energy/);
    expect(piped.stdout).not.toContain('\x1b');
    // stdout on a terminal (util-linux `script`); stderr to /dev/null keeps the progress bar out.
    const onTerminal = (env: Record<string, string | undefined>) =>
      spawnSync(
        'script',
        [
          '-qfec',
          `${process.execPath} --import tsx experiments/experiment.ts --pms 4 --steps 2 --out ${join(tmp(), 't')} 2>/dev/null`,
          '/dev/null',
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          // CI set: colour follows our own terminal test, not a library's guess about CI logs.
          env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, CI: 'true', ...env },
        },
      ).stdout;
    expect(onTerminal({})).toMatch(/\x1b\[90m/); // grey table borders
    const noColour = onTerminal({ NO_COLOR: '1' });
    expect(noColour).toMatch(/energy/);
    expect(noColour).not.toContain('\x1b');
  });

  it('same seed ⇒ byte-identical summary.json', () => {
    const a = join(tmp(), 'a');
    const b = join(tmp(), 'b');
    expect(cli('--pms', '30', '--steps', '30', '--out', a, '--quiet').code).toBe(0);
    expect(cli('--pms', '30', '--steps', '30', '--out', b, '--quiet').code).toBe(0);
    expect(readFileSync(join(a, 'summary.json'))).toEqual(readFileSync(join(b, 'summary.json')));
  });

  it.each([
    [['--pms', 'abc'], /^qossip: invalid pms \(--pms\): .*\n$/],
    [['--pms', '0'], /^qossip: invalid pms \(--pms\): too small/],
    [['--bogus', '1'], /^qossip: Unknown argument: bogus \(see --help\)\n$/],
    [
      ['--policy', 'magic'],
      /^qossip: unknown policy 'magic'; available: qlearning, none(, [a-z-]+)*\n$/,
    ],
    [['--workload', 'synthetic:weird'], /^qossip: unknown synthetic workload 'weird'/],
    [
      ['--workload', 'planetlab:/nonexistent/dir'],
      /^qossip: cannot read PlanetLab trace directory \/nonexistent\/dir/,
    ],
    [
      ['--workload', `planetlab:${join(FIX, 'planetlab-bad')}`],
      /^qossip: .*planetlab-bad\/vm-b:2: expected an integer CPU percentage 0–100, got '2x0'\n$/,
    ],
    [
      ['--workload', `planetlab:${join(FIX, 'planetlab-ok')}`, '--steps', '10'],
      /^qossip: --steps 10 is more than the 3 steps/,
    ],
    [['--pms', '2', '--vms', '50'], /^qossip: cannot place 50 VMs on 2 PMs: RAM runs out/],
    [
      ['--config', '/nonexistent.json'],
      /^qossip: cannot read config file \/nonexistent.json: no such file or directory \(ENOENT\)\n$/,
    ],
    [
      ['--events', '/nonexistent.json'],
      /^qossip: cannot read events file \/nonexistent.json: no such file or directory \(ENOENT\)\n$/,
    ],
    [
      ['--events', join(FIX, 'events-bad.json')],
      /^qossip: events file .*events-bad.json: invalid events\[1\]\.pms\.rack\.count: too small: expected number to be >=1\n$/,
    ],
    [
      ['--events', 'experiments/scenarios/vm-churn.json', '--profile', 'cloudsim'],
      /^qossip: a vm-arrivals event needs the default profile: .*\n$/,
    ],
    [
      ['--pms', '10', '--events', 'experiments/scenarios/rack-down.json'],
      /^qossip: invalid events\[0\]\.pms\.rack: PMs 0–39 do not all exist \(the run has 10 PMs\)\n$/,
    ],
  ])('%j fails with one clear sentence and exit code 1', (args, pattern) => {
    const r = cli(...args, '--out', join(tmp(), 'x'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('--help lists the flags', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    for (const f of [
      '--pms',
      '--vms',
      '--steps',
      '--rounds-per-step',
      '--workload',
      '--policy',
      '--seed',
      '--out',
      '--config',
    ]) {
      expect(r.stdout).toContain(f);
    }
  });
});
