/**
 * CSV rendering of result rows (csv-stringify). Column names are snake_case and documented in the
 * README; numbers are written with enough digits to round-trip and without locale formatting.
 */
import { stringify } from 'csv-stringify/sync';
import type { NodeRow, RewardRow, StepRow } from './collector.ts';

/** A mean of no samples is an empty cell: 0 would read as a real mean of zero. */
const meanCell = (x: number | null) => (x === null ? '' : x);

export const STEP_COLUMNS: readonly [string, (r: StepRow) => number | string][] = [
  ['step', (r) => r.step],
  ['active_pms', (r) => r.activePms],
  ['sleeping_pms', (r) => r.sleepingPms],
  ['overloaded_pms', (r) => r.overloadedPms],
  ['lower_bound', (r) => r.lowerBound],
  ['migrations', (r) => r.migrations],
  ['sleeps', (r) => r.sleeps],
  ['wakes', (r) => r.wakes],
  ['energy_kwh', (r) => r.energyKWh],
  ['slatah', (r) => r.slatah],
  ['pdm', (r) => r.pdm],
  ['messages', (r) => r.messages],
  ['reward_out_mean', (r) => meanCell(r.rewardOutMean)],
  ['reward_out_count', (r) => r.rewardOutCount],
  ['reward_in_mean', (r) => meanCell(r.rewardInMean)],
  ['reward_in_count', (r) => r.rewardInCount],
];

/** Runs with events only (src/model/events.ts). */
export const LIFECYCLE_COLUMNS: readonly [string, (r: StepRow) => number | string][] = [
  ['down_pms', (r) => r.downPms ?? 0],
  ['down_vms', (r) => r.downVms ?? 0],
  ['restarts', (r) => r.restarts ?? 0],
  ['vm_arrivals', (r) => r.arrivals ?? 0],
  ['vm_departures', (r) => r.departures ?? 0],
];

export const NODE_COLUMNS: readonly [string, (r: NodeRow) => number][] = [
  ['node', (r) => r.node],
  ['sleep_count', (r) => r.sleepCount],
  ['wake_count', (r) => r.wakeCount],
  ['steps_asleep', (r) => r.stepsAsleep],
  ['migrations_in', (r) => r.migrationsIn],
  ['migrations_out', (r) => r.migrationsOut],
  ['final_vms', (r) => r.finalVms],
  ['final_asleep', (r) => (r.finalAsleep ? 1 : 0)],
];

export const REWARD_COLUMNS: readonly [string, (r: RewardRow) => number | string][] = [
  ['step', (r) => r.step],
  ['node', (r) => r.node],
  ['role', (r) => r.role],
  ['reward', (r) => r.reward],
];

function toCsv<R>(
  rows: readonly R[],
  columns: readonly [string, (r: R) => number | string][],
): string {
  return stringify(
    rows.map((r) => columns.map(([, f]) => f(r))),
    { header: true, columns: columns.map(([name]) => name) },
  );
}

export const stepsCsv = (rows: readonly StepRow[]) =>
  toCsv(
    rows,
    rows[0]?.downPms === undefined ? STEP_COLUMNS : [...STEP_COLUMNS, ...LIFECYCLE_COLUMNS],
  );
export const nodesCsv = (rows: readonly NodeRow[]) => toCsv(rows, NODE_COLUMNS);
export const rewardsCsv = (rows: readonly RewardRow[]) => toCsv(rows, REWARD_COLUMNS);
