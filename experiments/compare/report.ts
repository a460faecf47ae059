/**
 * Comparison results: per policy, the median and IQR over seeds of each summary metric, as a
 * terminal table, compare.csv (one row per policy) and compare.json (statistics and every run).
 * With the cloudsim profile on PlanetLab 20110303, a validation table sets THR-MMT and LR-MMT
 * against CloudSim 3.0.3's own figures (DESIGN §8).
 */
import Table from 'cli-table3';
import type { Summary } from '../../src/metrics/collector.ts';
import { spread, type Spread } from './stats.ts';
import type { RunResult } from './run-one.ts';

export interface Metric {
  key: string;
  label: string;
  get(r: RunResult): number;
  format(x: number): string;
}

const sum = (k: keyof Summary) => (r: RunResult) => r.summary[k] as number;
const fixed = (d: number) => (x: number) => x.toFixed(d);
const pct = (d: number) => (x: number) => (100 * x).toFixed(d);
const exp = (x: number) => (x === 0 ? '0' : x.toExponential(2));

export const METRICS: readonly Metric[] = [
  { key: 'energyKWh', label: 'energy kWh', get: sum('energyKWh'), format: fixed(1) },
  { key: 'migrations', label: 'migrations', get: sum('migrations'), format: fixed(0) },
  { key: 'slatah', label: 'SLATAH %', get: sum('slatah'), format: pct(2) },
  { key: 'pdm', label: 'PDM %', get: sum('pdm'), format: pct(4) },
  { key: 'slav', label: 'SLAV', get: sum('slav'), format: exp },
  { key: 'esv', label: 'ESV', get: sum('esv'), format: exp },
  { key: 'activePmsMean', label: 'active PMs', get: sum('activePmsMean'), format: fixed(1) },
  { key: 'activeToLowerBound', label: '× LB', get: sum('activeToLowerBound'), format: fixed(3) },
  { key: 'messages', label: 'messages', get: sum('messages'), format: fixed(0) },
  { key: 'wallSeconds', label: 'wall s', get: (r) => r.wallSeconds, format: fixed(2) },
];

/** Runs with events only: the lifecycle figures (src/metrics/lifecycle.ts), worst or summed over crash events. */
const life = (f: (l: NonNullable<Summary['lifecycle']>) => number) => (r: RunResult) =>
  f(r.summary.lifecycle!);
const steps = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '∞');
export const LIFECYCLE_METRICS: readonly Metric[] = [
  {
    key: 'vmDowntimeHours',
    label: 'VM-h down',
    get: life((l) => l.vmDowntimeHours),
    format: fixed(2),
  },
  { key: 'restarts', label: 'restarts', get: life((l) => l.restarts), format: fixed(0) },
  {
    key: 'recoverySteps',
    label: 'recovery steps',
    // The slowest crash event; one never recovered from is ∞.
    get: life((l) => Math.max(0, ...l.crashes.map((e) => e.recoverySteps ?? Infinity))),
    format: steps,
  },
  {
    key: 'migrationsHourAfter',
    label: 'migr. hour after',
    get: life((l) => l.crashes.reduce((n, e) => n + e.migrationsHourAfter, 0)),
    format: fixed(0),
  },
];

/** The metrics of these runs: the lifecycle ones too when PMs crashed or were drained. */
function metricsOfRuns(runs: readonly { result: RunResult }[]): readonly Metric[] {
  const l = runs[0]?.result.summary.lifecycle;
  return l && l.crashes.length + l.drains.length > 0 ? [...METRICS, ...LIFECYCLE_METRICS] : METRICS;
}

const metricsOf = (results: readonly PolicyResult[]) => metricsOfRuns(results[0]?.runs ?? []);

export interface PolicyResult {
  policy: string;
  kind: 'gossip' | 'centralised' | 'reference';
  runs: { seed: number; result: RunResult }[];
  stats: Record<string, Spread>;
}

export function policyResult(
  policy: string,
  kind: PolicyResult['kind'],
  runs: { seed: number; result: RunResult }[],
): PolicyResult {
  const stats: Record<string, Spread> = {};
  for (const m of metricsOfRuns(runs)) stats[m.key] = spread(runs.map((r) => m.get(r.result)));
  return { policy, kind, runs, stats };
}

/** "median (IQR)", or just the median when every seed agrees. */
function cell(m: Metric, s: Spread): string {
  const med = m.format(s.median);
  return s.iqr > 0 ? `${med} (${m.format(s.iqr)})` : med;
}

export function comparisonTable(results: readonly PolicyResult[]): string {
  const metrics = metricsOf(results);
  const t = new Table({
    head: ['policy', 'kind', ...metrics.map((m) => m.label)],
    style: { head: [], border: [] },
  });
  for (const r of results)
    t.push([r.policy, r.kind, ...metrics.map((m) => cell(m, r.stats[m.key]!))]);
  return t.toString();
}

/** The same table as GitHub markdown (for the README). */
export function comparisonMarkdown(results: readonly PolicyResult[]): string {
  const metrics = metricsOf(results);
  const head = ['policy', 'kind', ...metrics.map((m) => m.label)];
  const rows = results.map((r) => [
    r.policy,
    r.kind,
    ...metrics.map((m) => cell(m, r.stats[m.key]!)),
  ]);
  const line = (xs: string[]) => `| ${xs.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function comparisonCsv(results: readonly PolicyResult[]): string {
  const metrics = metricsOf(results);
  const head = ['policy', 'kind', 'seeds'];
  for (const m of metrics) head.push(`${m.key}_median`, `${m.key}_q1`, `${m.key}_q3`);
  const rows = results.map((r) => {
    const row: (string | number)[] = [r.policy, r.kind, r.runs.length];
    for (const m of metrics) {
      const s = r.stats[m.key]!;
      row.push(s.median, s.q1, s.q3);
    }
    return row.join(',');
  });
  return `${[head.join(','), ...rows].join('\n')}\n`;
}
