/**
 * Per-node sleep counts (nodes.csv sleep_count: how many times each PM went to sleep). Up to
 * `MAX_BARS` PMs per run: one bar per PM, sorted by sleep count, one panel per run. Beyond that a
 * histogram (PMs per sleep-count bin), binned here so its data is exactly what is drawn.
 */
import { HEIGHT, runColor, top, WIDTH, type Chart } from './chart-kit.ts';
import type { LabelledRun } from './run-data.ts';

/** Most PMs per run drawn as individual bars. */
export const MAX_BARS = 300;
/** Most bins of the histogram. */
export const MAX_BINS = 30;

const TITLE = 'Sleep count per PM';

export function nodeSleepCountsChart(runs: readonly LabelledRun[]): Chart {
  const most = Math.max(...runs.map((r) => r.nodes.length));
  return most <= MAX_BARS ? sortedBars(runs) : histogram(runs);
}

/** Nodes of each run, most sleeps first (ties: lower id first). */
export function sortedSleepCounts(run: LabelledRun): { node: number; sleep_count: number }[] {
  return run.nodes
    .map((n) => ({ node: n.node, sleep_count: n.sleep_count }))
    .sort((a, b) => b.sleep_count - a.sleep_count || a.node - b.node);
}

function sortedBars(runs: readonly LabelledRun[]): Chart {
  const values = runs.flatMap((r) => sortedSleepCounts(r).map((n) => ({ run: r.label, ...n })));
  const most = Math.max(...runs.map((r) => r.nodes.length));
  const body = {
    width: Math.max(WIDTH, Math.min(most * 6, 1200)),
    height: runs.length > 1 ? HEIGHT * 0.7 : HEIGHT,
    mark: { type: 'bar' },
    encoding: {
      // Data order is the sort order: most sleeps first.
      x: {
        field: 'node',
        type: 'ordinal',
        sort: null,
        title: 'PM id (sorted by sleep count)',
        axis: { labelAngle: -90, labelFontSize: most > 60 ? 9 : 11, labelOverlap: 'parity' },
      },
      y: {
        field: 'sleep_count',
        type: 'quantitative',
        title: 'sleep count (times asleep)',
        axis: { tickMinStep: 1, format: 'd' },
      },
      color: { ...runColor(runs), legend: null },
    },
  };
  return {
    name: 'node-sleep-counts',
    title: TITLE,
    caption:
      'How many times each PM went to sleep (nodes.csv sleep_count), most first. A few PMs sleeping many times means the fleet keeps waking and emptying the same machines.',
    spec: top(
      TITLE,
      'one bar per PM, most sleeps first',
      runs.length === 1
        ? { data: { values }, ...body }
        : {
            data: { values },
            facet: {
              row: {
                field: 'run',
                type: 'nominal',
                title: null,
                sort: runs.map((r) => r.label),
                header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start' },
              },
            },
            spec: body,
            resolve: { scale: { x: 'independent' } },
          },
    ),
  };
}

export interface SleepBin {
  run: string;
  /** Lowest sleep count in the bin. */
  from: number;
  /** Highest sleep count in the bin. */
  to: number;
  bin: string;
  pms: number;
}

/** PMs per sleep-count bin, for every run over the same integer bins. */
export function sleepCountBins(runs: readonly LabelledRun[]): SleepBin[] {
  const max = Math.max(0, ...runs.flatMap((r) => r.nodes.map((n) => n.sleep_count)));
  const width = Math.max(1, Math.ceil((max + 1) / MAX_BINS));
  const bins = Math.floor(max / width) + 1;
  return runs.flatMap((r) => {
    const counts = new Array<number>(bins).fill(0);
    for (const n of r.nodes) counts[Math.floor(n.sleep_count / width)]! += 1;
    return counts.map((pms, k) => {
      const from = k * width;
      const to = from + width - 1;
      return { run: r.label, from, to, bin: width === 1 ? `${from}` : `${from}–${to}`, pms };
    });
  });
}

function histogram(runs: readonly LabelledRun[]): Chart {
  return {
    name: 'node-sleep-counts',
    title: TITLE,
    caption:
      'How many PMs went to sleep how many times (nodes.csv sleep_count), as a histogram because the fleet is too large for one bar per PM.',
    spec: top(TITLE, `histogram: more than ${MAX_BARS} PMs`, {
      width: WIDTH,
      height: HEIGHT,
      data: { values: sleepCountBins(runs) },
      mark: { type: 'bar' },
      encoding: {
        x: {
          field: 'bin',
          type: 'ordinal',
          sort: { field: 'from' },
          title: 'sleep count (times asleep)',
          axis: { labelAngle: 0, labelOverlap: 'parity' },
        },
        xOffset: { field: 'run', type: 'nominal', sort: runs.map((r) => r.label) },
        y: { field: 'pms', type: 'quantitative', title: 'PMs (count)' },
        color: runColor(runs),
      },
    }),
  };
}
