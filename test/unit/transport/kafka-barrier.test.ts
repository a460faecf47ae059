/**
 * The Kafka transport's barrier, the asynchronous edge of a run, without a broker: processes
 * share a fake Kafka whose every record delivery is a task that fast-check's scheduler runs in
 * any order (some twice, as after a re-sent batch). Whatever the interleaving, each phase ends
 * with every process holding exactly the messages sent to its nodes, in canonical order, and the
 * driver holding every event in (node, seq) order, and nothing is delivered twice.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { KafkaIo, KafkaRecord } from '../../../src/transport/kafka/kafka-io.ts';
import { transportsOn, type TestEv as Ev, type TestMsg as Msg } from '../../helpers/kafka-fakes.ts';

const SECRET = Buffer.alloc(32, 3);

/** A fake Kafka: records reach each consumer of their topic as scheduled tasks. */
function fakeKafka(s: fc.Scheduler, duplicate: (i: number) => boolean) {
  const consumers: { topics: Set<string>; onRecord: (t: string, v: string) => void }[] = [];
  let sent = 0;
  const io = {
    async send(records: readonly KafkaRecord[]) {
      for (const r of records) {
        const copies = duplicate(sent++) ? 2 : 1;
        for (const c of consumers)
          if (c.topics.has(r.topic))
            for (let k = 0; k < copies; k++)
              void s.schedule(Promise.resolve(), r.topic).then(() => c.onRecord(r.topic, r.value));
      }
    },
    async consume(topics: readonly string[], onRecord: (t: string, v: string) => void) {
      consumers.push({ topics: new Set(topics), onRecord });
    },
  } as unknown as KafkaIo;
  return io;
}

describe('Kafka barrier under any delivery order (fc.scheduler)', () => {
  it('delivers each phase exactly once, in canonical order, whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 2, max: 3 }),
        fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { maxLength: 12 }), // messages (from, to) of phase 1
        fc.array(fc.nat(5), { maxLength: 6 }), // nodes emitting an event
        fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }), // which records arrive twice
        fc.constantFrom('node' as const, 'partitioned' as const), // topic layout
        async (s, processes, sends, events, dup, layout) => {
          const nodes = 6;
          const hostOf = Int32Array.from({ length: nodes }, (_, n) => n % processes);
          const io = fakeKafka(s, (i) => dup[i % dup.length]!);
          let driverEvents: Ev[] = [];
          const { ts } = transportsOn(
            io,
            SECRET,
            Array.from({ length: processes }, (_, q) => `p${q}`),
            hostOf,
            (p) => ({
              layout,
              ...(p === 0 ? { onEvents: (e: Ev[]) => void (driverEvents = e) } : {}),
            }),
          );
          for (const t of ts) await t.start();
          const seqs = new Array<number>(nodes).fill(0);
          const expected: Msg[] = sends.map(([from, to]) => ({
            from,
            to,
            seq: ++seqs[from]!,
            body: from * 100 + to,
          }));
          for (const m of expected) ts[hostOf[m.from]!]!.send(m);
          const evs: Ev[] = events.map((node) => ({ node, seq: ++seqs[node]! }));
          for (const e of evs) ts[hostOf[e.node]!]!.emit(e);

          const totals = await s.waitFor(Promise.all(ts.map((t) => t.nextPhase())));

          expect(totals).toEqual(ts.map(() => expected.length));
          for (let n = 0; n < nodes; n++) {
            const want = expected
              .filter((m) => m.to === n)
              .sort((a, b) => a.from - b.from || a.seq - b.seq);
            expect(ts[hostOf[n]!]!.inbox(n), `inbox of node ${n}`).toEqual(want);
          }
          expect(driverEvents).toEqual([...evs].sort((a, b) => a.node - b.node || a.seq - b.seq));
          // The next phase starts empty: late duplicates of the last one are ignored.
          const next = await s.waitFor(Promise.all(ts.map((t) => t.nextPhase())));
          expect(next).toEqual(ts.map(() => 0));
        },
      ),
      { numRuns: 150 },
    );
  });
});
