/**
 * The experiment's console summary: one table of the run's figures and the line naming the run
 * directory's files. Colour (the table's grey borders) only on a terminal and never with NO_COLOR
 * set (https://no-color.org), so piped output carries no escape codes.
 */
import Table from 'cli-table3';
import type { Summary } from '../src/metrics/collector.ts';
import type { ExperimentConfig } from './config.ts';
import { policyKind } from './profiles.ts';

/** Whether `stream` may carry ANSI colour codes. */
export function colourAllowed(stream: NodeJS.WriteStream, env = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** "1 VM", "2 VMs". */
export const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

export function summaryTable(
  s: Summary,
  c: ExperimentConfig,
  seconds: number,
  colour: boolean,
): string {
  const pct = (x: number) => `${(100 * x).toFixed(3)} %`;
  const t = new Table({
    head: ['metric', 'value'],
    // The library's own colour sniffing (TERM, CI, …) would overrule colourAllowed; borders are
    // greyed below instead, so the caller's decision is the only one.
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  const kind = policyKind(c.policy);
  t.push(
    [
      'workload',
      `${c.workload} · ${plural(c.pms, 'PM')} · ${plural(s.vms, 'VM')} · ${plural(s.steps, 'step')} × ${plural(c.roundsPerStep, 'round')}`,
    ],
    [
      'policy',
      `${c.policy} (${kind === 'gossip' ? '' : `${kind}, `}seed ${c.seed})` +
        (c.profile === 'default' ? '' : ` · profile ${c.profile}`),
    ],
    ['energy', `${s.energyKWh.toFixed(2)} kWh`],
    [
      'active PMs (mean)',
      `${s.activePmsMean.toFixed(1)} = ${s.activeToLowerBound.toFixed(3)} × lower bound ${s.lowerBoundMean.toFixed(1)}`,
    ],
    ['sleeping PMs', `mean ${s.sleepingPmsMean.toFixed(1)}, at end ${s.sleepingPmsFinal}`],
    ['migrations', `${s.migrations}`],
    ['sleeps / wakes', `${s.sleeps} / ${s.wakes}`],
    ['SLATAH', pct(s.slatah)],
    ['PDM', pct(s.pdm)],
    ['SLAV', s.slav.toExponential(3)],
    ['ESV', s.esv.toExponential(3)],
    ['messages', `${s.messages} (${plural(s.exchanges, 'exchange')})`],
  );
  // Malformed messages only arrive over Kafka; a row of zeros would only be noise.
  if (s.invalidMessages > 0) t.push(['invalid messages', `${s.invalidMessages} (dropped)`]);
  const life = s.lifecycle;
  if (life) {
    t.push([
      'VMs down (events)',
      `${life.vmDowntimeHours.toFixed(2)} VM-hours, ${plural(life.restarts, 'restart')}, ${life.vmsDownAtEnd} down at end`,
    ]);
    if (life.vmArrivals + life.vmDepartures > 0)
      t.push(['VMs in and out', `${life.vmArrivals} arrived, ${life.vmDepartures} ended`]);
    for (const d of life.drains) {
      const slowest =
        d.slowestSteps === null ? '' : `, the last after ${plural(d.slowestSteps, 'step')}`;
      t.push([
        `drain at step ${d.step}`,
        `${d.left} of ${plural(d.pms, 'PM')} emptied and left${slowest}`,
      ]);
    }
    for (const l of life.hostLosses ?? [])
      t.push([
        `host lost at barrier ${l.barrier}`,
        `PMs ${l.firstPm}–${l.lastPm}, in step ${l.step}; replayed by {"kind":"host-loss","barrier":${l.barrier},"pms":{"rack":{"first":${l.firstPm},"count":${l.lastPm - l.firstPm + 1}}}}`,
      ]);
    for (const e of life.crashes) {
      const rec =
        e.recoverySteps === null
          ? 'not recovered'
          : `recovered in ${plural(e.recoverySteps, 'step')}`;
      t.push([
        `crash at step ${e.step}`,
        `${plural(e.pms, 'PM')}, ${rec}; hour after: ${plural(e.migrationsHourAfter, 'migration')}, SLATAH ${pct(e.slatahHourAfter)}`,
      ]);
    }
  }
  t.push(['wall time', `${seconds.toFixed(2)} s (simulation)`]);
  const text = t.toString();
  return colour ? text.replace(/[┌┐└┘├┤┬┴┼─│]+/g, (b) => `${GREY}${b}${RESET}`) : text;
}

const GREY = '\x1b[90m';
const RESET = '\x1b[39m';

/** "results in DIR/: config.json, …", naming exactly the files written. */
export function resultsLine(dir: string, files: readonly string[]): string {
  return `results in ${dir}/: ${files.join(', ')}`;
}
