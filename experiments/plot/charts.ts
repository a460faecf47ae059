/**
 * Chart specs for one or several runs (Vega-Lite, data inline): the fleet over time — sleeping
 * and active PMs against the lower bound, migrations, energy and the SLA terms of Beloglazov &
 * Buyya (2012) — plus `buildCharts`, which assembles every chart of the report in order.
 */
import { cumulative, HEIGHT, runColor, STEP_X, top, WIDTH, type Chart } from './chart-kit.ts';
import type { ChartSet } from './chart-kit.ts';
import { nodeSleepCountsChart } from './charts-nodes.ts';
import { eventsTimelineChart } from './chart-events.ts';
import {
  phiInChart,
  rewardBoxplotChart,
  rewardHistogramChart,
  rewardMeansChart,
} from './charts-learning.ts';
import type { LabelledRun, StepRecord } from './run-data.ts';

export interface ChartOptions {
  /** Node whose φin heat map is drawn; default: the first saved node of each run. */
  node?: number;
}

/** Every chart of the report, in reading order, and notes on the charts skipped. */
export function buildCharts(runs: readonly LabelledRun[], options: ChartOptions = {}): ChartSet {
  const set: ChartSet = {
    charts: [
      sleepingPmsChart(runs),
      activePmsChart(runs),
      nodeSleepCountsChart(runs),
      migrationsChart(runs),
      migrationsCumulativeChart(runs),
      energyChart(runs),
      energyCumulativeChart(runs),
      slaChart(runs),
    ],
    notes: [],
  };
  const events = eventsTimelineChart(runs);
  if (events) set.charts.splice(2, 0, events); // after the fleet's own charts
  for (const part of [
    rewardMeansChart(runs),
    phiInChart(runs, options.node),
    rewardHistogramChart(runs),
    rewardBoxplotChart(runs),
  ]) {
    set.charts.push(...part.charts);
    set.notes.push(...part.notes);
  }
  return set;
}

/** One `{run, step, value}` row per run and step. */
export function stepSeries(
  runs: readonly LabelledRun[],
  f: (steps: readonly StepRecord[]) => number[],
): { run: string; step: number; value: number }[] {
  return runs.flatMap((r) => {
    const values = f(r.steps);
    return r.steps.map((s, i) => ({ run: r.label, step: s.step, value: values[i]! }));
  });
}

function lineChart(
  runs: readonly LabelledRun[],
  c: { name: string; title: string; subtitle?: string; caption: string; yTitle: string },
  f: (steps: readonly StepRecord[]) => number[],
  yFormat?: string,
): Chart {
  return {
    name: c.name,
    title: c.title,
    caption: c.caption,
    spec: top(c.title, c.subtitle, {
      width: WIDTH,
      height: HEIGHT,
      data: { values: stepSeries(runs, f) },
      mark: { type: 'line', interpolate: 'linear', strokeWidth: 2 },
      encoding: {
        x: STEP_X,
        y: {
          field: 'value',
          type: 'quantitative',
          title: c.yTitle,
          ...(yFormat === undefined ? {} : { axis: { format: yFormat } }),
        },
        color: runColor(runs),
      },
    }),
  };
}

/** A steps.csv column that every step has (not the reward means, empty without rewards). */
type CountedColumn = {
  [K in keyof StepRecord]: StepRecord[K] extends number ? K : never;
}[keyof StepRecord];
const column = (k: CountedColumn) => (steps: readonly StepRecord[]) => steps.map((s) => s[k]);

export const sleepingPmsChart = (runs: readonly LabelledRun[]): Chart =>
  lineChart(
    runs,
    {
      name: 'sleeping-pms',
      title: 'Sleeping PMs per step',
      subtitle: 'higher is better: only sleeping PMs save power',
      caption:
        'PMs asleep at the end of each step (steps.csv sleeping_pms). Higher is better: only sleeping PMs save power.',
      yTitle: 'sleeping PMs (count)',
    },
    column('sleeping_pms'),
  );

