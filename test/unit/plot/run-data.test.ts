/** Loading a run directory for plots: the fixture run, CSV validation, labels and φin selection. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { UserError } from '../../../src/core/errors.ts';
import { NODE_COLUMNS, STEP_COLUMNS } from '../../../src/metrics/csv.ts';
import {
  labelRuns,
  loadRun,
  NODE_FIELDS,
  PAIRS,
  parseCsv,
  phiInOf,
  STEP_FIELDS,
  type RunData,
} from '../../../experiments/plot/run-data.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const SMALL = join(ROOT, 'test/fixtures/run-small');
const SMALL_B = join(ROOT, 'test/fixtures/run-small-b');

/** A copy of the fixture run that a test may damage. */
function copyOfSmall(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'qossip-plot-')), 'run');
  cpSync(SMALL, dir, { recursive: true });
  return dir;
}

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('expected a UserError');
};

describe('loadRun', () => {
  it('reads every file of the fixture run', () => {
    const run = loadRun(SMALL);
    expect(run.config).toMatchObject({ policy: 'qlearning', seed: 3, pms: 12 });
    expect(run.steps).toHaveLength(40);
    expect(run.steps.map((s) => s.step)).toEqual([...Array(40).keys()]);
    expect(run.nodes).toHaveLength(12);
    const summary = JSON.parse(readFileSync(join(SMALL, 'summary.json'), 'utf8'));
    expect(run.summary.energyKWh).toBe(summary.energyKWh);
    expect(run.nodes.reduce((a, n) => a + n.sleep_count, 0)).toBe(summary.sleeps);
    const csvRewards = readFileSync(join(SMALL, 'rewards.csv'), 'utf8').trim().split('\n');
    expect(run.rewards).toHaveLength(csvRewards.length - 1);
    expect(run.rewards![0]).toEqual({
      step: Number(csvRewards[1]!.split(',')[0]),
      node: Number(csvRewards[1]!.split(',')[1]),
      role: csvRewards[1]!.split(',')[2],
      reward: Number(csvRewards[1]!.split(',')[3]),
    });
    expect(run.qtables!.nodes).toHaveLength(12);
    expect(run.qtables!.levels[8]).toBe('Overload');
    expect(run.qtables!.phiIn).toHaveLength(12 * PAIRS * PAIRS);
  });

  it('uses the same column names the simulator writes', () => {
    expect([...STEP_FIELDS]).toEqual(STEP_COLUMNS.map(([name]) => name));
    expect([...NODE_FIELDS]).toEqual(NODE_COLUMNS.map(([name]) => name));
  });

  it('treats a run without qtables/ or rewards.csv as having none', () => {
    const dir = copyOfSmall();
    rmSync(join(dir, 'qtables'), { recursive: true });
    rmSync(join(dir, 'rewards.csv'));
    const run = loadRun(dir);
    expect(run.qtables).toBeNull();
    expect(run.rewards).toBeNull();
  });

  it.each<[string, (dir: string) => void, RegExp]>([
    [
      'a missing steps.csv',
      (d) => rmSync(join(d, 'steps.csv')),
      /steps\.csv is missing; is .* a run directory\?$/,
    ],
    [
      'a non-numeric cell',
      (d) => {
        const lines = readFileSync(join(d, 'steps.csv'), 'utf8').split('\n');
        lines[5] = lines[5]!.replace(/^(\d+),(\d+)/, '$1,x7');
        writeFileSync(join(d, 'steps.csv'), lines.join('\n'));
      },
      /steps\.csv:6: active_pms is 'x7', not a number$/,
    ],
    [
      'a header without a needed column',
      (d) => {
        const text = readFileSync(join(d, 'nodes.csv'), 'utf8');
        writeFileSync(join(d, 'nodes.csv'), text.replace('sleep_count', 'sleepcount'));
      },
      /nodes\.csv:1: header has no column 'sleep_count'/,
    ],
    [
      'a short row',
      (d) => writeFileSync(join(d, 'nodes.csv'), `${NODE_FIELDS.join(',')}\n1,2,3\n`),
      /nodes\.csv:2: expected 8 cells, got 3/,
    ],
    [
      'a header-only steps.csv',
      (d) => writeFileSync(join(d, 'steps.csv'), `${STEP_FIELDS.join(',')}\n`),
      /steps\.csv has no data rows$/,
    ],
    [
      'an unknown reward role',
      (d) => writeFileSync(join(d, 'rewards.csv'), 'step,node,role,reward\n0,1,sideways,3\n'),
      /rewards\.csv:2: role is 'sideways', expected 'out' or 'in'$/,
    ],
    [
      'invalid JSON in summary.json',
      (d) => writeFileSync(join(d, 'summary.json'), '{"energyKWh": '),
      /summary\.json is not valid JSON/,
    ],
    [
      'a summary field of the wrong type',
      (d) => {
        const s = JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8'));
        writeFileSync(join(d, 'summary.json'), JSON.stringify({ ...s, energyKWh: 'lots' }));
      },
      /summary\.json: field energyKWh: /,
    ],
    [
      'a truncated φin file',
      (d) => writeFileSync(join(d, 'qtables/phiIn.f32'), Buffer.alloc(100)),
      /phiIn\.f32 has 100 bytes; 12 nodes × 81 × 81 float32 need 314928$/,
    ],
  ])('rejects %s with one sentence naming the file', (_what, damage, expected) => {
    const dir = copyOfSmall();
    damage(dir);
    const m = message(() => loadRun(dir));
    expect(m).toMatch(expected);
    expect(m).not.toMatch(/\n/);
  });

  it('rejects a missing directory and a file given as a directory', () => {
    expect(message(() => loadRun('/nonexistent/run'))).toBe(
      'run directory /nonexistent/run does not exist',
    );
    expect(message(() => loadRun(join(SMALL, 'steps.csv')))).toMatch(/is not a run directory$/);
  });
});

