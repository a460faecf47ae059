/**
 * The edge's retry loop on a simulated clock: a failing operation is retried with back-off and
 * given up when its budget is spent, never later, even when an attempt hangs; refusals and
 * confirmed unknown topics fail on the first attempt; a transient failure is retried through.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../../src/engine/clock.ts';
import { retryWithinBudget } from '../../../../src/transport/kafka/edge-retry.ts';
import {
  KafkaRefusedError,
  KafkaUnavailableError,
} from '../../../../src/transport/kafka/kafka-errors.ts';

/** A clock whose timers fire as soon as nothing else is pending, jumping time forward. */
class SimulatedClock implements Clock {
  t = 0;
  stopped = false;
  private timers: { at: number; fn: () => void }[] = [];
  constructor() {
    const tick = () => {
      const next = this.timers.sort((a, b) => a.at - b.at).shift();
      if (next) {
        this.t = Math.max(this.t, next.at);
        next.fn();
      }
      if (!this.stopped) setImmediate(tick);
    };
    setImmediate(tick);
  }
  now = () => this.t;
  schedule(ms: number, fn: () => void) {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return () => void (this.timers = this.timers.filter((x) => x !== timer));
  }
}

const protocolError = (type: string) =>
  Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type });

async function timed<T>(
  budgetMs: number,
  fn: () => Promise<T>,
  goneTopics?: () => Promise<string[]>,
) {
  const clock = new SimulatedClock();
  try {
    const r = await retryWithinBudget('cannot publish to Kafka', fn, {
      clock,
      budgetMs,
      ...(goneTopics ? { goneTopics } : {}),
    }).then(
      (value) => ({ value, error: undefined }),
      (error: Error) => ({ value: undefined, error }),
    );
    return { ...r, elapsedMs: clock.t };
  } finally {
    clock.stopped = true;
  }
}

describe('retryWithinBudget', () => {
  it('gives up a failing operation when the budget is spent, not later, naming it and the last reason', async () => {
    let attempts = 0;
    const r = await timed(60_000, async () => {
      attempts++;
      throw Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
        name: 'KafkaJSConnectionError',
      });
    });
    expect(r.error).toBeInstanceOf(KafkaUnavailableError);
    expect(r.error!.message).toBe(
      'cannot publish to Kafka within 60 s (Connection error: connect ECONNREFUSED)',
    );
    expect(r.elapsedMs).toBe(60_000);
    // Back-off 50, 100, … 2000 ms: about 36 attempts in 60 s, not a busy loop.
    expect(attempts).toBeGreaterThan(30);
    expect(attempts).toBeLessThan(40);
  });

  it('abandons an attempt that hangs at the deadline', async () => {
    const r = await timed(5000, () => new Promise<never>(() => {}));
    expect(r.error!.message).toBe('cannot publish to Kafka within 5 s (no answer)');
    expect(r.elapsedMs).toBe(5000);
  });

  it('retries a transient failure through', async () => {
    let attempts = 0;
    const r = await timed(60_000, async () => {
      if (++attempts < 4) throw protocolError('NOT_LEADER_FOR_PARTITION');
      return 'sent';
    });
    expect(r.value).toBe('sent');
    expect(r.elapsedMs).toBe(50 + 100 + 200);
  });

  it('fails at once on a refusal: too large, not authorised', async () => {
    for (const type of ['MESSAGE_TOO_LARGE', 'TOPIC_AUTHORIZATION_FAILED']) {
      let attempts = 0;
      const r = await timed(60_000, async () => {
        attempts++;
        throw protocolError(type);
      });
      expect(r.error).toBeInstanceOf(KafkaRefusedError);
      expect(attempts).toBe(1);
      expect(r.elapsedMs).toBe(0);
    }
  });

  it('an unknown topic: at once when a listing confirms it is gone, else retried (metadata may lag)', async () => {
    const gone = await timed(
      60_000,
      () => Promise.reject(protocolError('UNKNOWN_TOPIC_OR_PARTITION')),
      async () => ['qossip.r.node.7'],
    );
    expect(gone.error!.message).toBe(
      'cannot publish to Kafka: topic qossip.r.node.7 does not exist (deleted while the run used it?)',
    );
    expect(gone.elapsedMs).toBe(0);
    let attempts = 0;
    const lagging = await timed(
      60_000,
      async () => {
        if (++attempts < 3) throw protocolError('UNKNOWN_TOPIC_OR_PARTITION');
        return 'sent';
      },
      async () => [],
    );
    expect(lagging.value).toBe('sent');
  });

  it('a bug in the operation is not retried and not dressed up', async () => {
    const r = await timed(60_000, () => Promise.reject(new TypeError('x is undefined')));
    expect(r.error).toBeInstanceOf(TypeError);
  });
});
