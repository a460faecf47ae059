/**
 * The Kafka edge: the only module that imports kafkajs (lazily, so a plain run never loads it).
 * Connects one admin, one producer and one consumer per OS process, creates topics in chunks,
 * and turns kafkajs failures into typed errors with one clear sentence (retries live here only).
 */
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { QossipError, UserError } from '../../core/errors.ts';
import { Arrivals, realClock, type Clock } from '../../engine/clock.ts';

/** Kafka could not be reached or refused an operation; `retriable` says whether trying again may help. */
export class KafkaUnavailableError extends UserError {}

export interface KafkaIoOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  clientId: string;
  /** Consumer group id; unique per process and run, so every process reads its topics from the start. */
  groupId: string;
  /** TCP connect timeout per attempt, in ms. */
  connectionTimeoutMs?: number;
  /** Request timeout, in ms. */
  requestTimeoutMs?: number;
  /** Retries of a failed request before giving up (kafkajs' exponential back-off). */
  retries?: number;
  /** Longest a consumer fetch waits for data, in ms (latency vs. busy polling). */
  maxWaitTimeInMs?: number;
  /** How long a failed publish is retried (e.g. across a broker restart), in ms. */
  sendRetryMs?: number;
  clock?: Clock;
}

export interface KafkaRecord {
  topic: string;
  value: string;
}

/** Connected clients of one process. */
export class KafkaIo {
  private constructor(
    readonly kafka: Kafka,
    readonly admin: Admin,
    readonly producer: Producer,
    readonly consumer: Consumer,
    readonly brokers: readonly string[],
    private readonly groupId: string,
    private readonly sendRetryMs: number,
    private readonly clock: Clock,
  ) {}