describe('parseCsv', () => {
  it('ignores extra columns, accepts CRLF and finds columns by name', () => {
    const rows = parseCsv('b,extra,a\r\n1,zz,2\r\n3,yy,4\r\n', 'f.csv', ['a', 'b'], []);
    expect(rows).toEqual([
      { a: 2, b: 1 },
      { a: 4, b: 3 },
    ]);
  });

  it('reads an empty optional cell (a mean of nothing) as null, and rejects a bad one', () => {
    expect(parseCsv('n,m\n0,\n2,1.5\n', 'f.csv', ['n'], [], ['m'])).toEqual([
      { n: 0, m: null },
      { n: 2, m: 1.5 },
    ]);
    expect(message(() => parseCsv('n,m\n0,x\n', 'f.csv', ['n'], [], ['m']))).toBe(
      "f.csv:2: m is 'x', not a number",
    );
  });

  it.each([
    ['', /^f\.csv is empty/],
    ['a\n1\n\n', /^f\.csv:3: a is '', not a number$/],
    ['a\nNaN\n', /^f\.csv:2: a is 'NaN', not a number$/],
    ['a\nInfinity\n', /^f\.csv:2: a is 'Infinity', not a number$/],
  ])('rejects %j', (text, expected) => {
    expect(message(() => parseCsv(text, 'f.csv', ['a'], []))).toMatch(expected);
  });

  it('reads back any numeric table csv-stringify writes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer(),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
            fc.constantFrom('out', 'in'),
          ),
          { maxLength: 30 },
        ),
        (rows) => {
          const text = stringify(rows, { header: true, columns: ['n', 'x', 'role'] });
          const parsed = parseCsv(text, 't.csv', ['n', 'x'], ['role']);
          expect(parsed).toEqual(
            // csv-stringify writes -0 as 0
            rows.map(([n, x, role]) => ({ n, x: Object.is(x, -0) ? 0 : x, role })),
          );
        },
      ),
    );
  });
});

describe('labelRuns', () => {
  const a = loadRun(SMALL);
  const b = loadRun(SMALL_B);

  it('labels runs "<policy> s<seed>" by default', () => {
    expect(labelRuns([a, b]).map((r) => r.label)).toEqual(['qlearning s3', 'qlearning s4']);
  });

  it('adds the directory name to duplicate labels, and the position if that is a duplicate too', () => {
    const twin: RunData = { ...b, config: { ...b.config, seed: 3 } };
    expect(labelRuns([a, twin]).map((r) => r.label)).toEqual([
      'qlearning s3 (run-small)',
      'qlearning s3 (run-small-b)',
    ]);
    expect(labelRuns([a, a]).map((r) => r.label)).toEqual([
      'qlearning s3 (run-small) #1',
      'qlearning s3 (run-small) #2',
    ]);
  });

  it('uses --labels, one per run and distinct', () => {
    expect(labelRuns([a, b], ['A', 'B']).map((r) => r.label)).toEqual(['A', 'B']);
    expect(message(() => labelRuns([a, b], ['A']))).toBe('--labels has 1 label for 2 runs');
    expect(message(() => labelRuns([a, b], ['A', 'A']))).toBe('--labels must be distinct, got A,A');
  });
});

describe('phiInOf', () => {
  const run = loadRun(SMALL);
  const raw = readFileSync(join(SMALL, 'qtables/phiIn.f32'));
  const index = JSON.parse(readFileSync(join(SMALL, 'qtables/index.json'), 'utf8'));

  it("returns the first saved node's table by default and the chosen node's otherwise", () => {
    const first = phiInOf(run, undefined);
    expect(first.node).toBe(index.nodes[0]);
    const k = 5;
    const chosen = phiInOf(run, index.nodes[k]);
    expect(chosen.q).toHaveLength(PAIRS * PAIRS);
    for (const i of [0, 1, 80, 81, 4000, PAIRS * PAIRS - 1]) {
      expect(chosen.q[i]).toBe(raw.readFloatLE((k * PAIRS * PAIRS + i) * 4));
    }
  });

  it('names the available nodes when the chosen one was not saved', () => {
    expect(message(() => phiInOf(run, 999))).toMatch(
      /^node 999 has no saved Q-tables in .*qtables\/index\.json; available: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, …$/,
    );
  });
});
