/**
 * Time as a parameter (xstate's Clock): code that waits on the outside world takes a `Clock`,
 * so nothing but this module touches the real timers. `Arrivals` is the one waiting primitive:
 * producers call `notify()` when something arrives; a consumer waits `until` a condition holds or
 * a deadline passes.
 */

export interface Clock {
  /** Milliseconds since an arbitrary origin. */
  now(): number;
  /** Calls `fn` after `ms` milliseconds; returns a cancel function. */
  schedule(ms: number, fn: () => void): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  schedule(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export class Arrivals {
  private wake: (() => void) | null = null;

  constructor(private readonly clock: Clock = realClock) {}

  /** Something arrived: re-check the condition being waited for. */
  notify(): void {
    this.wake?.();
  }

  /**
   * Resolves with `get()`'s first non-null value, re-checked at each arrival (and at least every
   * `pollMs`); rejects with `onTimeout()` after `timeoutMs`. `get` may throw to abort the wait.
   */
  async until<T>(
    get: () => T | null,
    timeoutMs: number,
    onTimeout: () => Error,
    pollMs = 500,
  ): Promise<T> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      const v = get();
      if (v !== null) return v;
      const left = deadline - this.clock.now();
      if (left <= 0) throw onTimeout();
      await new Promise<void>((resolve) => {
        const cancel = this.clock.schedule(Math.min(left, pollMs), resolve);
        this.wake = () => {
          cancel();
          resolve();
        };
      });
      this.wake = null;
    }
  }
}
