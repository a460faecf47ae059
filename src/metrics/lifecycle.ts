/**
 * What a run with events (src/model/events.ts) reports about them, from its step rows: VM
 * downtime and restarts over the run, and for each crash event how long the fleet took to
 * recover and what the hour after it cost. Pure: rows in, figures out.
 */

/** The step-row fields read here (a LifecycleRow of metrics/collector.ts). */
export interface LifecycleRow {
  step: number;
  activePms: number;
  lowerBound: number;
  migrations: number;
  slatah: number;
  downVms?: number;
  restarts?: number;
  arrivals?: number;
  departures?: number;
}

export interface CrashEventSummary {
  step: number;
  /** PMs that crashed. */
  pms: number;
  returnStep: number | null;
  /**
   * Steps from the crash until every VM runs again and active PMs ÷ lower bound is no more than
   * 5 % above its value at the step before (a crash can leave the fleet packed tighter than
   * before: that counts as recovered); null when that never happened before the run ended (or
   * the crash came at step 0, with no step before it).
   */
  recoverySteps: number | null;
  /** Over the hour from the crash (its step included): migrations, and active-host-weighted SLATAH. */
  migrationsHourAfter: number;
  slatahHourAfter: number;
}

export interface LifecycleSummary {
  /** VM-hours spent down (each down VM counts its steps down, at the step's end). */
  vmDowntimeHours: number;
  /** Down VMs started again on another PM. */
  restarts: number;
  /** VMs that arrived (placed by the scheduler) and VMs that ended, by the schedule. */
  vmArrivals: number;
  vmDepartures: number;
  /** VMs still down when the run ended. */
  vmsDownAtEnd: number;
  /** Messages that reached a crashed PM and were lost. */
  messagesLost: number;
  crashes: CrashEventSummary[];
  /** Drains: PMs named, PMs that left (emptied), and the steps the slowest of them took. */
  drains: { step: number; pms: number; left: number; slowestSteps: number | null }[];
  /**
   * Node hosts lost (over Kafka, or replayed): the barrier and step they were lost at, and
   * their PMs (first to last), which crashed at the next step. Present only when there were any.
   */
  hostLosses?: HostLoss[];
}

export interface HostLoss {
  barrier: number;
  step: number;
  firstPm: number;
  lastPm: number;
}

/** Within this fraction of the ratio before the event counts as recovered. */
const RECOVERED_WITHIN = 0.05;

export function lifecycleSummary(
  rows: readonly LifecycleRow[],
  crashes: readonly { step: number; pms: number; returnStep: number | null }[],
  stepSeconds: number,
  messagesLost: number,
  drains: readonly { step: number; pms: number; stepsToLeave: readonly number[] }[] = [],
  hostLosses: readonly HostLoss[] = [],
): LifecycleSummary {
  const ratio = (r: LifecycleRow) => (r.lowerBound > 0 ? r.activePms / r.lowerBound : 0);
  const index = new Map(rows.map((r, i) => [r.step, i]));
  const hour = Math.max(1, Math.round(3600 / stepSeconds));
  let downSteps = 0;
  let restarts = 0;
  let arrivals = 0;
  let departures = 0;
  for (const r of rows) {
    downSteps += r.downVms ?? 0;
    restarts += r.restarts ?? 0;
    arrivals += r.arrivals ?? 0;
    departures += r.departures ?? 0;
  }
  return {
    vmDowntimeHours: (downSteps * stepSeconds) / 3600,
    restarts,
    vmArrivals: arrivals,
    vmDepartures: departures,
    vmsDownAtEnd: rows.length > 0 ? (rows[rows.length - 1]!.downVms ?? 0) : 0,
    messagesLost,
    drains: drains.map((d) => ({
      step: d.step,
      pms: d.pms,
      left: d.stepsToLeave.length,
      slowestSteps: d.stepsToLeave.length > 0 ? Math.max(...d.stepsToLeave) : null,
    })),
    crashes: crashes.map((e) => {
      const at = index.get(e.step);
      const before = index.get(e.step - 1);
      let recoverySteps: number | null = null;
      let migrations = 0;
      let overloaded = 0;
      let active = 0;
      if (at !== undefined) {
        if (before !== undefined) {
          const r0 = ratio(rows[before]!);
          for (let i = at; i < rows.length; i++) {
            const r = rows[i]!;
            if ((r.downVms ?? 0) === 0 && ratio(r) <= (1 + RECOVERED_WITHIN) * r0) {
              recoverySteps = r.step - e.step;
              break;
            }
          }
        }
        for (let i = at; i < Math.min(rows.length, at + hour); i++) {
          const r = rows[i]!;
          migrations += r.migrations;
          overloaded += r.slatah * r.activePms;
          active += r.activePms;
        }
      }
      return {
        step: e.step,
        pms: e.pms,
        returnStep: e.returnStep,
        recoverySteps,
        migrationsHourAfter: migrations,
        slatahHourAfter: active > 0 ? overloaded / active : 0,
      };
    }),
    ...(hostLosses.length > 0 ? { hostLosses: [...hostLosses] } : {}),
  };
}
