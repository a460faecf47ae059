/**
 * Every CLI's --help: a usage line, a description for every flag, lines that fit 80 columns (the
 * width when not on a terminal) and break only between words; flags that take a value require one.
 */
import { describe, expect, it } from 'vitest';
import { runScript, runScriptWith } from '../helpers/fixtures.ts';
import { unglueAnnotations } from '../../experiments/cli-support.ts';

const CLIS = [
  'experiments/experiment.ts',
  'experiments/plot.ts',
  'experiments/compare.ts',
  'experiments/train.ts',
  'experiments/bench.ts',
  'experiments/node-host.ts',
  'experiments/dqn-compare.ts',
  'experiments/compare/sweep.ts',
];

describe('--help', () => {
  it.each(CLIS)('%s: usage line, every flag described, wrapped between words', (script) => {
    const r = runScriptWith({ COLUMNS: undefined }, script, '--help');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^(npm run [a-z-]+ --|npx tsx \S+) \S/);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    // A type annotation glued to the text before it ("start[number]").
    expect(r.stdout).not.toMatch(/\S\[(number|string|boolean)\]/);
    // A flag line with nothing between the flag and its annotations has no description.
    for (const line of lines.filter((l) => /^ {2}--/.test(l))) {
      expect(line, line).toMatch(/^ {2}--[\w-]+(, -\w)? +[^[\s]/);
    }
    // Lines break only between words: every word at 80 columns is a word of the same help
    // laid out 1,000 columns wide (a word cut in two would leave two non-words).
    const wide = new Set(runScriptWith({ COLUMNS: '1000' }, script, '--help').stdout.split(/\s+/));
    expect(r.stdout.split(/\s+/).filter((w) => !wide.has(w))).toEqual([]);
  });

  it('the experiment description is not cut mid-word', () => {
    expect(runScript('experiments/experiment.ts', '--help').stdout).toContain(
      'Runs a gossip VM-consolidation experiment and writes a run directory.',
    );
  });

  it.each([[['--pms']], [['--pms', '--steps', '3']], [['--seed', '--quiet']]])(
    '%j: a flag that takes a value without one is an error, not its default',
    (args) => {
      const r = runScript('experiments/experiment.ts', ...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^qossip: --(pms|seed) needs a value \(see --help\)\n$/);
    },
  );

  it('compare --jobs 0 is refused', () => {
    const r = runScript('experiments/compare.ts', '--jobs', '0', '--pms', '5', '--steps', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('qossip: --jobs must be a positive integer, got 0\n');
  });

  it('unglueAnnotations moves an annotation that fills the line to a line of its own', () => {
    const glued = '  --t  longest wait for the run to start[number] [default: 1]';
    const at = glued.indexOf('[');
    expect(unglueAnnotations(glued, glued.length)).toBe(
      `${glued.slice(0, at)}\n${' '.repeat(at)}[number] [default: 1]`,
    );
    const spaced = '  --t  wait    [number]';
    expect(unglueAnnotations(spaced, 80)).toBe(spaced);
  });
});
