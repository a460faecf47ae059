/**
 * The one step loop of a run (PeerSim's cdsim Simulator), shared by the experiment process and
 * the node host: for each step, the step's demand (or the wait for it), the agents' step start,
 * the controller hook of centralised policies, `roundsPerStep` gossip rounds, the step's
 * measurement; between steps, a stop request; after a complete run, the conservation check;
 * always, last, `finish`. A user-facing failure mid-run (Kafka unreachable, a node host gone)
 * ends the run early with its message, so nothing computed is lost; anything else is a bug and
 * propagates.
 */
import { UserError } from '../core/errors.ts';
import type { RoundStats } from './cycle-engine.ts';

/** What the driver needs of an engine (CycleEngine). */
export interface SteppedEngine {
  startStep(step: number): void;
  runRound(): Promise<RoundStats>;
}

export interface RunDriverHooks {
  /**
   * Before step `step`'s rounds: set (or wait for) its demand. Returning false ends the run
   * here, not truncated (a node host whose driver ended the run).
   */
  beginStep(step: number): boolean | Promise<boolean>;
  /** After the agents read the step's demand, before the rounds: a centralised controller acts. */
  controller?(step: number): void;
  /** After every round, with its statistics. */
  afterRound?(stats: RoundStats): void;
  /** After the step's rounds, before it is measured: e.g. a barrier of the process's own. */
  afterRounds?(step: number): Promise<void>;
  /** After the step's rounds: measure it. */
  endStep?(step: number): void;
  /**
   * Polled before every step: true ends the run early (the result is marked truncated). The
   * caller may yield to its event loop here first (an in-memory run never waits for I/O, so a
   * signal handler would otherwise not run before the end).
   */
  shouldStop?(): boolean | Promise<boolean>;
  /** After a complete run (no failure): the invariants, e.g. every VM owned exactly once. */
  check?(): void;
  /**
   * Always, last, with the message of the failure that ended the run, if any (a bug's too, so
   * that other processes hear of it before it propagates): release what the run holds.
   */
  finish?(error: string | undefined): Promise<void>;
}

export interface RunOutcome {
  /** Steps completed. */
  steps: number;
  /** True when a stop request or a failure ended the run before its last step. */
  truncated: boolean;
  /** The failure that ended the run early, as one sentence; absent otherwise. */
  error?: string;
}

export class RunDriver {
  constructor(
    private readonly engine: SteppedEngine,
    private readonly steps: number,
    private readonly roundsPerStep: number,
  ) {}

  async run(hooks: RunDriverHooks): Promise<RunOutcome> {
    let done = 0;
    let truncated = false;
    let error: string | undefined;
    let crash: string | undefined;
    try {
      for (let step = 0; step < this.steps; step++) {
        if (await hooks.shouldStop?.()) {
          truncated = true;
          break;
        }
        if (!(await hooks.beginStep(step))) break;
        this.engine.startStep(step);
        hooks.controller?.(step);
        for (let r = 0; r < this.roundsPerStep; r++) {
          const stats = await this.engine.runRound();
          hooks.afterRound?.(stats);
        }
        await hooks.afterRounds?.(step);
        hooks.endStep?.(step);
        done++;
      }
    } catch (e) {
      if (!(e instanceof UserError)) {
        crash = e instanceof Error ? e.message : String(e);
        throw e;
      }
      truncated = true;
      error = e.message;
    } finally {
      await hooks.finish?.(error ?? crash);
    }
    if (error === undefined) hooks.check?.();
    return { steps: done, truncated, ...(error === undefined ? {} : { error }) };
  }
}
