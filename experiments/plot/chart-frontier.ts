/**
 * The energy–migrations frontier of a comparison: one point per policy at its median energy and
 * median migrations over seeds, with bars over the interquartile range on both axes and each
 * seed's run as a faint dot; the learning targets (≤ 140 kWh, < 5,000 migrations) as rules.
 * Pure: compare.json's content in, a Vega-Lite spec out.
 */
import type { TopLevelSpec } from 'vega-lite';
import { spread } from '../compare/stats.ts';
import { top } from './chart-kit.ts';

/** What the chart reads of one policy's entry in compare.json. */
export interface CompareEntry {
  policy: string;
  kind: string;
  runs: { seed: number; summary: { energyKWh: number; migrations: number } }[];
}

export interface FrontierPoint {
  policy: string;
  kind: string;
  energy: number;
  energyQ1: number;
  energyQ3: number;
  migrations: number;
  migrationsQ1: number;
  migrationsQ3: number;
}

/** The learning targets of issue 15 on PlanetLab 20110303 (cloudsim profile). */
export const FRONTIER_TARGETS = { energyKWh: 140, migrations: 5000 };

export function frontierPoints(entries: readonly CompareEntry[]): FrontierPoint[] {
  return entries.map((e) => {
    const en = spread(e.runs.map((r) => r.summary.energyKWh));
    // Log scale: a policy that never migrates sits at 1.
    const mi = spread(e.runs.map((r) => Math.max(1, r.summary.migrations)));
    return {
      policy: e.policy,
      kind: e.kind,
      energy: en.median,
      energyQ1: en.q1,
      energyQ3: en.q3,
      migrations: mi.median,
      migrationsQ1: mi.q1,
      migrationsQ3: mi.q3,
    };
  });
}

export function frontierSpec(entries: readonly CompareEntry[], subtitle: string): TopLevelSpec {
  const points = frontierPoints(entries);
  const seeds = entries.flatMap((e) =>
    e.runs.map((r) => ({
      policy: e.policy,
      seed: r.seed,
      energy: r.summary.energyKWh,
      migrations: Math.max(1, r.summary.migrations),
    })),
  );
  const x = {
    field: 'energy',
    type: 'quantitative',
    title: 'energy, kWh (median)',
    scale: { zero: false },
  };
  const y = {
    field: 'migrations',
    type: 'quantitative',
    title: 'migrations (median, log scale)',
    scale: { type: 'log' },
  };
  const color = { field: 'policy', type: 'nominal', legend: { title: 'policy', orient: 'right' } };
  return top('Energy against migrations', subtitle, {
    width: 560,
    height: 380,
    layer: [
      {
        data: { values: seeds },
        mark: { type: 'point', opacity: 0.35, size: 30 },
        encoding: { x, y, color },
      },
      {
        data: { values: points },
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: { x: { ...x, field: 'energyQ1' }, x2: { field: 'energyQ3' }, y, color },
      },
      {
        data: { values: points },
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: { x, y: { ...y, field: 'migrationsQ1' }, y2: { field: 'migrationsQ3' }, color },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 110 },
        encoding: {
          x,
          y,
          color,
          shape: { field: 'kind', type: 'nominal', legend: { title: 'kind' } },
        },
      },
      {
        data: { values: points },
        mark: { type: 'text', align: 'left', dx: 7, dy: -7, fontSize: 11 },
        encoding: { x, y, text: { field: 'policy' } },
      },
      {
        data: { values: [{ energy: FRONTIER_TARGETS.energyKWh }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#888' },
        encoding: { x: { field: 'energy', type: 'quantitative' } },
      },
      {
        data: { values: [{ migrations: FRONTIER_TARGETS.migrations }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#888' },
        encoding: { y: { field: 'migrations', type: 'quantitative', scale: { type: 'log' } } },
      },
    ],
  });
}
