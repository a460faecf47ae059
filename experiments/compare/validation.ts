/**
 * Validation of the `cloudsim` profile against CloudSim 3.0.3 itself: for every heuristic that
 * CloudSim ran on PlanetLab 20110303 (its figures are data in cloudsim-reference/20110303.json,
 * made by `npm run cloudsim:reference`), our median over seeds against CloudSim's, metric by
 * metric, with the relative error and whether it is within the bar: energy 5 %,
 * migrations 10 %, SLATAH 15 %.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Table from 'cli-table3';
import type { Summary } from '../../src/metrics/collector.ts';
import type { ExperimentConfig } from '../config.ts';
import type { PolicyResult } from './report.ts';
import { spread } from './stats.ts';

export const REFERENCE_FILE = join(import.meta.dirname, 'cloudsim-reference', '20110303.json');

/** The setup CloudSim ran: PlanetLab 20110303, 800 hosts, all 1052 VMs, 288 steps. */
const SETUP = { hosts: 800, vms: 1052, steps: 288 };

/** Relative-error bars of issue 10: |ours − CloudSim| / CloudSim at most this. */
export const TOLERANCE = { energyKWh: 0.05, migrations: 0.1, slatah: 0.15 } as const;

const METRICS = [
  'energyKWh',
  'migrations',
  'slatah',
  'pdm',
  'slav',
  'esv',
  'hostShutdowns',
] as const;
type MetricKey = (typeof METRICS)[number];

export interface ReferenceFigures extends Record<MetricKey, number> {
  runner: string;
  runs?: Record<MetricKey, number>[];
}

export interface ValidationRow {
  policy: string;
  cloudsim: Record<MetricKey, number>;
  ours: Record<MetricKey, number>;
  /** (ours − CloudSim) / CloudSim per metric (0 when both are 0). */
  relativeError: Record<MetricKey, number>;
  /** Energy, migrations and SLATAH all within TOLERANCE. */
  within: boolean;
}

export function readReference(path = REFERENCE_FILE): Record<string, ReferenceFigures> {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as {
    heuristics: Record<string, ReferenceFigures>;
  };
  return doc.heuristics;
}

/** Whether a run is CloudSim's benchmark setup, so that its figures compare. */
export function isBenchmarkSetup(config: ExperimentConfig, vms: number): boolean {
  const day = basename(config.workload.replace(/[\\/]+$/, ''));
  return (
    config.profile === 'cloudsim' &&
    config.workload.startsWith('planetlab:') &&
    day === '20110303' &&
    config.pms === SETUP.hosts &&
    vms === SETUP.vms &&
    config.steps >= SETUP.steps &&
    // CloudSim ran the day as it was: a run with events is not that benchmark.
    config.lifecycle === undefined
  );
}

const relative = (a: number, b: number) => (b === 0 ? (a === 0 ? 0 : Infinity) : (a - b) / b);

/** One row per policy that CloudSim ran; empty when none did. */
export function validationRows(
  results: readonly PolicyResult[],
  reference: Record<string, ReferenceFigures> = readReference(),
): ValidationRow[] {
  const rows: ValidationRow[] = [];
  for (const r of results) {
    const ref = reference[r.policy];
    if (!ref) continue;
    const median = (k: MetricKey) =>
      spread(r.runs.map((x) => (x.result.summary as Summary)[k] ?? NaN)).median;
    const ours = Object.fromEntries(METRICS.map((k) => [k, median(k)])) as Record<
      MetricKey,
      number
    >;
    const cloudsim = Object.fromEntries(METRICS.map((k) => [k, ref[k]])) as Record<
      MetricKey,
      number
    >;
    const relativeError = Object.fromEntries(
      METRICS.map((k) => [k, relative(ours[k], cloudsim[k])]),
    ) as Record<MetricKey, number>;
    const within = (Object.keys(TOLERANCE) as (keyof typeof TOLERANCE)[]).every(
      (k) => Math.abs(relativeError[k]) <= TOLERANCE[k],
    );
    rows.push({ policy: r.policy, cloudsim, ours, relativeError, within });
  }
  return rows;
}

const FORMAT: Record<MetricKey, [string, (x: number) => string]> = {
  energyKWh: ['energy kWh', (x) => x.toFixed(2)],
  migrations: ['migrations', (x) => x.toFixed(0)],
  slatah: ['SLATAH %', (x) => (100 * x).toFixed(3)],
  pdm: ['PDM %', (x) => (100 * x).toFixed(4)],
  slav: ['SLAV', (x) => x.toExponential(3)],
  esv: ['ESV', (x) => x.toExponential(3)],
  hostShutdowns: ['host shutdowns', (x) => x.toFixed(0)],
};

function delta(e: number): string {
  if (!Number.isFinite(e)) return 'n/a';
  const pct = 100 * e;
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(2)} %`;
}

/** Three lines per policy: ours, CloudSim's, the relative error; and whether it is within the bar. */
export function validationTable(rows: readonly ValidationRow[]): string {
  const t = new Table({
    head: ['policy', ...METRICS.map((k) => FORMAT[k][0]), 'within 5/10/15 %'],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    t.push([
      `${r.policy}\n  CloudSim\n  Δ`,
      ...METRICS.map((k) => {
        const f = FORMAT[k][1];
        return `${f(r.ours[k])}\n${f(r.cloudsim[k])}\n${delta(r.relativeError[k])}`;
      }),
      r.within ? 'yes' : 'NO',
    ]);
  }
  return t.toString();
}

/** The same as GitHub markdown, one row per policy ("ours / CloudSim (Δ)" per metric). */
export function validationMarkdown(rows: readonly ValidationRow[]): string {
  const head = ['policy', ...METRICS.map((k) => FORMAT[k][0]), 'within 5/10/15 %'];
  const line = (xs: string[]) => `| ${xs.join(' | ')} |`;
  const body = rows.map((r) =>
    line([
      r.policy,
      ...METRICS.map((k) => {
        const f = FORMAT[k][1];
        return `${f(r.ours[k])} / ${f(r.cloudsim[k])} (${delta(r.relativeError[k])})`;
      }),
      r.within ? 'yes' : '**no**',
    ]),
  );
  return [line(head), line(head.map(() => '---')), ...body].join('\n');
}
