/**
 * Kafka against brokers of the tests' own, controlled through the CLI as an operator would: a
 * run survives `kafka:restart` and `kafka:stop` + `kafka:start --keep-storage` mid-run with the
 * in-memory result; the edge splits big publishes, refuses what cannot succeed at once, and keeps
 * to its retry budget when the broker is down; a run's topics go after a failure and a failed
 * delete is reported. Own brokers (not the shared one) so restarting them disturbs no other test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaDriver } from '../../../experiments/kafka/driver.ts';
import { KafkaIo, KafkaRefusedError } from '../../../src/transport/kafka/kafka-io.ts';
import { runTopics } from '../../../src/transport/kafka/transport-kafka.ts';
import { WIDE_TOPIC_PARTITIONS } from '../../../src/transport/kafka/topic-layout.ts';
import { runScript } from '../../helpers/fixtures.ts';
import { ownBroker, runSim } from './broker-helpers.ts';
import { KAFKA_BROKERS, uniqueRun } from './kafka-env.ts';

/** Starting brokers needs the jars and Java of a local `npm run kafka:start`, not an external cluster. */
const OWN_BROKERS = KAFKA_BROKERS !== undefined && process.env.QOSSIP_KAFKA_BROKERS === undefined;
const since = (t0: number) => Date.now() - t0;

