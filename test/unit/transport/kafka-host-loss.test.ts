/**
 * `--tolerate-host-loss` without a broker: three processes on a fake Kafka, one of which stops
 * at barrier 2 after publishing part of it. At the barrier's deadline the driver declares it
 * lost; the survivors close the barrier without it and without what it had sent, count its later
 * records as invalid, and it stops with one sentence if it was only slow. Without the option the
 * deadline stops the run, naming the silent host; a loss of a barrier already closed is refused.
 */
import { describe, expect, it } from 'vitest';
import { TransportKafka } from '../../../src/transport/kafka/transport-kafka.ts';
import { BarrierLedger } from '../../../src/transport/kafka/barrier-ledger.ts';
import type { Clock } from '../../../src/engine/clock.ts';
import {
  processesOnFakeKafka,
  type TestEv as Ev,
  type TestMsg as Msg,
} from '../../helpers/kafka-fakes.ts';
import type { ControlRecord } from '../../../nodes/run-control.ts';

const SECRET = Buffer.alloc(32, 9);
/** Node i in process i. */
const hostOf = Int32Array.from([0, 1, 2]);
const senders = ['p0', 'p1', 'p2'];

/** A clock the test moves forward by hand. */
function handClock() {
  let t = 0;
  let timers: { at: number; fn: () => void }[] = [];
  const clock: Clock = {
    now: () => t,
    schedule(ms, fn) {
      const timer = { at: t + ms, fn };
      timers.push(timer);
      return () => (timers = timers.filter((x) => x !== timer));
    },
  };
  const settle = () => new Promise((r) => setImmediate(r));
  /** Lets the waiters reach their timers, moves time on, and fires the timers due. */
  const advance = async (ms: number) => {
    await settle();
    t += ms;
    const due = timers.filter((x) => x.at <= t);
    timers = timers.filter((x) => x.at > t);
    for (const x of due) x.fn();
    await settle();
  };
  return { clock, advance };
}

function trio(tolerateHostLoss: boolean) {
  const { clock, advance } = handClock();
  const lost: string[] = [];
  const { ts, auths, deliver } = processesOnFakeKafka(SECRET, senders, hostOf, (p) => ({
    barrierTimeoutMs: 1000,
    clock,
    describeProcess: (q) => (q === 0 ? 'the driver' : `node host ${q}`),
    tolerateHostLoss,
    onLost: (q, b) => void lost.push(`${p} heard ${q} lost at ${b}`),
  }));
  return { ts, auths, deliver, advance, lost };
}

const msg = (from: number, to: number, seq = 1): Msg => ({ from, to, seq, body: 7 });

describe('a node host lost over Kafka', () => {
  it('is declared lost at the deadline; the others go on without it and drop what it sent', async () => {
    const { ts, auths, deliver, advance, lost } = trio(true);
    const [driver, host1, host2] = ts as [
      TransportKafka<Msg, Ev, ControlRecord>,
      TransportKafka<Msg, Ev, ControlRecord>,
      TransportKafka<Msg, Ev, ControlRecord>,
    ];
    for (const t of ts) await t.start();
    // Barrier 1: everyone.
    host2.send(msg(2, 0));
    expect(await Promise.all(ts.map((t) => t.nextPhase()))).toEqual([1, 1, 1]);
    expect(driver.inbox(0)).toEqual([msg(2, 0)]);
    // Barrier 2: host 2 gets one message out (to node 1), never its announcement, and stops.
    const node1 = 'qossip.t.node.1';
    deliver({
      topic: node1,
      value: auths[2]!.seal(node1, JSON.stringify({ b: 2, m: msg(2, 1, 2) })),
    });
    driver.send(msg(0, 1, 2));
    const b2 = [driver.nextPhase(), host1.nextPhase()];
    await advance(999);
    expect(lost).toEqual([]);
    await advance(2);
    expect(await Promise.all(b2)).toEqual([1, 1]);
    expect(host1.inbox(1)).toEqual([msg(0, 1, 2)]); // host 2's message is not delivered
    // Every process hears it, the lost one too.
    expect(lost).toEqual(['0 heard 2 lost at 2', '1 heard 2 lost at 2', '2 heard 2 lost at 2']);
    // Barrier 3 does not wait for it; a late record of its own is counted invalid.
    deliver({
      topic: node1,
      value: auths[2]!.seal(node1, JSON.stringify({ b: 3, m: msg(2, 1, 3) })),
    });
    expect(await Promise.all([driver.nextPhase(), host1.nextPhase()])).toEqual([0, 0]);
    // Host 2 was only slow: it heard of its loss and stops with one sentence.
    await expect(host2.nextPhase()).rejects.toThrow(
      "the driver declared this node host lost at barrier 2: it missed the barrier's deadline",
    );
  });

  it('without --tolerate-host-loss the deadline stops the run, naming the silent host', async () => {
    const { ts, advance, lost } = trio(false);
    for (const t of ts) await t.start();
    await Promise.all(ts.map((t) => t.nextPhase()));
    const stalled = expect(ts[0]!.nextPhase()).rejects.toThrow(
      'no word from node host 2 at barrier 2 within 1 s over Kafka',
    );
    void ts[1]!.nextPhase().catch(() => {});
    await advance(1001);
    await stalled;
    expect(lost).toEqual([]);
  });

  it('a loss declared for a barrier this process has closed is refused: it kept that host’s records', () => {
    const ledger = new BarrierLedger<Msg, Ev>(2, 0, 100, (p) => `node host ${p}`);
    ledger.begin(1);
    for (const p of [0, 1]) ledger.announce(1, { p, sent: [0, 0], events: 0, invalid: 0 }, 1);
    expect(ledger.ready(1, false)).toBe(true);
    ledger.close(1);
    expect(() => ledger.markLost(1, 1)).toThrow(
      'node host 1 was declared lost at barrier 1 over Kafka, which this process had already closed with its records',
    );
    ledger.markLost(1, 2);
    ledger.begin(2);
    ledger.announce(2, { p: 0, sent: [0, 0], events: 0, invalid: 0 }, 2);
    expect(ledger.ready(2, false)).toBe(true);
    expect(ledger.silent(2)).toEqual([]);
  });
});