export function activePmsChart(runs: readonly LabelledRun[]): Chart {
  const values = runs.flatMap((r) =>
    r.steps.flatMap((s) => [
      { run: r.label, step: s.step, series: 'active PMs', pms: s.active_pms },
      { run: r.label, step: s.step, series: 'lower bound', pms: s.lower_bound },
    ]),
  );
  const title = 'Active PMs per step';
  return {
    name: 'active-pms',
    title,
    caption:
      'PMs awake at the end of each step (solid) against the lower bound (dashed): the fewest PMs that could hold the demand if VMs could be split. The gap is the room left for consolidation.',
    spec: top(title, 'dashed: lower bound (fewest PMs that could hold the demand)', {
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: {
        x: STEP_X,
        y: { field: 'pms', type: 'quantitative', title: 'PMs (count)' },
        color: runColor(runs),
        strokeDash: {
          field: 'series',
          type: 'nominal',
          scale: {
            domain: ['active PMs', 'lower bound'],
            range: [
              [1, 0],
              [6, 4],
            ],
          },
          legend: { title: null, orient: 'bottom' },
        },
        detail: { field: 'run' },
      },
    }),
  };
}

export const migrationsChart = (runs: readonly LabelledRun[]): Chart =>
  lineChart(
    runs,
    {
      name: 'migrations',
      title: 'Migrations per step',
      subtitle: 'VM migrations committed during each step',
      caption: 'VM migrations committed in each step (steps.csv migrations).',
      yTitle: 'migrations (count per step)',
    },
    column('migrations'),
  );

export const migrationsCumulativeChart = (runs: readonly LabelledRun[]): Chart =>
  lineChart(
    runs,
    {
      name: 'migrations-cumulative',
      title: 'Cumulative migrations',
      caption: 'VM migrations since the start of the run; a flat line means the placement settled.',
      yTitle: 'migrations (count since step 0)',
    },
    (steps) => cumulative(steps.map((s) => s.migrations)),
  );

export const energyChart = (runs: readonly LabelledRun[]): Chart =>
  lineChart(
    runs,
    {
      name: 'energy',
      title: 'Energy per step',
      caption:
        'Energy drawn by the fleet in each 300 s step (steps.csv energy_kwh); it follows the workload and the number of awake PMs.',
      yTitle: 'energy (kWh per step)',
    },
    column('energy_kwh'),
  );

export const energyCumulativeChart = (runs: readonly LabelledRun[]): Chart =>
  lineChart(
    runs,
    {
      name: 'energy-cumulative',
      title: 'Cumulative energy',
      caption: "Energy since the start of the run; the last point is summary.json's energyKWh.",
      yTitle: 'energy (kWh since step 0)',
    },
    (steps) => cumulative(steps.map((s) => s.energy_kwh)),
  );

/** SLATAH and PDM per step, as two panels sharing the step axis. */
export function slaChart(runs: readonly LabelledRun[]): Chart {
  const values = runs.flatMap((r) =>
    r.steps.map((s) => ({ run: r.label, step: s.step, slatah: s.slatah, pdm: s.pdm })),
  );
  const panel = (field: 'slatah' | 'pdm', yTitle: string) => ({
    width: WIDTH,
    height: HEIGHT / 2 + 30,
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: STEP_X,
      y: { field, type: 'quantitative', title: yTitle, axis: { format: '.2~%' } },
      color: runColor(runs),
    },
  });
  const title = 'SLA violation terms per step';
  return {
    name: 'sla',
    title,
    caption:
      'SLATAH: share of active host time spent at 100 % CPU. PDM: share of requested CPU lost to migrations. Lower is better; SLAV = SLATAH × PDM over the whole run.',
    spec: top(title, 'SLATAH (overloaded host time) and PDM (CPU lost to migrations)', {
      data: { values },
      vconcat: [
        panel('slatah', 'SLATAH (% of active time)'),
        panel('pdm', 'PDM (% of requested CPU)'),
      ],
    }),
  };
}