describe.skipIf(!OWN_BROKERS)('a broker of its own, controlled through the CLI', () => {
  let b: Awaited<ReturnType<typeof ownBroker>>;
  let io: KafkaIo;
  const connect = (run: string, extra: Partial<Parameters<typeof KafkaIo.connect>[0]> = {}) =>
    KafkaIo.connect({ brokers: [b.bootstrap], clientId: run, groupId: run, ...extra });
  beforeAll(async () => {
    b = await ownBroker();
    io = await connect(uniqueRun('admin'));
  }, 120_000);
  afterAll(async () => {
    await io?.close();
    await b?.stop();
    if (b) rmSync(b.dataDir, { recursive: true, force: true });
  }, 60_000);

  it('kafka:restart, then kafka:stop and kafka:start --keep-storage, mid-run: same ports, same result as memory', async () => {
    const base = { pms: 30, steps: 60, seed: 13 };
    const run = uniqueRun('cli-restart');
    const before = b.state();
    // 0: not yet, 1: restarting, 2: restarted, 3: stopping and starting, 4: done.
    let phase = 0;
    let cycle: Promise<unknown> = Promise.resolve();
    let lastStep = -1;
    let stepAtStop = Infinity;
    const kaf = await runSim(
      // A 90 s barrier: a restart (SIGTERM, up to 15 s of shutdown, a new JVM) outlasted the
      // default 30 s when the rest of the suite loaded this 2-core machine alongside it.
      {
        ...base,
        transport: 'kafka',
        kafka: { brokers: [b.bootstrap], run, keepTopics: true, barrierTimeoutMs: 90_000 },
      },
      {
        onStep: (row) => {
          lastStep = row.step;
          if (row.step === 5 && phase === 0) {
            phase = 1;
            cycle = b.cli('restart').then(() => (phase = 2));
          } else if (phase === 2) {
            phase = 3;
            cycle = b
              .cli('stop')
              .then(() => ((stepAtStop = lastStep), b.cli('start', '--keep-storage')))
              .then(() => (phase = 4));
          }
        },
      },
    );
    await cycle;
    expect(kaf.error).toBeUndefined();
    expect(phase).toBe(4);
    // The stop came while the run still had steps to go, so the run lived through it.
    expect(stepAtStop).toBeLessThan(base.steps - 1);
    expect(b.state().bootstrap).toBe(before.bootstrap);
    expect(b.state().pid).not.toBe(before.pid);
    // simulate() checked conservation at the end (every VM owned once, sleepers empty).
    expect(JSON.stringify(kaf.summary)).toBe(JSON.stringify((await runSim(base)).summary));

    // The kept topics: events and vm-metrics over several partitions, metrics without made-up fields.
    const t = runTopics(`qossip.${run}`);
    const { topics } = await io.admin.fetchTopicMetadata({
      topics: [t.events, t.vmMetrics, t.control],
    });
    const partitions = Object.fromEntries(topics.map((x) => [x.name, x.partitions.length]));
    expect(partitions).toEqual({
      [t.events]: WIDE_TOPIC_PARTITIONS,
      [t.vmMetrics]: WIDE_TOPIC_PARTITIONS,
      [t.control]: 1,
    });
    const reader = await connect(uniqueRun('reader'));
    const metrics: Record<string, unknown>[] = [];
    // Each value is the signed wrapper {p, q, h, r}; r is the record.
    await reader.consume([t.vmMetrics], (_t, v) => metrics.push(JSON.parse(v).r));
    for (let i = 0; i < 100 && metrics.length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    await reader.close();
    expect(Object.keys(metrics[0]!).sort()).toEqual([
      'cpu_mips',
      'cpu_usage',
      'ram_mb',
      'step',
      'vm_id',
    ]);
    const all = (await io.admin.listTopics()).filter((x) => x.startsWith(`qossip.${run}.`));
    expect(all).toHaveLength(base.pms + 3);
    await io.deleteTopics(all);
  }, 240_000);

  it('a run that fails deletes its topics', async () => {
    const run = uniqueRun('fail-cleanup');
    const kafka = { brokers: [b.bootstrap], run, remoteNodes: ['5-9'], joinTimeoutMs: 1000 };
    await expect(runSim({ pms: 10, steps: 2, transport: 'kafka', kafka })).rejects.toThrow(
      /^no node host registered for nodes 5–9 within 1 s/,
    );
    expect((await io.admin.listTopics()).filter((x) => x.includes(run))).toEqual([]);
  }, 60_000);

  it('splits a publish above the batch limit; refuses at once an oversized record, a batch the broker finds too large, an unknown topic', async () => {
    const run = uniqueRun('edge');
    const topic = `qossip.${run}.vm-metrics`;
    // Its own client, as it ends deleting a topic it wrote to (see the end of this test).
    const sender = await connect(uniqueRun('sender'));
    await sender.ensureTopics([{ topic, partitions: WIDE_TOPIC_PARTITIONS }]);
    const value = (i: number) =>
      JSON.stringify({
        step: 0,
        vm_id: i,
        cpu_usage: 51.83894798144907,
        cpu_mips: 1234.5678,
        ram_mb: 1740,
      });
    // A step's vm-metrics at 10⁴ PMs: 13,000 records, 1.3 MB, above the broker's 1 MiB.
    const records = Array.from({ length: 13_000 }, (_, i) => ({
      topic,
      key: String(i),
      value: value(i),
    }));
    await sender.send(records);
    const got = new Set<string>();
    const reader = await connect(uniqueRun('reader'));
    await reader.consume([topic], (_t, v) => got.add(v));
    for (let i = 0; i < 300 && got.size < records.length; i++)
      await new Promise((r) => setTimeout(r, 100));
    await reader.close();
    expect(got.size).toBe(records.length);

    const budget = { retryBudgetMs: 10_000 };
    const strict = await connect(uniqueRun('strict'), budget);
    let t0 = Date.now();
    await expect(strict.send([{ topic, value: 'x'.repeat(2_000_000) }])).rejects.toThrow(
      KafkaRefusedError,
    );
    await expect(strict.send([{ topic: `qossip.${run}.gone`, value: 'v' }])).rejects.toThrow(
      `cannot publish to Kafka: topic qossip.${run}.gone does not exist (deleted while the run used it?)`,
    );
    expect(since(t0)).toBeLessThan(2000);
    // A client that believes the broker takes 10 MB: the broker's own refusal is not retried either.
    const loose = await connect(uniqueRun('loose'), { ...budget, maxBatchBytes: 10_000_000 });
    t0 = Date.now();
    await expect(loose.send([{ topic, value: 'x'.repeat(2_000_000) }])).rejects.toThrow(
      "cannot publish to Kafka: a record batch is larger than the broker's max.message.bytes (MESSAGE_TOO_LARGE)",
    );
    expect(since(t0)).toBeLessThan(2000);
    await Promise.all([strict.close(), loose.close()]);
    // A topic deleted under a client that wrote to it: its next publish, anywhere, fails at once.
    await io.deleteTopics([topic]);
    const other = `qossip.${run}.control`;
    await io.ensureTopics([other]);
    t0 = Date.now();
    await expect(sender.send([{ topic: other, value: '{}' }])).rejects.toThrow(
      `cannot publish to Kafka: topic ${topic} does not exist (deleted while the run used it?)`,
    );
    expect(since(t0)).toBeLessThan(2000);
    await sender.close();
    await io.deleteTopics([other]);
  }, 120_000);

  it('the console summary shows the invalid messages of a run', async () => {
    const run = uniqueRun('invalid-row');
    const t = runTopics(`qossip.${run}`);
    await io.ensureTopics([t.control, t.node(0)]);
    await io.send([{ topic: t.node(0), value: '{not json' }]);
    const r = runScript(
      'experiments/experiment.ts',
      ...['--pms', '10', '--steps', '2', '--transport', 'kafka', '--brokers', b.bootstrap],
      ...['--run', run, '--out', mkdtempSync(join(tmpdir(), 'qossip-invalid-'))],
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/│ invalid messages\s+│ 1 \(dropped\)\s+│/);
  }, 60_000);

  it('with the broker down, a publish fails within its budget and the undeleted topics are reported', async () => {
    const run = uniqueRun('down');
    const warnings: string[] = [];
    const o = {
      brokers: [b.bootstrap],
      run,
      remote: [],
      barrierTimeoutMs: 5000,
      joinTimeoutMs: 5000,
      keepTopics: false,
      layout: 'node' as const,
      retryBudgetMs: 2000,
      onWarning: (w: string) => warnings.push(w),
    };
    const driver = await KafkaDriver.open(o, 3, () => {});
    const edge = await connect(uniqueRun('down-edge'), { retryBudgetMs: 2000 });
    await b.stop();
    try {
      const t0 = Date.now();
      await expect(
        edge.send([{ topic: runTopics(`qossip.${run}`).control, value: '{}' }]),
      ).rejects.toThrow(/^cannot publish to Kafka within 2 s \(.+\)$/);
      expect(since(t0)).toBeGreaterThanOrEqual(1900);
      expect(since(t0)).toBeLessThan(3500);
      await driver.finish();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        new RegExp(
          `^warning: run ${run}: 6 of 6 topics were left behind: cannot (list|delete) topics within 2 s \\(.+\\); ` +
            `delete them with \`npm run kafka:topics -- --delete --topic 'qossip\\\\.${run}\\\\..\\*'\`$`,
        ),
      );
    } finally {
      await edge.close();
      await b.cli('start', '--keep-storage');
    }
    const left = (await io.admin.listTopics()).filter((x) => x.includes(run));
    expect(left).toHaveLength(6);
    await io.deleteTopics(left);
  }, 120_000);
});

