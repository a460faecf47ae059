/**
 * The run-control protocol without a broker: every record kind has a schema and is validated on
 * arrival (malformed ones are counted, never cast), the transport's barrier records pass the same
 * schema, and RunControl's waits resolve on the right records, time out with one sentence, and
 * fail at once when another process aborts. Every record is signed: unsigned, mis-signed ones and
 * those from a sender that may not say them are counted and dropped.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/engine/clock.ts';
import type { KafkaIo, KafkaRecord } from '../../../src/transport/kafka/kafka-io.ts';
import { RunControl, decodeControl, type NodeRunSpec } from '../../../nodes/run-control.ts';
import { defaultConsolidationOptions } from '../../../protocols/consolidation-options.ts';
import { RecordAuth } from '../../../src/transport/kafka/record-auth.ts';

const SECRET = Buffer.alloc(32, 7);
const driverAuth = new RecordAuth(SECRET, 'd');
const hostAuth = new RecordAuth(SECRET, 'h1-1');
/** A control record as the driver (or `auth`) publishes it on run r1's control topic. */
const signed = (rec: unknown, auth = driverAuth) =>
  auth.seal('qossip.r1.control', JSON.stringify(rec));
const signedMetric = (rec: unknown, auth = driverAuth) =>
  auth.seal('qossip.r1.vm-metrics', JSON.stringify(rec));

const spec: NodeRunSpec = {
  seed: 1,
  pms: 2,
  policy: 'qlearning',
  policyOptions: {},
  protocol: defaultConsolidationOptions(),
  peerSampling: 'cyclon',
  cyclon: { viewSize: 20, shuffleLength: 8, shuffleEveryRounds: 1 },
  cpuCapMips: [3720, 5320],
  ramCapMb: [4096, 4096],
  placement: [0, 1, 1],
};

const start = {
  k: 'start',
  v: 3,
  spec,
  hostOf: [0, 1],
  ranges: [
    [-1, -1],
    [1, 1],
  ],
  steps: 3,
  roundsPerStep: 8,
  vmCount: 3,
  barrierTimeoutMs: 30_000,
  layout: 'node',
  events: false,
  tolerateHostLoss: false,
};

/** A clock whose waits pass at once: time jumps forward by what was asked. */
function jumpingClock(): Clock {
  let t = 0;
  return {
    now: () => t,
    schedule(ms, fn) {
      t += ms;
      queueMicrotask(fn);
      return () => {};
    },
  };
}

function control(self = 'host-a') {
  const sent: KafkaRecord[] = [];
  const io = { send: async (r: readonly KafkaRecord[]) => void sent.push(...r) } as KafkaIo;
  let invalid = 0;
  const aborts: string[] = [];
  const c = new RunControl({
    io,
    auth: new RecordAuth(SECRET, self === 'driver' ? 'd' : 'h1-1'),
    run: 'r1',
    self,
    clock: jumpingClock(),
    abortPrefix: 'run aborted',
    onAbort: (e) => aborts.push(e.message),
    onInvalid: () => invalid++,
  });
  return { c, sent, aborts, invalid: () => invalid };
}

describe('control records', () => {
  it('decodes every kind and rejects malformed ones', () => {
    const good = [
      { k: 'register', v: 3, nodes: [5, 9], host: 'h:1' },
      start,
      { k: 'step', s: 4 },
      {
        k: 'step',
        s: 5,
        ops: [
          ['crash', 1],
          ['arrived', 0, 2],
          ['left', 1, 2],
        ],
      },
      { k: 'phase', b: 7, p: 1, sent: [3, 0], events: 2, invalid: 0 },
      { k: 'lost', p: 1, b: 7 },
      { k: 'end' },
      { k: 'abort', from: 'driver', message: 'boom' },
    ];
    for (const r of good) expect(decodeControl(r), r.k).toEqual(r);
    const bad = [
      { k: 'register', v: 3, nodes: [5], host: 'h' },
      { k: 'start', v: 1, spec: { ...spec, placement: [-1] } },
      { k: 'step', s: -1 },
      { k: 'step', s: 5, ops: [['crash', 1, 2]] },
      { k: 'step', s: 5, ops: [['explode', 1]] },
      { k: 'lost', p: 0, b: 7 },
      { k: 'phase', b: 1, p: 0, sent: ['3'], events: 0, invalid: 0 },
      { k: 'abort', from: 'x' },
      { k: 'stop' },
      'end',
      null,
    ];
    for (const r of bad) expect(decodeControl(r), JSON.stringify(r)).toBeNull();
  });
});

