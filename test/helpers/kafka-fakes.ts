/**
 * What the broker-less Kafka transport tests share: their message and event, a clock, a codec,
 * and a fake Kafka.
 */
import type { Clock } from '../../src/engine/clock.ts';
import type { KafkaIo, KafkaRecord } from '../../src/transport/kafka/kafka-io.ts';
import {
  TransportKafka,
  type TransportKafkaOptions,
} from '../../src/transport/kafka/transport-kafka.ts';
import { RecordAuth } from '../../src/transport/kafka/record-auth.ts';
import { decodeControl, type ControlRecord } from '../../nodes/run-control.ts';

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

/** A fake Kafka that delivers each record at once to every consumer of its topic; what was published. */
export function instantKafka() {
  const consumers: { topics: Set<string>; onRecord: (t: string, v: string) => void }[] = [];
  const published: KafkaRecord[] = [];
  const deliver = (r: KafkaRecord) => {
    for (const c of consumers) if (c.topics.has(r.topic)) c.onRecord(r.topic, r.value);
  };
  const io = {
    async send(records: readonly KafkaRecord[]) {
      for (const r of records) {
        published.push(r);
        deliver(r);
      }
    },
    async consume(topics: readonly string[], onRecord: (t: string, v: string) => void) {
      consumers.push({ topics: new Set(topics), onRecord });
    },
  } as unknown as KafkaIo;
  return { io, deliver, published };
}

/**
 * One Kafka transport per sender (process p hosts the nodes `hostOf` gives it) on the fake Kafka
 * `io`, with the run's `secret`; `options(p)` adds to or overrides each one's options.
 */
export function transportsOn(
  io: KafkaIo,
  secret: Buffer,
  senders: readonly string[],
  hostOf: Int32Array,
  options: (p: number) => Partial<TransportKafkaOptions<TestMsg, TestEv, ControlRecord>>,
) {
  const auths = senders.map((s) => new RecordAuth(secret, s));
  const ts = senders.map(
    (_, p) =>
      new TransportKafka<TestMsg, TestEv, ControlRecord>({
        io,
        auth: auths[p]!,
        senders,
        prefix: 'qossip.t',
        process: p,
        processCount: senders.length,
        hostOf,
        messageCodec: passCodec<TestMsg>(),
        eventCodec: passCodec<TestEv>(),
        decodeControl,
        barrierTimeoutMs: 30_000,
        clock: stillClock,
        ...options(p),
      }),
  );
  return { ts, auths };
}

/** `transportsOn` an instant fake Kafka (`instantKafka`). */
export function processesOnFakeKafka(
  secret: Buffer,
  senders: readonly string[],
  hostOf: Int32Array,
  options: (p: number) => Partial<TransportKafkaOptions<TestMsg, TestEv, ControlRecord>>,
) {
  const kafka = instantKafka();
  return { ...transportsOn(kafka.io, secret, senders, hostOf, options), ...kafka };
}
