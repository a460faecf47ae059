/**
 * Kafka against a real broker, in one file so that its tests run one after another. First the
 * transport conformance suite; then whole runs: Kafka and in-memory runs give identical
 * summaries, a driver and a separate node-host process complete a run together, a garbled record
 * is counted and ignored, forged records from an outside producer (offers, accepts, transfers,
 * aborts, barrier announcements: unsigned, signed with another secret, or by a process that is not
 * in the run) are counted and dropped with results identical to memory, a wrong broker address
 * fails fast with one sentence. Broker restarts
 * mid-run are in broker-control.test.ts, on a broker of that test's own.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { simulate, type SimulationResult } from '../../../experiments/simulation.ts';
import { makeWorkload } from '../../../experiments/workloads.ts';
import { KafkaIo } from '../../../src/transport/kafka/kafka-io.ts';
import { TransportKafka, runTopics } from '../../../src/transport/kafka/transport-kafka.ts';
import { transportConformance } from '../../unit/transport/conformance.ts';
import { decodeControl, type ControlRecord } from '../../../nodes/run-control.ts';
import { startBroker } from '../../../experiments/kafka/broker.ts';
import { KAFKA_CACHE_DIR } from '../../../experiments/kafka/local-broker.ts';
import type { ConfigOverrides } from '../../../experiments/config.ts';
import { profileDefaults } from '../../../experiments/profiles.ts';
import { runScriptWith, testConfig } from '../../helpers/fixtures.ts';
import { KAFKA_BROKERS, KAFKA_DATA_DIR, uniqueRun } from './kafka-env.ts';
import { RecordAuth, newRunSecret } from '../../../src/transport/kafka/record-auth.ts';
import { MsgType, message, type MsgTypeCode } from '../../../protocols/messages.ts';

/** A run secret in a file, as a driver and its node hosts share it out of band. */
function secretFile(): { secret: Buffer; file: string } {
  const secret = newRunSecret();
  const file = join(mkdtempSync(join(tmpdir(), 'qossip-secret-')), 'run.secret');
  writeFileSync(file, secret.toString('hex'), { mode: 0o600 });
  return { secret, file };
}

const ROOT = resolve(import.meta.dirname, '../../..');
const PLANETLAB_DAY = resolve(ROOT, '../shared/data/planetlab/20110303');

async function run(
  over: ConfigOverrides,
  hooks: Parameters<typeof simulate>[2] = {},
): Promise<SimulationResult> {
  const config = testConfig(over);
  const w = makeWorkload({
    spec: config.workload,
    vms: config.vms,
    pms: config.pms,
    vmsPerPm: config.vmsPerPm,
    seed: config.seed,
  });
  return simulate(config, w, hooks);
}

/** The same summary (key order included), step rows and per-node results. */
function expectSameResults(a: SimulationResult, b: SimulationResult): void {
  expect(JSON.stringify(a.summary)).toBe(JSON.stringify(b.summary));
  expect(a.rows).toEqual(b.rows);
  expect(a.nodes).toEqual(b.nodes);
}

const kafka = (runId: string, extra: Record<string, unknown> = {}): ConfigOverrides => ({
  transport: 'kafka',
  kafka: { brokers: KAFKA_BROKERS, run: runId, barrierTimeoutMs: 30_000, ...extra },
});

interface TestMsg {
  from: number;
  to: number;
  seq: number;
  body: string;
}

const testMsgCodec = {
  encode: (m: TestMsg): unknown => m,
  decode(raw: unknown): TestMsg | null {
    const m = raw as TestMsg;
    return typeof m === 'object' &&
      m !== null &&
      typeof m.body === 'string' &&
      Number.isInteger(m.to)
      ? m
      : null;
  },
};

