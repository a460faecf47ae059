/** What the broker-less Kafka transport tests share: their message and event, a clock, a codec. */
import type { Clock } from '../../src/engine/clock.ts';

export interface TestMsg {
  from: number;
  to: number;
  seq: number;
  body: number;
}

export interface TestEv {
  node: number;
  seq: number;
}

/** A clock that never fires: only arrivals wake a waiting barrier (no timeouts in these tests). */
export const stillClock: Clock = { now: () => 0, schedule: () => () => {} };

/** A codec that passes values through (the schemas are tested elsewhere). */
export const passCodec = <T>() => ({
  encode: (x: T): unknown => x,
  decode: (raw: unknown) => raw as T,
});