describe.skipIf(!OWN_BROKERS)('kafka:start --secure (SASL/SCRAM-SHA-512 and ACLs)', () => {
  let b: Awaited<ReturnType<typeof ownBroker>>;
  beforeAll(async () => {
    b = await ownBroker('--secure');
  }, 120_000);
  afterAll(async () => {
    await b?.stop();
    if (b) rmSync(b.dataDir, { recursive: true, force: true });
  }, 60_000);

  it('an unauthenticated, unknown or read-only client cannot write; qossip authenticated runs as in memory', async () => {
    const users = b.state().users!;
    const login = (u: { username: string; passwordFile: string }) => ({
      mechanism: 'scram-sha-512' as const,
      username: u.username,
      password: readFileSync(u.passwordFile, 'utf8').trim(),
    });
    const connect = (run: string, sasl?: ReturnType<typeof login>) =>
      KafkaIo.connect({
        brokers: [b.bootstrap],
        clientId: run,
        groupId: run,
        retryBudgetMs: 10_000,
        ...(sasl ? { security: { sasl } } : {}),
      });
    const run = uniqueRun('secure');
    const topic = runTopics(`qossip.${run}`).node(0);
    const qossip = await connect(run, login(users.qossip));
    await qossip.ensureTopics([topic]);

    await expect(connect(uniqueRun('anon'))).rejects.toThrow(
      `Kafka at ${b.bootstrap} closed the connection at the first request: it may require a login; pass --kafka-sasl mechanism:user:password-file`,
    );
    await expect(
      connect(uniqueRun('mallory'), { ...login(users.qossip), username: 'mallory' }),
    ).rejects.toThrow(
      /^Kafka at \S+ refused qossip's login \(.*invalid credentials.*\); check --kafka-sasl$/,
    );
    // A known user the ACLs let read but not write: refused at once, not retried for 10 s.
    const observer = await connect(`observer-${run}`, login(users.observer));
    const t0 = Date.now();
    await expect(observer.send([{ topic, value: '{"b":1,"m":{}}' }])).rejects.toThrow(
      "cannot publish to Kafka: not authorised (TOPIC_AUTHORIZATION_FAILED): check --kafka-sasl and the user's ACLs",
    );
    expect(since(t0)).toBeLessThan(2000);
    await observer.close();
    expect((await qossip.admin.fetchTopicOffsets(topic)).map((p) => p.high)).toEqual(['0']);
    await qossip.deleteTopics([topic]);
    await qossip.close();

    const out = mkdtempSync(join(tmpdir(), 'qossip-secure-run-'));
    const r = runScript(
      'experiments/experiment.ts',
      ...['--pms', '20', '--steps', '4', '--seed', '3', '--transport', 'kafka', '--quiet'],
      ...['--brokers', b.bootstrap, '--out', out],
      ...['--kafka-sasl', `scram-sha-512:qossip:${users.qossip.passwordFile}`],
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const mem = await runSim({ pms: 20, steps: 4, seed: 3 });
    expect(summary).toEqual({ ...mem.summary, truncated: false });
  }, 180_000);
});
