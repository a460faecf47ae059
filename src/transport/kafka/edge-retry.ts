/**
 * The one retry loop of qossip (kafkajs' retry/ in spirit, with fast defaults for tests): an
 * operation at the Kafka edge is tried again with exponential back-off until it succeeds or its
 * budget runs out, and the budget holds for the total: an attempt still running at the deadline
 * is abandoned (a late success is harmless, receivers drop duplicates). A refusal that retrying
 * cannot fix fails at once; so does an unknown topic once a listing confirms it is gone.
 */
import type { Clock } from '../../engine/clock.ts';
import { isBug, refusalOf, refused, unavailable } from './kafka-errors.ts';

export interface RetryBudget {
  clock: Clock;
  /** The whole budget, in ms, as error messages name it. */
  budgetMs: number;
  /** When to give up, on `clock`; default: `budgetMs` from now. */
  deadline?: number;
  /** Topics that an unknown-topic error may be about that no longer exist; absent: retry it. */
  goneTopics?: () => Promise<string[]>;
}

/** Longest pause between attempts, in ms, and the first one. */
const MAX_PAUSE_MS = 2000;
const FIRST_PAUSE_MS = 50;

/** Runs `fn` until it succeeds, within the budget; `what` starts the error sentence. */
export async function retryWithinBudget<T>(
  what: string,
  fn: () => Promise<T>,
  o: RetryBudget,
): Promise<T> {
  const { clock, budgetMs } = o;
  const deadline = o.deadline ?? clock.now() + budgetMs;
  let last: unknown;
  for (let attempt = 0; ; attempt++) {
    const left = deadline - clock.now();
    if (left <= 0) throw unavailable(what, budgetMs, last);
    try {
      return await within(clock, fn(), left);
    } catch (e) {
      if (e === TIMED_OUT) throw unavailable(what, budgetMs, last);
      if (isBug(e)) throw e;
      last = e;
      const r = refusalOf(e);
      if (r?.kind === 'unknown-topic') {
        const gone = o.goneTopics ? await o.goneTopics().catch(() => []) : [];
        if (gone.length > 0) throw refused(what, r, e, gone[0]);
      } else if (r) {
        throw refused(what, r, e);
      }
      const pause = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** attempt, deadline - clock.now());
      if (pause > 0) await new Promise<void>((res) => clock.schedule(pause, res));
    }
  }
}

/** The rejection of an attempt that outlived its deadline. */
const TIMED_OUT = Symbol('timed out');

/** `p`, or a rejection with TIMED_OUT after `ms`; a late rejection of `p` is ignored. */
function within<T>(clock: Clock, p: Promise<T>, ms: number): Promise<T> {
  p.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    const cancel = clock.schedule(ms, () => reject(TIMED_OUT));
    p.then(
      (v) => (cancel(), resolve(v)),
      (e: unknown) => (cancel(), reject(e)),
    );
  });
}
