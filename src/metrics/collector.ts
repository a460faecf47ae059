/**
 * Collects a run's metrics from events (CloudSim Plus listeners): per-step rows, per-node
 * counters (sleep count = transitions to sleep) and the run summary. Fed by the datacenter's
 * step measurements and by the agents' events; it never takes part in a decision.
 */
import type { StepStats } from '../model/datacenter.ts';
import type { LifecycleSummary } from './lifecycle.ts';

export interface StepRow {
  step: number;
  activePms: number;
  sleepingPms: number;
  overloadedPms: number;
  lowerBound: number;
  migrations: number;
  sleeps: number;
  wakes: number;
  energyKWh: number;
  slatah: number;
  pdm: number;
  messages: number;
  /** Mean φout reward of the step; null when the step had none (rewardOutCount 0). */
  rewardOutMean: number | null;
  rewardOutCount: number;
  /** Mean φin reward of the step; null when the step had none (rewardInCount 0). */
  rewardInMean: number | null;
  rewardInCount: number;
  /** Runs with events only: PMs crashed, VMs down at the step's end, VMs restarted in it. */
  downPms?: number;
  downVms?: number;
  restarts?: number;
  arrivals?: number;
  departures?: number;
}

/** One learning reward received by a node (for reward statistics). */
export interface RewardRow {
  step: number;
  node: number;
  role: 'out' | 'in';
  reward: number;
}

export interface NodeRow {
  node: number;
  sleepCount: number;
  wakeCount: number;
  stepsAsleep: number;
  migrationsIn: number;
  migrationsOut: number;
  finalVms: number;
  finalAsleep: boolean;
}

/** Run-level results. Deterministic: no wall-clock figures (those go to timing.json). */
export interface Summary {
  steps: number;
  pms: number;
  vms: number;
  energyKWh: number;
  activePmsMean: number;
  lowerBoundMean: number;
  /** activePmsMean / lowerBoundMean (1 = as few PMs as any packing could use). */
  activeToLowerBound: number;
  sleepingPmsMean: number;
  sleepingPmsFinal: number;
  overloadedPmsMean: number;
  migrations: number;
  sleeps: number;
  wakes: number;
  /** Fraction of active host time spent at 100 % CPU. */
  slatah: number;
  /** Fraction of requested CPU lost to migrations. */
  pdm: number;
  slav: number;
  /** energyKWh × SLAV. */
  esv: number;
  messages: number;
  /** Gossip exchanges started (probes and wakes sent). */
  exchanges: number;
  invalidMessages: number;
  rewardOutMean: number;
  rewardInMean: number;
  /**
   * The `cloudsim` profile only: hosts that went from active (allocated MIPS > 0) to inactive,
   * as CloudSim counts host shutdowns (absent in other runs, whose summary stays as it was).
   */
  hostShutdowns?: number;
  /** Runs with events only (src/metrics/lifecycle.ts). */
  lifecycle?: LifecycleSummary;
}

export class MetricsCollector {
  readonly rows: StepRow[] = [];
  readonly rewards: RewardRow[] = [];
  private readonly sleeps: Int32Array;
  private readonly wakes: Int32Array;
  private readonly stepsAsleep: Int32Array;
  private readonly migIn: Int32Array;
  private readonly migOut: Int32Array;
  private s = freshStep();
  private total = {
    overloadSeconds: 0,
    activeSeconds: 0,
    requested: 0,
    lost: 0,
    invalid: 0,
    exchanges: 0,
    shutdowns: undefined as number | undefined,
  };
  private rewardOut = { sum: 0, n: 0 };
  private rewardIn = { sum: 0, n: 0 };

  constructor(readonly pmCount: number) {
    this.sleeps = new Int32Array(pmCount);
    this.wakes = new Int32Array(pmCount);
    this.stepsAsleep = new Int32Array(pmCount);
    this.migIn = new Int32Array(pmCount);
    this.migOut = new Int32Array(pmCount);
  }

  onMigration(from: number, to: number): void {
    this.migOut[from]!++;
    this.migIn[to]!++;
  }
  onSleep(node: number): void {
    this.sleeps[node]!++;
    this.s.sleeps++;
  }
  onWake(node: number): void {
    this.wakes[node]!++;
    this.s.wakes++;
  }
  onReward(node: number, role: 'out' | 'in', reward: number): void {
    this.rewards.push({ step: this.rows.length, node, role, reward });
    const acc = role === 'out' ? this.s.out : this.s.in;
    acc.sum += reward;
    acc.n++;
  }
  onMessages(count: number): void {
    this.s.messages += count;
  }
  onExchangeStarted(): void {
    this.total.exchanges++;
  }
  onInvalidMessage(): void {
    this.total.invalid++;
  }

