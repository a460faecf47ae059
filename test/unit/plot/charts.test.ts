/**
 * Chart specs carry their data inline: each chart's `data.values` must be exactly what the result
 * files say (compared here with the CSVs read independently), for one run and for overlays.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../../../src/core/errors.ts';
import { buildCharts } from '../../../experiments/plot/charts.ts';
import { MAX_BARS, MAX_BINS, sleepCountBins } from '../../../experiments/plot/charts-nodes.ts';
import { DECISIONS, phiInCells } from '../../../experiments/plot/charts-learning.ts';
import type { Chart } from '../../../experiments/plot/chart-kit.ts';
import { runScript } from '../../helpers/fixtures.ts';
import {
  labelRuns,
  loadRun,
  PAIRS,
  type LabelledRun,
  type NodeRecord,
} from '../../../experiments/plot/run-data.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const SMALL = join(ROOT, 'test/fixtures/run-small');
const SMALL_B = join(ROOT, 'test/fixtures/run-small-b');

/** A CSV column as numbers, read without the plot code. */
function csvColumn(file: string, column: string): number[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const i = header!.split(',').indexOf(column);
  expect(i).toBeGreaterThanOrEqual(0);
  return lines.map((l) => Number(l.split(',')[i]));
}

type Row = Record<string, unknown>;
/** Inline data of a chart (top-level `data.values`). */
function valuesOf(chart: Chart | undefined): Row[] {
  expect(chart).toBeDefined();
  const data = (chart!.spec as { data?: { values?: Row[] } }).data;
  expect(Array.isArray(data?.values)).toBe(true);
  return data!.values!;
}

const one = labelRuns([loadRun(SMALL)]);
const two = labelRuns([loadRun(SMALL), loadRun(SMALL_B)]);
const chart = (set: ReturnType<typeof buildCharts>, name: string) =>
  set.charts.find((c) => c.name === name);
const series = (rows: Row[], run: string, field = 'value') =>
  rows.filter((r) => r.run === run).map((r) => r[field]);

describe('fleet charts', () => {
  const set = buildCharts(one);
  const label = one[0]!.label;

  it('draws every chart for a Q-learning run, in order, with nothing skipped', () => {
    expect(set.charts.map((c) => c.name)).toEqual([
      'sleeping-pms',
      'active-pms',
      'node-sleep-counts',
      'migrations',
      'migrations-cumulative',
      'energy',
      'energy-cumulative',
      'sla',
      'reward-means',
      'phi-in',
      'reward-histogram',
      'reward-boxplot',
    ]);
    expect(set.notes).toEqual([]);
    for (const c of set.charts) {
      expect(JSON.stringify(c.spec)).toContain(JSON.stringify(c.title));
      expect(c.caption.length).toBeGreaterThan(20);
    }
  });

  it('plots steps.csv sleeping_pms, active_pms and lower_bound as they are', () => {
    const steps = csvColumn(join(SMALL, 'steps.csv'), 'step');
    const sleeping = valuesOf(chart(set, 'sleeping-pms'));
    expect(series(sleeping, label, 'step')).toEqual(steps);
    expect(series(sleeping, label)).toEqual(csvColumn(join(SMALL, 'steps.csv'), 'sleeping_pms'));
    const active = valuesOf(chart(set, 'active-pms'));
    const of = (s: string) => active.filter((r) => r.series === s).map((r) => r.pms);
    expect(of('active PMs')).toEqual(csvColumn(join(SMALL, 'steps.csv'), 'active_pms'));
    expect(of('lower bound')).toEqual(csvColumn(join(SMALL, 'steps.csv'), 'lower_bound'));
    expect(JSON.stringify(chart(set, 'active-pms')!.spec)).toMatch(/"range":\[\[1,0\],\[6,4\]\]/);
  });

  it('accumulates migrations and energy to the summary totals', () => {
    const summary = JSON.parse(readFileSync(join(SMALL, 'summary.json'), 'utf8'));
    const perStep = csvColumn(join(SMALL, 'steps.csv'), 'migrations');
    expect(series(valuesOf(chart(set, 'migrations')), label)).toEqual(perStep);
    const cum = series(valuesOf(chart(set, 'migrations-cumulative')), label) as number[];
    expect(cum.at(-1)).toBe(summary.migrations);
    expect(cum.every((v, i) => i === 0 || v - cum[i - 1]! === perStep[i])).toBe(true);
    const energy = series(valuesOf(chart(set, 'energy-cumulative')), label) as number[];
    expect(energy.at(-1)).toBeCloseTo(summary.energyKWh, 9);
    expect(series(valuesOf(chart(set, 'energy')), label)).toEqual(
      csvColumn(join(SMALL, 'steps.csv'), 'energy_kwh'),
    );
  });

  it('plots SLATAH and PDM per step', () => {
    const sla = valuesOf(chart(set, 'sla'));
    expect(series(sla, label, 'slatah')).toEqual(csvColumn(join(SMALL, 'steps.csv'), 'slatah'));
    expect(series(sla, label, 'pdm')).toEqual(csvColumn(join(SMALL, 'steps.csv'), 'pdm'));
  });

  it('shows a run legend only when there are several runs', () => {
    const legend = (s: ReturnType<typeof buildCharts>) =>
      (chart(s, 'sleeping-pms')!.spec as { encoding: { color: { legend: unknown } } }).encoding
        .color.legend;
    expect(legend(set)).toBeNull();
    const overlay = buildCharts(two);
    expect(legend(overlay)).toMatchObject({ title: 'run' });
    const rows = valuesOf(chart(overlay, 'sleeping-pms'));
    expect(new Set(rows.map((r) => r.run))).toEqual(new Set(['qlearning s3', 'qlearning s4']));
    expect(series(rows, 'qlearning s4')).toEqual(
      csvColumn(join(SMALL_B, 'steps.csv'), 'sleeping_pms'),
    );
  });
});

