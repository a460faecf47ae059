/**
 * Ctrl-C (SIGINT) and kill (SIGTERM) for the experiment CLI. During set-up nothing has been
 * written yet, so a signal exits at once. Once the run has started, the first signal only asks it
 * to stop after the current step, so that every result file is still written (summary.json says
 * `"truncated": true`); a second signal exits at once. Before any exit, whatever changed the
 * terminal (a progress bar turns line wrap off with ESC[?7l) is restored. Exit codes are the
 * shell's 128 + signal number: 130 for SIGINT, 143 for SIGTERM.
 */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

export class Interrupts {
  /** The first signal received, or null. */
  received: StopSignal | null = null;
  private running = false;
  private readonly restorers = new Set<() => void>();
  private readonly handlers = new Map<StopSignal, () => void>();

  constructor() {
    for (const sig of Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]) {
      const h = () => this.onSignal(sig);
      this.handlers.set(sig, h);
      process.on(sig, h);
    }
  }

  /** From now on the first signal only asks the run to stop (see `received`). */
  runStarted(): void {
    this.running = true;
  }

  /** `restore` runs before an immediate exit (e.g. stopping a progress bar); returns its removal. */
  beforeExit(restore: () => void): () => void {
    this.restorers.add(restore);
    return () => this.restorers.delete(restore);
  }

  /** Stops listening: signals get their default behaviour again. */
  dispose(): void {
    for (const [sig, h] of this.handlers) process.off(sig, h);
    this.handlers.clear();
  }

  private onSignal(sig: StopSignal): void {
    if (this.running && this.received === null) {
      this.received = sig;
      return;
    }
    for (const r of this.restorers) r();
    const what = this.running
      ? `interrupted again (${sig}); exiting without finishing the result files`
      : `interrupted (${sig}) during set-up; nothing was written`;
    process.stderr.write(`\nqossip: ${what}\n`);
    process.exit(SIGNAL_EXIT_CODES[this.received ?? sig]);
  }
}