  /** Closes a step with the datacenter's measurements and its awake flags. */
  endStep(st: StepStats, awake: Uint8Array): StepRow {
    for (let h = 0; h < this.pmCount; h++) if (awake[h] === 0) this.stepsAsleep[h]!++;
    const t = this.total;
    t.overloadSeconds += st.overloadSeconds;
    t.activeSeconds += st.activeSeconds;
    t.requested += st.cpuRequestedMi;
    t.lost += st.cpuLostMi;
    if (st.hostShutdowns !== undefined) t.shutdowns = (t.shutdowns ?? 0) + st.hostShutdowns;
    const s = this.s;
    this.rewardOut.sum += s.out.sum;
    this.rewardOut.n += s.out.n;
    this.rewardIn.sum += s.in.sum;
    this.rewardIn.n += s.in.n;
    const row: StepRow = {
      step: st.step,
      activePms: st.activePms,
      sleepingPms: st.sleepingPms,
      overloadedPms: st.overloadedPms,
      lowerBound: st.lowerBound,
      migrations: st.migrations,
      sleeps: s.sleeps,
      wakes: s.wakes,
      energyKWh: st.energyKWh,
      slatah: st.activeSeconds > 0 ? st.overloadSeconds / st.activeSeconds : 0,
      pdm: st.cpuRequestedMi > 0 ? st.cpuLostMi / st.cpuRequestedMi : 0,
      messages: s.messages,
      rewardOutMean: s.out.n > 0 ? s.out.sum / s.out.n : null,
      rewardOutCount: s.out.n,
      rewardInMean: s.in.n > 0 ? s.in.sum / s.in.n : null,
      rewardInCount: s.in.n,
      ...(st.lifecycle
        ? {
            downPms: st.lifecycle.downPms,
            downVms: st.lifecycle.downVms,
            restarts: st.lifecycle.restarts,
            arrivals: st.lifecycle.arrivals,
            departures: st.lifecycle.departures,
          }
        : {}),
    };
    this.rows.push(row);
    this.s = freshStep();
    return row;
  }

  nodeRows(finalVms: (node: number) => number, awake: Uint8Array): NodeRow[] {
    return Array.from({ length: this.pmCount }, (_, node) => ({
      node,
      sleepCount: this.sleeps[node]!,
      wakeCount: this.wakes[node]!,
      stepsAsleep: this.stepsAsleep[node]!,
      migrationsIn: this.migIn[node]!,
      migrationsOut: this.migOut[node]!,
      finalVms: finalVms(node),
      finalAsleep: awake[node] === 0,
    }));
  }

  summary(vmCount: number): Summary {
    const rows = this.rows;
    const n = Math.max(1, rows.length);
    const sum = (f: (r: StepRow) => number) => rows.reduce((acc, r) => acc + f(r), 0);
    const activeMean = sum((r) => r.activePms) / n;
    const lbMean = sum((r) => r.lowerBound) / n;
    const t = this.total;
    const slatah = t.activeSeconds > 0 ? t.overloadSeconds / t.activeSeconds : 0;
    const pdm = t.requested > 0 ? t.lost / t.requested : 0;
    const energy = sum((r) => r.energyKWh);
    return {
      steps: rows.length,
      pms: this.pmCount,
      vms: vmCount,
      energyKWh: energy,
      activePmsMean: activeMean,
      lowerBoundMean: lbMean,
      activeToLowerBound: lbMean > 0 ? activeMean / lbMean : 0,
      sleepingPmsMean: sum((r) => r.sleepingPms) / n,
      sleepingPmsFinal: rows.length > 0 ? rows[rows.length - 1]!.sleepingPms : 0,
      overloadedPmsMean: sum((r) => r.overloadedPms) / n,
      migrations: sum((r) => r.migrations),
      sleeps: sum((r) => r.sleeps),
      wakes: sum((r) => r.wakes),
      slatah,
      pdm,
      slav: slatah * pdm,
      esv: energy * slatah * pdm,
      messages: sum((r) => r.messages),
      exchanges: t.exchanges,
      invalidMessages: t.invalid,
      rewardOutMean: this.rewardOut.n > 0 ? this.rewardOut.sum / this.rewardOut.n : 0,
      rewardInMean: this.rewardIn.n > 0 ? this.rewardIn.sum / this.rewardIn.n : 0,
      ...(t.shutdowns === undefined ? {} : { hostShutdowns: t.shutdowns }),
    };
  }
}

function freshStep() {
  return { sleeps: 0, wakes: 0, messages: 0, out: { sum: 0, n: 0 }, in: { sum: 0, n: 0 } };
}
