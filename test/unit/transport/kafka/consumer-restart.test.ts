/**
 * The edge keeps its consumer running after kafkajs gives up on it: a non-retriable crash after
 * the join (kafkajs' "Failed to find group coordinator" right after a broker restart) restarts
 * the consumer once the group has a coordinator; a refusal, or a budget spent, is reported to
 * `onStopped` with one sentence. A fake kafkajs consumer stands in for the broker.
 */
import { describe, expect, it } from 'vitest';
import { KafkaIo } from '../../../../src/transport/kafka/kafka-io.ts';
import { realClock } from '../../../../src/engine/clock.ts';

/** What the edge passes to kafkajs' `consumer.run` (kafkajs itself is imported only by the edge). */
interface RunConfig {
  eachBatch?: (payload: never) => Promise<void>;
}

const EVENTS = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' } as const;

/** A kafkajs consumer and admin whose crashes and coordinator the test decides. */
function fakeClients(coordinatorUp: () => boolean) {
  const listeners = new Map<string, Set<(e: unknown) => void>>();
  const emit = (name: string, payload: unknown) => {
    for (const l of listeners.get(name) ?? []) l({ payload });
  };
  const calls = { connect: 0, run: 0 };
  let runConfig: RunConfig | null = null;
  const consumer = {
    events: EVENTS,
    on(name: string, l: (e: unknown) => void) {
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name)!.add(l);
      return () => listeners.get(name)!.delete(l);
    },
    async subscribe() {},
    async connect() {
      calls.connect++;
    },
    async run(c: RunConfig) {
      calls.run++;
      runConfig = c;
      setTimeout(() => emit(EVENTS.GROUP_JOIN, {}), 1);
    },
    async disconnect() {},
  };
  const admin = {
    async describeGroups() {
      if (!coordinatorUp()) throw new Error('The coordinator is not available');
      return { groups: [] };
    },
    async disconnect() {},
  };
  const producer = { async disconnect() {} };
  /** Hands one record to the consumer's current batch handler, as kafkajs would. */
  const deliver = (topic: string, value: string) =>
    runConfig!.eachBatch!({
      batch: { topic, messages: [{ value: Buffer.from(value) }] },
    } as never);
  const crash = (restart: boolean, error: Error) => emit(EVENTS.CRASH, { restart, error });
  return { consumer, admin, producer, calls, deliver, crash };
}

function kafkaIo(f: ReturnType<typeof fakeClients>, budgetMs: number): KafkaIo {
  const ctor = KafkaIo as unknown as new (...args: unknown[]) => KafkaIo;
  return new ctor(
    {},
    f.admin,
    f.producer,
    f.consumer,
    ['fake:9092'],
    'g',
    budgetMs,
    1 << 20,
    realClock,
  );
}

const until = async (cond: () => boolean, ms = 2000) => {
  for (const t0 = Date.now(); !cond();) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** kafkajs' error for a lookup that failed while a restarted broker loads its offsets. */
const noCoordinator = () =>
  Object.assign(new Error('Failed to find group coordinator'), {
    name: 'KafkaJSNonRetriableError',
    retriable: false,
  });

describe('the edge keeps its consumer running', () => {
  it('restarts a consumer kafkajs stopped for good, once the group has a coordinator again', async () => {
    let up = true;
    const f = fakeClients(() => up);
    const io = kafkaIo(f, 5000);
    const got: string[] = [];
    const stopped: Error[] = [];
    await io.consume(
      ['t'],
      (_t, v) => got.push(v),
      (e) => stopped.push(e),
    );
    expect(f.calls.run).toBe(1);

    up = false;
    f.crash(false, noCoordinator());
    await new Promise((r) => setTimeout(r, 200));
    expect(f.calls.run).toBe(1); // no coordinator yet: waits
    up = true;
    await until(() => f.calls.run === 2);
    expect(f.calls.connect).toBe(1);
    await f.deliver('t', 'after the restart');
    expect(got).toEqual(['after the restart']);
    expect(io.restarts).toBe(1);

    // kafkajs restarts retriable crashes itself: the edge leaves those alone.
    f.crash(true, new Error('Connection error: connect ECONNREFUSED'));
    await new Promise((r) => setTimeout(r, 50));
    expect(f.calls.run).toBe(2);
    expect(stopped).toEqual([]);
    await io.close();
    // Nor does it restart a consumer that stops while the process closes.
    f.crash(false, noCoordinator());
    await new Promise((r) => setTimeout(r, 50));
    expect(f.calls.run).toBe(2);
  });

  it('reports a consumer that cannot be restarted within the budget, and a refusal at once', async () => {
    const f = fakeClients(() => false);
    let up = true;
    const admin = f.admin.describeGroups;
    f.admin.describeGroups = () => (up ? Promise.resolve({ groups: [] }) : admin());
    const io = kafkaIo(f, 1000);
    const stopped: Error[] = [];
    await io.consume(
      ['t'],
      () => {},
      (e) => stopped.push(e),
    );
    up = false;
    f.crash(false, noCoordinator());
    await until(() => stopped.length === 1, 3000);
    expect(stopped[0]!.message).toBe(
      'the Kafka consumer stopped and could not be restarted within 1 s (The coordinator is not available)',
    );
    expect(f.calls.run).toBe(1);

    const g = fakeClients(() => true);
    const io2 = kafkaIo(g, 5000);
    const stopped2: Error[] = [];
    await io2.consume(
      ['t'],
      () => {},
      (e) => stopped2.push(e),
    );
    g.crash(
      false,
      Object.assign(new Error('Not authorized to access group'), {
        name: 'KafkaJSProtocolError',
        type: 'GROUP_AUTHORIZATION_FAILED',
      }),
    );
    expect(stopped2).toHaveLength(1);
    expect(stopped2[0]!.message).toMatch(/^the Kafka consumer stopped: not authorised/);
    expect(g.calls.run).toBe(1);
    await Promise.all([io.close(), io2.close()]);
  });
});