  /** Connects admin, producer and consumer; fails within seconds when no broker answers. */
  static async connect(o: KafkaIoOptions): Promise<KafkaIo> {
    const kafkajs = await import('kafkajs');
    const { Kafka, logLevel, Partitioners } = kafkajs.default ?? kafkajs;
    const kafka = new Kafka({
      clientId: o.clientId,
      brokers: o.brokers,
      connectionTimeout: o.connectionTimeoutMs ?? 3000,
      requestTimeout: o.requestTimeoutMs ?? 30_000,
      // Few retries on the first contact, so a wrong address fails in about a second; the
      // producer and consumer below retry longer (a broker restart takes seconds).
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
    } catch (e) {
      throw unreachable(o.brokers, e);
    }
    const retry = { retries: o.retries ?? 8, initialRetryTime: 100, maxRetryTime: 5000 };
    const producer = kafka.producer({
      retry,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: false,
    });
    const consumer = kafka.consumer({
      groupId: o.groupId,
      maxWaitTimeInMs: o.maxWaitTimeInMs ?? 20,
      minBytes: 1,
      heartbeatInterval: 1000,
      // Short, so that after a broker restart the group re-forms in seconds (broker minimum: 6 s).
      sessionTimeout: 6000,
      rebalanceTimeout: 10_000,
      allowAutoTopicCreation: false,
      retry,
    });
    try {
      await producer.connect();
      await consumer.connect();
    } catch (e) {
      await admin.disconnect().catch(() => {});
      throw unreachable(o.brokers, e);
    }
    return new KafkaIo(
      kafka,
      admin,
      producer,
      consumer,
      o.brokers,
      o.groupId,
      o.sendRetryMs ?? 60_000,
      o.clock ?? realClock,
    );
  }

  /** Creates topics that do not exist yet (1 partition each), `chunk` per request; idempotent. */
  async ensureTopics(topics: readonly string[], chunk = 200): Promise<void> {
    const missing = async () => {
      const existing = new Set(await this.admin.listTopics());
      return topics.filter((t) => !existing.has(t));
    };
    await this.retrying('cannot create topics', async () => {
      const todo = await missing();
      for (let i = 0; i < todo.length; i += chunk) {
        await this.admin
          .createTopics({
            waitForLeaders: true,
            topics: todo
              .slice(i, i + chunk)
              .map((topic) => ({ topic, numPartitions: 1, replicationFactor: -1 })),
          })
          .catch(async (e: unknown) => {
            // Another process may have created some of them meanwhile: only a real gap is an error.
            if ((await missing()).length > 0) throw e;
          });
      }
      // Every partition must have a leader before anyone subscribes: a consumer group assigns
      // only the partitions it can see, and a topic without a leader would be silently missed.
      const { topics: meta } = await this.admin.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = meta.filter(
        (t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0),
      );
      if (leaderless.length > 0) throw new Error(`no leader yet for ${leaderless[0]!.name}`);
    });
  }

  /** Sends records in one batch (one request per broker), acked by the leader. */
  async send(records: readonly KafkaRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byTopic = new Map<string, { value: string }[]>();
    for (const r of records) {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push({ value: r.value });
    }
    const batch = {
      acks: 1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    };
    // A batch that was partly written before a failure is sent again; receivers drop duplicates.
    await this.retrying('cannot publish to Kafka', () => this.producer.sendBatch(batch));
  }

  /**
   * Runs `fn`, retrying any failure with exponential back-off for `sendRetryMs` (a broker restart
   * or a topic's leader election takes seconds). Retries live here, at the edge, and nowhere else.
   */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = this.clock.now() + this.sendRetryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (this.clock.now() >= deadline) throw kafkaFailure(what, e);
        await new Promise<void>((r) => this.clock.schedule(Math.min(2000, 50 * 2 ** attempt), r));
      }
    }
  }

  /**
   * Subscribes the process's consumer to `topics` from their beginning and hands every record's
   * value to `onRecord` synchronously (never awaiting inside the batch handler).
   */
  async consume(
    topics: readonly string[],
    onRecord: (topic: string, value: string) => void,
  ): Promise<void> {
    // Just-created topics may not have a leader yet: subscribing is retried like any edge call.
    await this.retrying('cannot subscribe to Kafka topics', () =>
      this.consumer.subscribe({ topics: [...topics], fromBeginning: true }),
    );
    // A broker's first consumer group ever makes Kafka create __consumer_offsets; until then
    // every coordinator lookup fails, and kafkajs treats that as fatal and stops the consumer for
    // good. So wait, under the edge's deadline, until the group has a coordinator.
    await this.retrying('Kafka has no group coordinator for this run', () =>
      this.admin.describeGroups([this.groupId]),
    );
    // `run` returns before the group is joined: wait for the join too, and fail fast on a crash.
    let joined = false;
    let crashed: Error | null = null;
    const arrivals = new Arrivals(this.clock);
    const offJoin = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      joined = true;
      arrivals.notify();
    });
    const offCrash = this.consumer.on(this.consumer.events.CRASH, (e) => {
      if (!e.payload.restart) crashed = kafkaFailure('the Kafka consumer stopped', e.payload.error);
      arrivals.notify();
    });
    const off = () => {
      offJoin();
      offCrash();
    };
    try {
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }: EachBatchPayload) => {
          for (const m of batch.messages) onRecord(batch.topic, m.value?.toString('utf8') ?? '');
        },
      });
    } catch (e) {
      off();
      throw kafkaFailure('cannot consume Kafka topics', e);
    }
    try {
      await arrivals.until(
        () => {
          if (crashed !== null) throw crashed;
          return joined ? true : null;
        },
        this.sendRetryMs,
        () =>
          new KafkaUnavailableError(
            `Kafka at ${this.brokers.join(',')} did not let the consumer join its group within ${Math.round(this.sendRetryMs / 1000)} s`,
            { retriable: true },
          ),
      );
    } finally {
      off();
    }
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    if (topics.length > 0) await this.admin.deleteTopics({ topics: [...topics] }).catch(() => {});
  }

  /** Disconnects every client; never throws. */
  async close(): Promise<void> {
    await Promise.allSettled([
      this.consumer.disconnect(),
      this.producer.disconnect(),
      this.admin.disconnect(),
    ]);
  }
}

function reason(e: unknown): string {
  const err = e as { message?: string; cause?: unknown; originalError?: { message?: string } };
  const inner =
    err.originalError?.message ?? (err.cause as { message?: string } | undefined)?.message;
  return (inner ?? err.message ?? String(e)).replace(/\.$/, '');
}

function unreachable(brokers: readonly string[], e: unknown): KafkaUnavailableError {
  return new KafkaUnavailableError(
    `cannot reach Kafka at ${brokers.join(',')} (${reason(e)}); start a local broker with \`npm run kafka:start\` or pass --brokers host:port`,
    { cause: e, retriable: true },
  );
}

function kafkaFailure(what: string, e: unknown): QossipError {
  return new KafkaUnavailableError(`${what}: ${reason(e)}`, { cause: e, retriable: true });
}