describe('TransportKafka conformance (real broker)', () => {
  transportConformance(async (nodes) => {
    const run = uniqueRun('conf');
    const io = await KafkaIo.connect({ brokers: KAFKA_BROKERS, clientId: run, groupId: run });
    const t = new TransportKafka<TestMsg, { node: number; seq: number }, ControlRecord>({
      io,
      auth: new RecordAuth(newRunSecret(), 'd'),
      senders: ['d'],
      prefix: `qossip.${run}`,
      process: 0,
      processCount: 1,
      hostOf: new Int32Array(nodes),
      messageCodec: testMsgCodec,
      eventCodec: { encode: (e) => e, decode: () => null },
      decodeControl,
      barrierTimeoutMs: 20_000,
    });
    const topics = [
      t.topics.control,
      t.topics.events,
      ...Array.from({ length: nodes }, (_, i) => t.topics.node(i)),
    ];
    await io.ensureTopics(topics);
    await t.start();
    const close = t.close.bind(t);
    t.close = async () => {
      await close();
      await io.deleteTopics(topics);
      await io.close();
    };
    return t;
  });
});

describe('runs over Kafka (real broker)', () => {
  it('100 PMs: the Kafka summary and CSV rows are identical to the in-memory run', async () => {
    const base = { pms: 100, steps: 6, seed: 21 };
    const mem = await run(base);
    const kaf = await run({ ...base, ...kafka(uniqueRun('parity')) });
    expect(mem.summary.migrations).toBeGreaterThan(0);
    expect(kaf.error).toBeUndefined();
    expectSameResults(kaf, mem);
  });

  /** A node host for `nodes` in another OS process; resolves with its exit code and stderr. */
  function nodeHost(
    runId: string,
    secret: string,
    layout: 'node' | 'partitioned',
    nodes = '20-39',
    /** Kill the host (SIGKILL: no goodbye) once its log says this. */
    killWhen?: string,
  ) {
    const host = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'experiments/node-host.ts',
        '--run',
        runId,
        '--nodes',
        nodes,
        '--brokers',
        KAFKA_BROKERS.join(','),
        '--secret-file',
        secret,
        '--topic-layout',
        layout,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    host.stderr.on('data', (d) => {
      stderr += d;
      if (killWhen !== undefined && stderr.includes(killWhen)) host.kill('SIGKILL');
    });
    return new Promise<{ code: number | null; signal: string | null; stderr: string }>((r) =>
      host.on('exit', (code, signal) => r({ code, signal, stderr })),
    );
  }

  /**
   * Runs `base` over Kafka with nodes `remote` in a node host process (in topic layout `layout`;
   * absent: the driver's default), checks that both ended cleanly, then runs `base` in memory.
   */
  async function withNodeHost(
    name: string,
    base: ConfigOverrides,
    remote = '20-39',
    layout?: 'node' | 'partitioned',
  ): Promise<{ kaf: SimulationResult; mem: SimulationResult }> {
    const runId = uniqueRun(name);
    const { file } = secretFile();
    const exited = nodeHost(runId, file, layout ?? 'node', remote);
    const kaf = await run({
      ...base,
      ...kafka(runId, {
        remoteNodes: [remote],
        secretFile: file,
        ...(layout !== undefined && { topicLayout: layout }),
      }),
    });
    const host = await exited;
    expect(host.code, host.stderr).toBe(0);
    expect(kaf.error).toBeUndefined();
    return { kaf, mem: await run(base) };
  }

  it.each(['node', 'partitioned'] as const)(
    'a driver and a node host in another OS process complete a run together, identically (%s topic layout)',
    async (layout) => {
      const base = { pms: 40, steps: 8, seed: 5 };
      const { kaf, mem } = await withNodeHost(`twoproc-${layout}`, base, '20-39', layout);
      // The driver only hosts nodes 0–19; the others ran in the node host.
      expect(kaf.agents.filter((a) => a !== undefined)).toHaveLength(20);
      expect(JSON.stringify(kaf.summary)).toBe(JSON.stringify(mem.summary));
    },
  );

  it('cloudsim profile: a node host in another process drops the VMs that end, as one process does', async () => {
    // Nodes 0–19 elsewhere: by step 24 VMs have ended on nodes 3, 5, 6, 11 and 16 (their demand read 0).
    // 40 VMs of the real day on 40 PMs, 24 steps.
    const base = {
      ...profileDefaults('cloudsim'),
      pms: 40,
      vms: 40,
      steps: 24,
      seed: 5,
      workload: `planetlab:${PLANETLAB_DAY}`,
    };
    const { kaf, mem } = await withNodeHost('twoproc-ended', base, '0-19');
    const hostedEnded = (r: SimulationResult) =>
      r.agents.filter(
        (a) => a !== undefined && a.node.vms.some((vm) => r.datacenter.vmEnded[vm] === 1),
      ).length;
    expect(mem.datacenter.vmEnded.some((e) => e === 1)).toBe(true);
    expect(hostedEnded(mem)).toBe(0);
    expect(JSON.stringify(kaf.summary)).toBe(JSON.stringify(mem.summary));
    expect(kaf.nodes).toEqual(mem.nodes);
  }, 120_000);

  it.each([
    [
      'default profile, glap: crash, return, drain, join, VM arrivals and departures',
      { policy: 'glap' },
      [
        { kind: 'crash', step: 3, pms: { rack: { first: 15, count: 10 } }, returnStep: 6 },
        { kind: 'drain', step: 4, pms: { ids: [2, 30] } },
        { kind: 'vm-arrivals', step: 2, vms: { fraction: 0.2 } },
        { kind: 'vm-departures', step: 7, vms: { fraction: 0.1 } },
        { kind: 'pm-join', step: 5, pms: { ids: [38, 39] } },
      ],
    ],
    [
      'cloudsim profile, qlearning: crash, return, drain',
      {
        ...profileDefaults('cloudsim'),
        policy: 'qlearning',
        vms: 40,
        workload: `planetlab:${PLANETLAB_DAY}`,
      },
      [
        { kind: 'crash', step: 3, pms: { rack: { first: 15, count: 10 } }, returnStep: 6 },
        { kind: 'drain', step: 4, pms: { ids: [2, 30] } },
      ],
    ],
  ] as const)(
    'events with a node host in another process (%s): the scheduler acts on remote PMs from their reports; identical to memory',
    async (_what, over, events) => {
      const base = {
        ...over,
        pms: 40,
        steps: 10,
        seed: 5,
        lifecycle: { events: [...events], admissionSample: 8, restartDelaySteps: 1 },
      } as ConfigOverrides;
      const { kaf, mem } = await withNodeHost('twoproc-events', base);
      // Remote PMs crashed, restarted VMs and were drained (nodes 20–39 are the host's).
      expect(mem.summary.lifecycle!.restarts).toBeGreaterThan(0);
      expect(mem.rows[3]!.downPms).toBeGreaterThanOrEqual(10);
      expectSameResults(kaf, mem);
    },
    120_000,
  );

  it('--tolerate-host-loss: a node host killed mid-run is declared lost; the run goes on and equals its replay in one process', async () => {
    const runId = uniqueRun('host-loss');
    const { file } = secretFile();
    const survivor = nodeHost(runId, file, 'node', '10-19');
    const killed = nodeHost(runId, file, 'node', '20-39', 'step 1/');
    const base = { pms: 40, steps: 10, seed: 5, policy: 'qlearning' };
    const kaf = await run({
      ...base,
      ...kafka(runId, {
        remoteNodes: ['10-19', '20-39'],
        secretFile: file,
        barrierTimeoutMs: 10_000, // long enough that a loaded machine loses no live host
        tolerateHostLoss: true,
      }),
    });
    expect((await killed).signal).toBe('SIGKILL');
    const host = await survivor;
    expect(host.code, host.stderr).toBe(0);
    expect(kaf.error).toBeUndefined();
    const losses = kaf.summary.lifecycle!.hostLosses!;
    expect(losses).toEqual([
      { barrier: expect.any(Number), step: expect.any(Number), firstPm: 20, lastPm: 39 },
    ]);
    expect(kaf.rows[losses[0]!.step + 1]!.downPms).toBe(20);
    expect(kaf.summary.lifecycle!.restarts).toBeGreaterThan(0);
    // The same run in one process, with the loss as an event at the barrier it happened at.
    const replay = await run({
      ...base,
      lifecycle: {
        events: [
          {
            kind: 'host-loss',
            barrier: losses[0]!.barrier,
            pms: { rack: { first: 20, count: 20 } },
          },
        ],
        admissionSample: 8,
        restartDelaySteps: 1,
      },
    });
    expectSameResults(kaf, replay);
  }, 120_000);

  it('without --tolerate-host-loss a killed node host still stops the run, naming it', async () => {
    const runId = uniqueRun('host-loss-off');
    const { file } = secretFile();
    const killed = nodeHost(runId, file, 'node', '20-39', 'step 1/');
    const kaf = await run({
      pms: 40,
      steps: 10,
      seed: 5,
      ...kafka(runId, { remoteNodes: ['20-39'], secretFile: file, barrierTimeoutMs: 4000 }),
    });
    expect((await killed).signal).toBe('SIGKILL');
    expect(kaf.error).toMatch(
      /^no word from node host 1 \(nodes 20–39\) at barrier \d+ within 4 s over Kafka$/,
    );
    expect(kaf.stopReason).toBe('error');
  }, 120_000);

  it('10,000 PMs, 2 steps: the partitioned layout (the default at this size) is identical to memory', async () => {
    const base = { pms: 10_000, steps: 2, seed: 3 };
    const runId = uniqueRun('10k');
    const kaf = await run({ ...base, ...kafka(runId, { keepTopics: true }) });
    expect(kaf.error).toBeUndefined();
    // Partitioned by default at this size: four topics, not 10,003.
    const io = await KafkaIo.connect({ brokers: KAFKA_BROKERS, clientId: runId, groupId: runId });
    const kept = (await io.admin.listTopics()).filter((x) => x.startsWith(`qossip.${runId}.`));
    await io.deleteTopics(kept);
    await io.close();
    const t = runTopics(`qossip.${runId}`);
    expect(kept.sort()).toEqual([t.control, t.events, t.inbox('d'), t.vmMetrics].sort());
    const mem = await run(base);
    expect(mem.summary.migrations).toBeGreaterThan(0);
    expectSameResults(kaf, mem);
  }, 600_000);

  it('a malformed record injected into a node topic is counted and ignored', async () => {
    const runId = uniqueRun('garbage');
    const io = await KafkaIo.connect({
      brokers: KAFKA_BROKERS,
      clientId: runId,
      groupId: `${runId}.injector`,
    });
    const topic = runTopics(`qossip.${runId}`).node(3);
    const base = { pms: 12, steps: 6, seed: 8 };
    try {
      const kaf = await run(
        { ...base, ...kafka(runId) },
        {
          onStep: (row) => {
            if (row.step === 1) {
              void io.send([
                { topic, value: '{not json' },
                { topic, value: JSON.stringify({ b: 99, m: { v: 1, type: 1, from: 'x' } }) },
              ]);
            }
          },
        },
      );
      const mem = await run(base);
      expect(kaf.error).toBeUndefined();
      expect(kaf.summary.invalidMessages).toBe(2);
      expect({ ...kaf.summary, invalidMessages: 0 }).toEqual(mem.summary);
    } finally {
      await io.close();
    }
  });

  it('forged offer, accept, transfer, abort and phase records are counted and dropped; results equal memory', async () => {
    const runId = uniqueRun('forged');
    const { secret, file } = secretFile();
    // An outside producer: its own kafkajs client, no part of the run.
    const io = await KafkaIo.connect({
      brokers: KAFKA_BROKERS,
      clientId: runId,
      groupId: `${runId}.forger`,
    });
    const t = runTopics(`qossip.${runId}`);
    const wrongKey = new RecordAuth(newRunSecret(), 'd');
    // Holds the run's secret but is no process of the run: it cannot speak for node 2.
    const stranger = new RecordAuth(secret, 'h0-11');
    const msg = (type: MsgTypeCode, b: number) =>
      JSON.stringify({ b, m: { ...message(type, 2, 3, 1_000), vm: 0, cpuMips: 10, ramMb: 10 } });
    const base = { pms: 12, steps: 6, seed: 8 };
    const forged = (b: number) => {
      const node = t.node(3);
      const phase = { k: 'phase', b, p: 0, sent: [50], events: 0, invalid: 0 };
      return [
        { topic: node, value: msg(MsgType.Offer, b) },
        { topic: node, value: wrongKey.seal(node, msg(MsgType.Accept, b)) },
        { topic: node, value: stranger.seal(node, msg(MsgType.Transfer, b)) },
        { topic: node, value: wrongKey.seal(node, msg(MsgType.Offer, b + 1)) },
        { topic: t.control, value: JSON.stringify({ k: 'abort', from: 'x', message: 'forged' }) },
        {
          topic: t.control,
          value: wrongKey.seal(t.control, JSON.stringify({ k: 'abort', from: 'x', message: 'f' })),
        },
        { topic: t.control, value: stranger.seal(t.control, JSON.stringify({ k: 'end' })) },
        { topic: t.control, value: JSON.stringify(phase) },
        { topic: t.control, value: wrongKey.seal(t.control, JSON.stringify(phase)) },
      ];
    };
    let injected = 0;
    try {
      const kaf = await run(
        { ...base, ...kafka(runId, { secretFile: file }) },
        {
          onStep: (row) => {
            if (row.step === 1) {
              // Barriers of step 2 (8 rounds a step, a few barriers a round): a plausible target.
              const records = forged(40);
              injected = records.length;
              void io.send(records);
            }
          },
        },
      );
      const mem = await run(base);
      expect(kaf.error).toBeUndefined();
      expect(injected).toBe(9);
      expect(kaf.summary.invalidMessages).toBe(injected);
      expect({ ...kaf.summary, invalidMessages: 0 }).toEqual(mem.summary);
      expect(kaf.rows.map((r) => ({ ...r, invalidMessages: 0 }))).toEqual(
        mem.rows.map((r) => ({ ...r, invalidMessages: 0 })),
      );
    } finally {
      await io.close();
    }
  });

  it('a node host without the run secret, or with a malformed one, stops with one sentence', () => {
    const host = (env: Record<string, string | undefined>, ...extra: string[]) =>
      runScriptWith(env, 'experiments/node-host.ts', '--run', 'r', '--nodes', '0-1', ...extra);
    const none = host({ QOSSIP_RUN_SECRET: undefined });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      "qossip: a node host needs the run's secret: pass --secret-file (the driver prints its path) or set QOSSIP_RUN_SECRET\n",
    );
    const short = host({ QOSSIP_RUN_SECRET: 'abc' });
    expect(short.stderr).toBe('qossip: QOSSIP_RUN_SECRET must be 64 hex digits\n');
    const missing = host({}, '--secret-file', '/nonexistent/run.secret');
    expect(missing.stderr).toBe(
      'qossip: cannot read the run secret file /nonexistent/run.secret (ENOENT)\n',
    );
  });

  it('a closed port fails within seconds with one clear sentence', () => {
    const t0 = Date.now();
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'experiments/experiment.ts',
        '--pms',
        '5',
        '--transport',
        'kafka',
        '--brokers',
        '127.0.0.1:1',
        '--quiet',
        '--out',
        '/tmp/qossip-closed-port',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^qossip: cannot reach Kafka at 127\.0\.0\.1:1 \(.*\); start a local broker with `npm run kafka:start` or pass --brokers host:port\n$/,
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  // A brand-new broker has no __consumer_offsets topic: the first group's coordinator lookups fail
  // until Kafka has made it, and kafkajs stops a consumer for good on that error. Starts a second,
  // fresh broker beside the shared one for this (a local broker only).
  it.skipIf(KAFKA_DATA_DIR === null)(
    'the first run on a brand-new broker waits for its group coordinator instead of failing',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'qossip-fresh-broker-'));
      const fresh = await startBroker({ cacheDir: KAFKA_CACHE_DIR, dataDir });
      try {
        const base = { pms: 100, steps: 2, seed: 5 };
        const kaf = await run({
          ...base,
          ...kafka(uniqueRun('fresh'), { brokers: [fresh.bootstrap] }),
        });
        expect(kaf.error).toBeUndefined();
        expect(JSON.stringify(kaf.summary)).toBe(JSON.stringify((await run(base)).summary));
      } finally {
        await fresh.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