describe('per-node sleep counts', () => {
  it('draws one bar per PM, most sleeps first, for small fleets', () => {
    const c = chart(buildCharts(one), 'node-sleep-counts')!;
    const rows = valuesOf(c);
    const counts = csvColumn(join(SMALL, 'nodes.csv'), 'sleep_count');
    const nodes = csvColumn(join(SMALL, 'nodes.csv'), 'node');
    expect(rows).toHaveLength(12);
    expect(rows.map((r) => r.sleep_count)).toEqual([...counts].sort((a, b) => b - a));
    for (const r of rows) expect(r.sleep_count).toBe(counts[nodes.indexOf(r.node as number)]);
    expect((c.spec as { mark: { type: string } }).mark.type).toBe('bar');
  });

  it('facets several runs in rows with their own sorted PM axis', () => {
    const spec = chart(buildCharts(two), 'node-sleep-counts')!.spec;
    expect(spec).toMatchObject({
      facet: { row: { field: 'run', sort: ['qlearning s3', 'qlearning s4'] } },
      resolve: { scale: { x: 'independent' } },
    });
  });

  const fleet = (n: number, sleeps: (i: number) => number): LabelledRun => ({
    ...one[0]!,
    nodes: Array.from(
      { length: n },
      (_, i) => ({ ...one[0]!.nodes[0]!, node: i, sleep_count: sleeps(i) }) as NodeRecord,
    ),
  });

  it(`switches to a histogram beyond ${MAX_BARS} PMs`, () => {
    const big = fleet(MAX_BARS + 1, (i) => i % 4);
    const c = chart(buildCharts([big]), 'node-sleep-counts')!;
    expect(valuesOf(c)).toEqual(
      [0, 1, 2, 3].map((k) => ({
        run: big.label,
        from: k,
        to: k,
        bin: `${k}`,
        pms: k === 0 ? 76 : 75,
      })),
    );
    expect(chart(buildCharts([fleet(MAX_BARS, () => 1)]), 'node-sleep-counts')!.spec).toMatchObject(
      { mark: { type: 'bar' }, encoding: { x: { field: 'node' } } },
    );
  });

  it('bins any sleep counts into at most MAX_BINS bins that hold every PM once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(500), { minLength: 1, maxLength: 400 }), {
          minLength: 1,
          maxLength: 3,
        }),
        (fleets) => {
          const runs = fleets.map((counts, r) => ({
            ...fleet(counts.length, (i) => counts[i]!),
            label: `r${r}`,
          }));
          const bins = sleepCountBins(runs);
          fleets.forEach((counts, r) => {
            const mine = bins.filter((b) => b.run === `r${r}`);
            expect(mine.length).toBeLessThanOrEqual(MAX_BINS);
            expect(mine.reduce((a, b) => a + b.pms, 0)).toBe(counts.length);
            for (const b of mine) {
              expect(b.pms).toBe(counts.filter((c) => c >= b.from && c <= b.to).length);
            }
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('learning charts', () => {
  it('plots mean rewards only for steps that had rewards', () => {
    const rows = valuesOf(chart(buildCharts(one), 'reward-means'));
    const outCount = csvColumn(join(SMALL, 'steps.csv'), 'reward_out_count');
    const outMean = csvColumn(join(SMALL, 'steps.csv'), 'reward_out_mean');
    const senders = rows.filter((r) => r.role === 'senders (φout)');
    expect(senders.map((r) => r.step)).toEqual(outCount.flatMap((c, i) => (c > 0 ? [i] : [])));
    expect(senders.map((r) => r.reward)).toEqual(outMean.filter((_, i) => outCount[i]! > 0));
    const inCount = csvColumn(join(SMALL, 'steps.csv'), 'reward_in_count');
    expect(rows.filter((r) => r.role === 'recipients (φin)')).toHaveLength(
      inCount.filter((c) => c > 0).length,
    );
  });

  it('puts every reward of rewards.csv in the histogram and box plot', () => {
    const set = buildCharts(one);
    const rewards = csvColumn(join(SMALL, 'rewards.csv'), 'reward');
    for (const name of ['reward-histogram', 'reward-boxplot']) {
      expect(valuesOf(chart(set, name)).map((r) => r.reward)).toEqual(rewards);
    }
  });

  it('skips the reward charts, with notes, when no run has rewards', () => {
    const quiet = one.map((r) => ({
      ...r,
      rewards: [],
      steps: r.steps.map((s) => ({ ...s, reward_out_count: 0, reward_in_count: 0 })),
    }));
    const set = buildCharts(quiet);
    expect(set.charts.map((c) => c.name)).not.toContain('reward-means');
    expect(set.charts.map((c) => c.name)).not.toContain('reward-histogram');
    expect(set.notes.map((n) => n.chart)).toEqual([
      'reward-means',
      'reward-histogram',
      'reward-boxplot',
    ]);
  });

  it('maps the chosen node’s φin signs to accept / reject / never updated', () => {
    const run = one[0]!;
    const index = run.qtables!.nodes;
    // Index 1 is a node that received a VM in the fixture, so its φin has a positive entry.
    const node = index[1]!;
    const spec = chart(buildCharts(one, { node }), 'phi-in')!.spec as {
      concat: { title: { text: string }; layer: { data: { values: Row[] } }[] }[];
    };
    expect(spec.concat).toHaveLength(1);
    expect(spec.concat[0]!.title.text).toBe(`qlearning s3 · node ${node}`);
    const cells = spec.concat[0]!.layer[0]!.data.values;
    const raw = readFileSync(join(SMALL, 'qtables/phiIn.f32'));
    const q = (s: number, a: number) => raw.readFloatLE((1 * PAIRS * PAIRS + s * PAIRS + a) * 4);
    let accepts = 0;
    for (const c of cells) {
      for (let a = c.from as number; a < (c.to as number); a++) {
        const v = q(c.state as number, a);
        expect(c.decision).toBe(
          v > 0 ? DECISIONS.accept : v < 0 ? DECISIONS.reject : DECISIONS.unvisited,
        );
        if (v > 0) accepts++;
      }
    }
    let positive = 0;
    for (let i = 0; i < PAIRS * PAIRS; i++) if (q(Math.floor(i / PAIRS), i % PAIRS) > 0) positive++;
    expect(positive).toBeGreaterThan(0);
    expect(accepts).toBe(positive);
  });

  it('run-length cells tile each 81-wide row exactly once', () => {
    const decision = (v: number) =>
      v > 0 ? DECISIONS.accept : v < 0 ? DECISIONS.reject : DECISIONS.unvisited;
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(-1.5, 0, 2), {
          minLength: PAIRS * PAIRS,
          maxLength: PAIRS * PAIRS,
        }),
        (signs) => {
          const q = Float32Array.from(signs);
          const cells = phiInCells(q);
          // Paint the cells back into a table: every cell once, in row order, no gaps, and
          // neighbours in a row differ (else they would have been one cell).
          const painted: string[] = [];
          const bad = cells.filter((c, i) => {
            const prev = cells[i - 1];
            const ok =
              c.stateEnd === c.state + 1 &&
              c.from === painted.length - c.state * PAIRS &&
              c.to > c.from &&
              c.to <= PAIRS &&
              !(prev?.state === c.state && prev.decision === c.decision);
            for (let a = c.from; a < c.to; a++) painted.push(c.decision);
            return !ok;
          });
          expect(bad).toEqual([]);
          expect(painted).toEqual(signs.map(decision));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('skips the heat map of a run without Q-tables with a note, and rejects an unknown --node', () => {
    const none = { ...one[0]!, label: 'none s3', qtables: null };
    const set = buildCharts([one[0]!, none]);
    expect(set.notes).toEqual([
      { chart: 'phi-in', note: expect.stringMatching(/^none s3: no saved φin table/) },
    ]);
    const spec = chart(set, 'phi-in')!.spec as { concat: unknown[] };
    expect(spec.concat).toHaveLength(1);
    const alone = buildCharts([none]);
    expect(alone.charts.map((c) => c.name)).not.toContain('phi-in');
    expect(() => buildCharts(one, { node: 4242 })).toThrow(UserError);
  });
});

describe('the events timeline', () => {
  it('draws active PMs, VMs down, migrations and SLATAH from steps.csv, with the schedule as rules; absent without events', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qossip-events-plot-'));
    const events = join(dir, 'events.json');
    writeFileSync(
      events,
      JSON.stringify([
        { kind: 'crash', step: 10, pms: { rack: { first: 0, count: 6 } }, returnStep: 20 },
        { kind: 'controller-outage', step: 5, untilStep: 8 },
        { kind: 'drain', step: 12, pms: { ids: [15] } },
      ]),
    );
    const out = join(dir, 'run');
    const r = runScript(
      'experiments/experiment.ts',
      ...['--pms', '20', '--steps', '30', '--events', events, '--out', out, '--quiet'],
    );
    expect(r.stderr).toBe('');
    const set = buildCharts(labelRuns([loadRun(out)]));
    const c = chart(set, 'events')!;
    const spec = c.spec as unknown as {
      vconcat: { layer: { data: { values: Row[] } }[] }[];
    };
    const [pms, down] = spec.vconcat;
    const lines = pms!.layer[0]!.data.values;
    const label = lines[0]!.run;
    expect(
      series(
        lines.filter((x) => x.panel === 'VMs down'),
        label as string,
      ),
    ).toEqual(csvColumn(join(out, 'steps.csv'), 'down_vms'));
    expect(
      series(
        lines.filter((x) => x.panel === 'active PMs'),
        label as string,
      ),
    ).toEqual(csvColumn(join(out, 'steps.csv'), 'active_pms'));
    for (const [panel, column] of [
      ['migrations', 'migrations'],
      ['SLATAH', 'slatah'],
    ] as const)
      expect(
        series(
          lines.filter((x) => x.panel === panel),
          label as string,
        ),
      ).toEqual(csvColumn(join(out, 'steps.csv'), column));
    expect(spec.vconcat).toHaveLength(4);
    expect(csvColumn(join(out, 'steps.csv'), 'down_vms')[10]).toBeGreaterThan(0);
    expect(down!.layer[1]!.data.values).toEqual([
      { step: 5, event: 'controller down' },
      { step: 8, event: 'controller back' },
      { step: 10, event: 'crash' },
      { step: 12, event: 'drain' },
      { step: 20, event: 'return' },
    ]);
    expect(chart(buildCharts(one), 'events')).toBeUndefined();
  });
});
