/**
 * The Transport conformance suite: every transport (in-memory, fault wrapper with faults off,
 * Kafka when a broker is up) must pass it. `make` returns a fresh transport for `nodes` nodes.
 */
import { expect, it } from 'vitest';
import type { Transport } from '../../../src/transport/transport.ts';

interface TestMsg {
  from: number;
  to: number;
  seq: number;
  body: string;
}

export function transportConformance(
  make: (nodes: number) => Promise<Transport<TestMsg>> | Transport<TestMsg>,
): void {
  const msg = (from: number, to: number, seq: number, body = `${from}:${seq}`): TestMsg => ({
    from,
    to,
    seq,
    body,
  });

  it('delivers what was sent in the previous phase, and only then', async () => {
    const t = await make(3);
    try {
      t.send(msg(0, 1, 1));
      expect(t.inbox(1)).toEqual([]);
      expect(await t.nextPhase()).toBe(1);
      expect(t.recipients()).toEqual([1]);
      expect(t.inbox(1).map((m) => m.body)).toEqual(['0:1']);
      // sent during this phase: next phase
      t.send(msg(1, 2, 1));
      expect(t.inbox(2)).toEqual([]);
      expect(await t.nextPhase()).toBe(1);
      expect(t.inbox(1)).toEqual([]);
      expect(t.inbox(2).map((m) => m.body)).toEqual(['1:1']);
      expect(await t.nextPhase()).toBe(0);
      expect(t.pending()).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('orders each inbox by (sender id, sequence number), whatever the send order', async () => {
    const t = await make(4);
    try {
      t.send(msg(3, 0, 9));
      t.send(msg(1, 0, 7));
      t.send(msg(3, 0, 2));
      t.send(msg(2, 1, 1));
      t.send(msg(1, 0, 3));
      expect(t.pending()).toBe(true);
      expect(await t.nextPhase()).toBe(5);
      expect(t.recipients()).toEqual([0, 1]);
      expect(t.inbox(0).map((m) => m.body)).toEqual(['1:3', '1:7', '3:2', '3:9']);
    } finally {
      await t.close();
    }
  });

  it('delivers a message to yourself and keeps payloads intact', async () => {
    const t = await make(2);
    try {
      t.send(msg(1, 1, 1, 'ünïcødé ✓'));
      await t.nextPhase();
      expect(t.inbox(1)).toEqual([msg(1, 1, 1, 'ünïcødé ✓')]);
    } finally {
      await t.close();
    }
  });
}
