/**
 * What every chart shares: the `Chart` record (a Vega-Lite spec whose data is inline in
 * `data.values`, so tests can compare it with the CSV), sizes, fonts and the run colour encoding.
 * Chart builders are pure functions from loaded runs to these records.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { LabelledRun } from './run-data.ts';

export interface Chart {
  /** File stem under plots/, e.g. `sleeping-pms`. */
  name: string;
  title: string;
  /** One or two sentences on how to read the chart, shown under it in the report. */
  caption: string;
  spec: TopLevelSpec;
}

/** A chart that could not be drawn for some runs, or at all, and why (shown in the report). */
export interface ChartNote {
  chart: string;
  note: string;
}

export interface ChartSet {
  charts: Chart[];
  notes: ChartNote[];
}

/** Plot area of a single panel, px (the SVG adds axes, title and legend around it). */
export const WIDTH = 640;
export const HEIGHT = 240;

/** A step lasts 300 s (README: "a step is 300 s"). */
export const STEP_TITLE = 'step (300 s each)';

/** The step axis of every time-series panel: from the first to the last step, no padding. */
export const STEP_X = {
  field: 'step',
  type: 'quantitative',
  title: STEP_TITLE,
  scale: { nice: false },
  axis: { tickMinStep: 1 },
} as const;

/** Fonts resvg and browsers both have: DejaVu Sans on Debian, any sans-serif elsewhere. */
export const FONT = 'DejaVu Sans, Verdana, sans-serif';

export const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 12,
  title: { fontSize: 16, anchor: 'start', subtitleFontSize: 12, subtitleColor: '#444' },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', labelColor: '#222' },
  legend: {
    labelFontSize: 12,
    titleFontSize: 12,
    labelLimit: 320,
    symbolStrokeWidth: 2.5,
    symbolSize: 240,
  },
  header: { labelFontSize: 13, titleFontSize: 13, labelFontWeight: 'bold' },
  view: { stroke: '#ccc' },
} as const;

/** A colour per run, in the order given; the legend shows only when there are several runs. */
export function runColor(runs: readonly LabelledRun[]) {
  return {
    field: 'run',
    type: 'nominal',
    scale: { domain: runs.map((r) => r.label) },
    legend: runs.length > 1 ? { title: 'run', orient: 'right' } : null,
  } as const;
}

/** Wraps a chart body with the shared config, title and schema. */
export function top(title: string, subtitle: string | undefined, body: object): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: subtitle === undefined ? { text: title } : { text: title, subtitle },
    config: CONFIG,
    ...body,
  } as TopLevelSpec;
}

/** Running sum of `values`. */
export function cumulative(values: readonly number[]): number[] {
  let s = 0;
  return values.map((v) => (s += v));
}
