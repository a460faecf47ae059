/**
 * What the Kafka transport accepts, without a broker: every record must be signed with the run's
 * secret by the process hosting the node it speaks for, and a barrier takes from each process
 * exactly the records its announcement vouches for. Forged, usurped, extra and far-future records
 * are counted and never delivered; copies are dropped without counting; too many records for
 * barriers not begun stop the run with one sentence.
 */
import { describe, expect, it } from 'vitest';
import {
  processesOnFakeKafka,
  type TestEv as Ev,
  type TestMsg as Msg,
} from '../../helpers/kafka-fakes.ts';
import { RecordAuth } from '../../../src/transport/kafka/record-auth.ts';

const SECRET = Buffer.alloc(32, 5);
/** Nodes 0–1 in the driver (process 0), 2–3 in process 1. */
const hostOf = Int32Array.from([0, 0, 1, 1]);
const senders = ['p0', 'p1'];

/** Two processes on a fake Kafka that delivers each record at once, plus what was published. */
function pair(maxFutureRecords?: number) {
  const invalid: number[] = [];
  const fake = processesOnFakeKafka(SECRET, senders, hostOf, (p) => ({
    ...(maxFutureRecords === undefined ? {} : { maxFutureRecords }),
    ...(p === 0 ? { onEvents: (_e: Ev[], n: number) => void invalid.push(n) } : {}),
  }));
  return { ...fake, invalid };
}

const msg = (from: number, to: number, seq = 1): Msg => ({ from, to, seq, body: 7 });
const inbox = (b: number, m: Msg) => JSON.stringify({ b, m });

describe('records the Kafka transport accepts', () => {
  it('drops and counts forged, usurped, extra and far-future records; drops copies silently', async () => {
    const { ts, auths, deliver, published, invalid } = pair();
    for (const t of ts) await t.start();
    const node0 = 'qossip.t.node.0';
    const forger = new RecordAuth(Buffer.alloc(32, 6), 'p1');
    // Before barrier 1: a record with no signature, one signed with another secret, one that
    // process 1 signs for node 1 (hosted by process 0), one for a barrier no process can reach.
    deliver({ topic: node0, value: inbox(1, msg(2, 0)) });
    deliver({ topic: node0, value: forger.seal(node0, inbox(1, msg(2, 0))) });
    deliver({ topic: node0, value: auths[1]!.seal(node0, inbox(1, msg(1, 0))) });
    deliver({ topic: node0, value: auths[1]!.seal(node0, inbox(9, msg(2, 0))) });
    // Barrier 1: process 1 sends one real message to node 0.
    ts[1]!.send(msg(3, 0, 4));
    const phase = Promise.all(ts.map((t) => t.nextPhase()));
    // An authentic record of barrier 1 that its announcement does not vouch for.
    deliver({ topic: node0, value: auths[1]!.seal(node0, inbox(1, msg(2, 0, 9))) });
    expect(await phase).toEqual([1, 1]);
    expect(ts[0]!.inbox(0)).toEqual([msg(3, 0, 4)]);
    // Copies of barrier 1's records, read again after it closed: dropped, not counted.
    for (const r of published.filter((r) => r.topic === node0)) deliver(r);
    await Promise.all(ts.map((t) => t.nextPhase()));
    expect(ts[0]!.inbox(0)).toEqual([]);
    // Barrier 1's announcements count the four refused before it; barrier 2's the extra one.
    expect(invalid).toEqual([4, 1]);
  });

  it('a process that sends more than it announced stops the barrier with one sentence', async () => {
    const { ts, auths, deliver } = pair();
    await ts[0]!.start();
    const node0 = 'qossip.t.node.0';
    // Process 1 vouches for two records (one message to process 0, one event) but sends two
    // messages to process 0.
    deliver({ topic: node0, value: auths[1]!.seal(node0, inbox(1, msg(2, 0, 1))) });
    deliver({ topic: node0, value: auths[1]!.seal(node0, inbox(1, msg(2, 0, 2))) });
    const control = 'qossip.t.control';
    const ann = { k: 'phase', b: 1, p: 1, sent: [1, 0], events: 1, invalid: 0 };
    deliver({ topic: control, value: auths[1]!.seal(control, JSON.stringify(ann)) });
    await expect(ts[0]!.nextPhase()).rejects.toThrow(
      'process 1 sent 2 messages for barrier 1 over Kafka but announced 1',
    );
  });

  it('too many records for barriers not begun stop the run with one sentence', async () => {
    const { ts, auths, deliver } = pair(2);
    await ts[0]!.start();
    const node0 = 'qossip.t.node.0';
    for (let i = 1; i <= 3; i++)
      deliver({ topic: node0, value: auths[1]!.seal(node0, inbox(1, msg(2, 0, i))) });
    await expect(ts[0]!.nextPhase()).rejects.toThrow(
      'more than 2 records arrived over Kafka for barriers not begun yet (barrier 1 from process 1)',
    );
  });
});
