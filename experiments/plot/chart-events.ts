/**
 * The events timeline of runs with `--events` (README "Events: crashes and outages"): active PMs,
 * VMs down, migrations and SLATAH per step, with each scheduled event drawn as a vertical rule
 * (crash, drain, join, return, controller down, controller back), so that what the fleet did can
 * be read against what happened to it. Runs without events are left out; with none, no chart.
 */
import { HEIGHT, runColor, STEP_X, top, WIDTH, type Chart } from './chart-kit.ts';
import type { LabelledRun } from './run-data.ts';

const RULES = ['crash', 'drain', 'join', 'return', 'controller down', 'controller back'] as const;
const COLOURS = ['#c0392b', '#d35400', '#2980b9', '#27ae60', '#7f8c8d', '#2c3e50'];

/** The panels, top to bottom: steps.csv's column, and the axis title. */
const PANELS = [
  ['active PMs', 'active PMs (count)'],
  ['VMs down', 'VMs down (count)'],
  ['migrations', 'migrations per step'],
  ['SLATAH', 'SLATAH (% of active time)'],
] as const;

/** The scheduled events of `runs`, one rule each (the same step and kind once). */
export function eventRules(runs: readonly LabelledRun[]): { step: number; event: string }[] {
  const seen = new Map<string, { step: number; event: string }>();
  const add = (step: number, event: (typeof RULES)[number]) =>
    seen.set(`${step}:${event}`, { step, event });
  for (const r of runs) {
    for (const e of r.config.lifecycle?.events ?? []) {
      if (e.kind === 'crash' || e.kind === 'drain') {
        add(e.step, e.kind);
        if (e.returnStep !== undefined) add(e.returnStep, 'return');
      } else if (e.kind === 'pm-join') {
        add(e.step, 'join');
      } else if (e.kind === 'controller-outage') {
        add(e.step, 'controller down');
        if (e.untilStep !== undefined) add(e.untilStep, 'controller back');
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.step - b.step || a.event.localeCompare(b.event));
}

export function eventsTimelineChart(runs: readonly LabelledRun[]): Chart | null {
  const withEvents = runs.filter((r) => r.lifecycle !== null);
  if (withEvents.length === 0) return null;
  const values = withEvents.flatMap((r) =>
    r.steps.flatMap((s, i) => [
      { run: r.label, step: s.step, panel: 'active PMs', value: s.active_pms },
      { run: r.label, step: s.step, panel: 'VMs down', value: r.lifecycle![i]!.down_vms },
      { run: r.label, step: s.step, panel: 'migrations', value: s.migrations },
      { run: r.label, step: s.step, panel: 'SLATAH', value: s.slatah },
    ]),
  );
  const rules = eventRules(withEvents);
  const kinds = RULES.filter((k) => rules.some((r) => r.event === k));
  const panel = (name: string, yTitle: string) => ({
    width: WIDTH,
    height: HEIGHT / 3 + 20,
    layer: [
      {
        data: { values },
        transform: [{ filter: { field: 'panel', equal: name } }],
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: STEP_X,
          y: {
            field: 'value',
            type: 'quantitative',
            title: yTitle,
            ...(name === 'SLATAH' ? { axis: { format: '.2~%' } } : {}),
          },
          color: runColor(withEvents),
        },
      },
      {
        data: { values: rules },
        mark: { type: 'rule', strokeWidth: 1.5, strokeDash: [4, 3] },
        encoding: {
          x: { field: 'step', type: 'quantitative' },
          stroke: {
            field: 'event',
            type: 'nominal',
            scale: {
              domain: kinds,
              range: kinds.map((k) => COLOURS[RULES.indexOf(k)]!),
            },
            legend: { title: 'event', orient: 'bottom' },
          },
        },
      },
    ],
  });
  const title = 'Events against the fleet';
  return {
    name: 'events',
    title,
    caption:
      'Active PMs, VMs down, migrations and SLATAH per step (steps.csv active_pms, down_vms, migrations, slatah), with the scheduled events as dashed rules: a crash takes PMs and their VMs down; the VMs are restarted elsewhere; returned PMs come back asleep.',
    spec: top(title, 'dashed rules: the events of --events', {
      resolve: { scale: { color: 'independent', stroke: 'shared' } },
      vconcat: PANELS.map(([name, yTitle]) => panel(name, yTitle)),
    }),
  };
}