describe('RunControl', () => {
  it('a host waits for the start, then for a step until every VM reported its metrics', async () => {
    const { c } = control();
    c.receiveRaw(signed({ ...start, vmCount: 2 }));
    expect((await c.awaitStart(1000, 'the start')).vmCount).toBe(2);
    const metric = (vm: number, cpu: number, ended?: true) =>
      signedMetric({
        step: 0,
        vm_id: vm,
        cpu_usage: 50,
        memory_usage: 100,
        network_usage: 0,
        cpu_mips: cpu,
        ram_mb: 613,
        ...(ended ? { ended } : {}),
      });
    c.receiveRaw(signed({ k: 'step', s: 0, ops: [['crash', 1]] }));
    c.receiveMetrics(metric(0, 250));
    const step = c.awaitStep(0, 2, 60_000, 'step 0');
    c.receiveMetrics(metric(1, 0, true)); // ended (cloudsim profile): the host's agent drops it
    expect(await step).toEqual({
      cpu: [250, 0],
      ram: [613, 613],
      ended: [false, true],
      count: 2,
      ops: [['crash', 1]], // the scheduler's, for this host's PMs
    });
  });

  it('a step wait ends with null when the driver ends the run, and times out with a sentence', async () => {
    const { c } = control();
    await expect(c.awaitStep(0, 1, 5000, 'step 0 of run r1')).rejects.toThrow(
      'waited 5 s for step 0 of run r1',
    );
    c.receiveRaw(signed({ k: 'end' }));
    expect(await c.awaitStep(0, 1, 5000, 'step 0')).toBeNull();
  });

  it('malformed control and metrics records are counted, not used', () => {
    const { c, invalid } = control();
    c.receiveRaw('{not json');
    c.receiveRaw(signed({ k: 'step', s: 'one' }));
    c.receiveMetrics(signedMetric({ step: 0, vm_id: 0, cpu_mips: -5 }));
    expect(invalid()).toBe(3);
  });

  it('unsigned, mis-signed and usurped records are counted and dropped; copies are dropped', async () => {
    const { c, invalid } = control();
    const forger = new RecordAuth(Buffer.alloc(32, 9), 'd');
    c.receiveRaw(JSON.stringify({ k: 'end' })); // unsigned
    c.receiveRaw(signed({ k: 'end' }, forger)); // another secret
    c.receiveRaw(signed({ k: 'end' }).replace('"end"', '"End"')); // altered after signing
    // Signed for another topic: the signature covers the topic.
    c.receiveRaw(driverAuth.seal('qossip.r2.control', JSON.stringify({ k: 'end' })));
    c.receiveRaw(signed({ k: 'end' }, hostAuth)); // only the driver ends a run
    c.receiveRaw(signed({ ...start, vmCount: 1 }, hostAuth)); // only the driver starts it
    c.receiveMetrics(
      signedMetric({ step: 0, vm_id: 0, cpu_usage: 1, cpu_mips: 1, ram_mb: 1 }, hostAuth),
    );
    expect(invalid()).toBe(7);
    await expect(c.awaitEnd(1000, 'the end')).rejects.toThrow('waited 1 s for the end');
    const step = signed({ k: 'step', s: 0 });
    c.receiveRaw(step);
    c.receiveRaw(step); // Kafka delivers at least once: a copy is no error
    expect(invalid()).toBe(7);
    const d = control('driver');
    // A register only from the host of that range.
    d.c.receiveRaw(signed({ k: 'register', v: 3, nodes: [2, 2], host: 'h:2' }, hostAuth));
    expect(d.invalid()).toBe(1);
    await expect(d.c.awaitHosts([[2, 2]], 1000, () => '')).rejects.toThrow('no node host');
  });

  it("another process's abort fails every wait at once; one of another version is refused", async () => {
    const { c, aborts } = control();
    c.receiveRaw(signed({ k: 'abort', from: 'driver', message: 'no word from node 3' }));
    await expect(c.awaitStart(60_000, 'the start')).rejects.toThrow(
      'run aborted: no word from node 3',
    );
    expect(aborts).toEqual(['run aborted: no word from node 3']);
    const d = control('driver');
    d.c.receiveRaw(signed({ k: 'register', v: 1, nodes: [1, 1], host: 'old:7' }, hostAuth));
    await expect(d.c.awaitHosts([[1, 1]], 1000, () => '')).rejects.toThrow(
      'old:7 speaks run protocol 1, the driver 3',
    );
  });

  it('the driver waits for every range to register and names the missing ones', async () => {
    const { c, sent } = control('driver');
    c.receiveRaw(signed({ k: 'register', v: 3, nodes: [1, 1], host: 'h:1' }, hostAuth));
    await c.awaitHosts([[1, 1]], 1000, () => '');
    await expect(
      c.awaitHosts(
        [
          [1, 1],
          [2, 5],
        ],
        3000,
        (r) => `start one for ${r.join('-')}`,
      ),
    ).rejects.toThrow('no node host registered for nodes 2–5 within 3 s; start one for 2-5');
    await c.finish('boom');
    const opened = driverAuth.open(sent.at(-1)!.topic, sent.at(-1)!.value);
    expect(typeof opened === 'string' ? opened : JSON.parse(opened.body)).toEqual({
      k: 'abort',
      from: 'driver',
      message: 'boom',
    });
  });
});
