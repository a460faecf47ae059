/**
 * The Kafka edge: the only module that imports kafkajs (lazily, so a plain run never loads it).
 * Connects one admin, one producer and one consumer per OS process, creates topics in parallel
 * batches, cuts records into requests the broker accepts, and is the one retry layer: every
 * operation is retried with back-off within one budget (kafkajs' producer retries are off), a
 * refusal that retrying cannot fix fails at once, and each failure is one typed sentence.
 */
import type {
  Admin,
  Consumer,
  ConsumerRunConfig,
  EachBatchPayload,
  Kafka,
  KafkaConfig,
  Producer,
} from 'kafkajs';
import { Arrivals, realClock, type Clock } from '../../engine/clock.ts';
import {
  KafkaUnavailableError,
  refusalOf,
  refused,
  unavailable,
  unreachable,
} from './kafka-errors.ts';
import { retryWithinBudget } from './edge-retry.ts';
import { brokerMaxBatchBytes, splitIntoRequests, type KafkaRecord } from './record-batches.ts';

export { KafkaRefusedError, KafkaUnavailableError } from './kafka-errors.ts';
export type { KafkaRecord } from './record-batches.ts';

/** How qossip logs in to brokers that require it: SASL, TLS, or both. */
export interface KafkaSecurity {
  sasl?: {
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    username: string;
    password: string;
  };
  /** TLS to every broker: PEM texts (not paths); no `ca`: the system's CAs. */
  tls?: { ca?: string[]; cert?: string; key?: string; rejectUnauthorized?: boolean };
}

export interface KafkaIoOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  clientId: string;
  /** Consumer group id; unique per process and run, so every process reads its topics from the start. */
  groupId: string;
  security?: KafkaSecurity;
  /** TCP connect timeout per attempt, in ms. */
  connectionTimeoutMs?: number;
  /** Request timeout, in ms. */
  requestTimeoutMs?: number;
  /** Retries of the consumer's own requests (kafkajs' exponential back-off; the producer has none). */
  retries?: number;
  /** Longest a consumer fetch waits for data, in ms (latency vs. busy polling). */
  maxWaitTimeInMs?: number;
  /**
   * Longest any one edge operation (a publish, creating or deleting a batch of topics, joining)
   * takes, retries and back-off included, in ms; default 60000 (a broker restart takes seconds).
   */
  retryBudgetMs?: number;
  /** Largest record batch per partition, in bytes; default: the broker's `message.max.bytes`. */
  maxBatchBytes?: number;
  clock?: Clock;
}

/** A topic and its partition count (default 1). */
export type TopicSpec = string | { topic: string; partitions: number };

/**
 * Topics per create or delete request, and requests in flight at once. On one local broker the
 * parallelism does not speed creation up (10⁴ topics: 69–88 s with 1 or 4 in flight, on a loaded
 * 2-core machine): the broker creates each partition's log in turn. Each batch has its own retry
 * budget, so a large creation that keeps progressing is never cut off.
 */
const TOPICS_PER_REQUEST = 250;
const REQUESTS_IN_FLIGHT = 4;

/** The kafkajs client options for `security`. */
export function kafkaSecurityConfig(security: KafkaSecurity | undefined): Partial<KafkaConfig> {
  const out: Partial<KafkaConfig> = {};
  if (security?.tls) out.ssl = { ...security.tls };
  if (security?.sasl) out.sasl = { ...security.sasl } as KafkaConfig['sasl'];
  return out;
}

/** Connected clients of one process. */
export class KafkaIo {
  /**
   * Topics this producer has written to. kafkajs refreshes the metadata of all of them before
   * every publish, so one deleted topic fails every later publish: an unknown-topic error is
   * checked against all of them.
   */
  private readonly written = new Set<string>();
  /** Set by `close`: a consumer that stops then is not restarted. */
  private closing = false;
  /** Times this process restarted a consumer that kafkajs gave up on. */
  restarts = 0;

  private constructor(
    readonly kafka: Kafka,
    readonly admin: Admin,
    readonly producer: Producer,
    readonly consumer: Consumer,
    readonly brokers: readonly string[],
    private readonly groupId: string,
    readonly retryBudgetMs: number,
    /** Largest record batch the brokers accept per partition, in bytes. */
    readonly maxBatchBytes: number,
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
      // Few retries on the first contact and on metadata, so a wrong address fails in about a
      // second; longer outages are the edge's loop's business, under its budget.
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
      logLevel: logLevel.NOTHING,
      ...kafkaSecurityConfig(o.security),
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
    } catch (e) {
      throw unreachable(o.brokers, e, o.security?.sasl !== undefined);
    }
    const producer = kafka.producer({
      // Off: the edge retries each publish within its budget. kafkajs' own retries (up to
      // 8 × 5 s) inside that loop made the total exceed it (118 s and 131 s against 60 s).
      retry: { retries: 0 },
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: false,
    });
    const retry = { retries: o.retries ?? 8, initialRetryTime: 100, maxRetryTime: 5000 };
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
    let maxBatchBytes: number;
    try {
      // A metadata request, not just a connection: a broker that requires SASL accepts an
      // unauthenticated connection and closes it at the first real request.
      const { brokers } = await admin.describeCluster();
      maxBatchBytes = o.maxBatchBytes ?? (await brokerMaxBatchBytes(admin, brokers));
      await producer.connect();
      await consumer.connect();
    } catch (e) {
      await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
      throw unreachable(o.brokers, e, o.security?.sasl !== undefined);
    }
    return new KafkaIo(
      kafka,
      admin,
      producer,
      consumer,
      o.brokers,
      o.groupId,
      o.retryBudgetMs ?? 60_000,
      maxBatchBytes,
      o.clock ?? realClock,
    );
  }

  /** The topics of `topics` that the cluster does not list. */
  private async missing(topics: readonly string[]): Promise<string[]> {
    const existing = new Set(await this.admin.listTopics());
    return topics.filter((t) => !existing.has(t));
  }

  /**
   * Creates the topics that do not exist yet, in requests of TOPICS_PER_REQUEST topics, several
   * in flight, each within its own retry budget (creating 10⁴ topics takes the broker about a
   * minute of steady progress); idempotent. Resolves once every partition has a leader.
   */
  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const specs = topics.map((t) => (typeof t === 'string' ? { topic: t, partitions: 1 } : t));
    const todo = new Set(
      await this.retrying('cannot list topics', () => this.missing(specs.map((s) => s.topic))),
    );
    await inParallel(chunk(specs, TOPICS_PER_REQUEST), REQUESTS_IN_FLIGHT, (c) =>
      this.retrying('cannot create topics', async () => {
        const create = c.filter((s) => todo.has(s.topic));
        if (create.length > 0) {
          await this.admin
            .createTopics({
              waitForLeaders: true,
              topics: create.map((s) => ({
                topic: s.topic,
                numPartitions: s.partitions,
                replicationFactor: -1,
              })),
            })
            .catch(async (e: unknown) => {
              // Created meanwhile (by another process, or by an attempt that timed out): only a
              // real gap is an error.
              if ((await this.missing(create.map((s) => s.topic))).length > 0) throw e;
            });
        }
        // Every partition must have a leader before anyone subscribes: a consumer group assigns
        // only the partitions it can see, and a topic without a leader would be silently missed.
        const { topics: meta } = await this.admin.fetchTopicMetadata({
          topics: c.map((s) => s.topic),
        });
        const leaderless = meta.filter(
          (t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0),
        );
        if (leaderless.length > 0) throw new Error(`no leader yet for ${leaderless[0]!.name}`);
      }),
    );
  }

  /**
   * Publishes records in order, acked by the leader: in as few requests as the broker's batch
   * limit allows (one per broker each), all within one retry budget.
   */
  async send(records: readonly KafkaRecord[]): Promise<void> {
    if (records.length === 0) return;
    const deadline = this.clock.now() + this.retryBudgetMs;
    for (const request of splitIntoRequests(records, this.maxBatchBytes)) {
      const byTopic = new Map<string, { value: string; key?: string }[]>();
      for (const r of request) {
        let list = byTopic.get(r.topic);
        if (!list) byTopic.set(r.topic, (list = []));
        list.push(r.key === undefined ? { value: r.value } : { key: r.key, value: r.value });
      }
      const batch = {
        acks: 1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      };
      for (const topic of byTopic.keys()) this.written.add(topic);
      // A request partly written before a failure is sent again; receivers drop duplicates.
      await this.retrying('cannot publish to Kafka', () => this.producer.sendBatch(batch), {
        deadline,
        topics: this.written,
      });
    }
  }

  /** Runs `fn` within the edge's retry budget (see edge-retry.ts). */
  private retrying<T>(
    what: string,
    fn: () => Promise<T>,
    o: { deadline?: number; topics?: Iterable<string> } = {},
  ): Promise<T> {
    const topics = o.topics;
    return retryWithinBudget(what, fn, {
      clock: this.clock,
      budgetMs: this.retryBudgetMs,
      ...(o.deadline === undefined ? {} : { deadline: o.deadline }),
      ...(topics ? { goneTopics: () => this.missing([...topics]) } : {}),
    });
  }

  /**
   * Subscribes the process's consumer to `topics` from their beginning and hands every record's
   * value to `onRecord` synchronously (never awaiting inside the batch handler). Once joined, the
   * consumer is kept running through broker restarts (see `keepConsuming`); `onStopped` hears
   * why when it cannot be, so that whoever waits for records fails with that sentence at once.
   */
  async consume(
    topics: readonly string[],
    onRecord: (topic: string, value: string) => void,
    onStopped: (e: Error) => void = () => {},
  ): Promise<void> {
    // Just-created topics may not have a leader yet: subscribing is retried like any edge call.
    await this.retrying(
      'cannot subscribe to Kafka topics',
      () => this.consumer.subscribe({ topics: [...topics], fromBeginning: true }),
      { topics },
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
      if (!e.payload.restart) {
        const r = refusalOf(e.payload.error);
        crashed = r
          ? refused('the Kafka consumer stopped', r, e.payload.error)
          : unavailable('the Kafka consumer stopped', 0, e.payload.error);
      }
      arrivals.notify();
    });
    const off = () => {
      offJoin();
      offCrash();
    };
    const run: ConsumerRunConfig = {
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }: EachBatchPayload) => {
        for (const m of batch.messages) onRecord(batch.topic, m.value?.toString('utf8') ?? '');
      },
    };
    try {
      await this.consumer.run(run);
    } catch (e) {
      off();
      throw unavailable('cannot consume Kafka topics', 0, e);
    }
    try {
      await arrivals.until(
        () => {
          if (crashed !== null) throw crashed;
          return joined ? true : null;
        },
        this.retryBudgetMs,
        () =>
          new KafkaUnavailableError(
            `Kafka at ${this.brokers.join(',')} did not let the consumer join its group within ${Math.round(this.retryBudgetMs / 1000)} s`,
            { retriable: true },
          ),
      );
    } finally {
      off();
    }
    this.keepConsuming(run, onStopped);
  }

  /**
   * kafkajs restarts its consumer after retriable errors only. Right after a broker restart it
   * can fail with "Failed to find group coordinator" while the broker still loads its offsets
   * topic, calls that non-retriable and stops the consumer for good: the run then waited at its
   * next barrier until the barrier timeout (seen on a loaded 2-core machine, 1 run in 2). Such a
   * consumer is restarted here, once the group has a coordinator again, within the edge's budget
   * counted from the first crash since the last join. Nothing is lost: offsets are never
   * committed, so the restarted consumer reads its topics from the beginning and the receivers
   * drop what they already have, as after kafkajs' own restarts. A refusal, or a budget spent,
   * ends in `onStopped`.
   */
  private keepConsuming(run: ConsumerRunConfig, onStopped: (e: Error) => void): void {
    let since: number | null = null;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (since = null));
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      since ??= this.clock.now();
      if (e.payload.restart || this.closing) return;
      const r = refusalOf(e.payload.error);
      if (r) return onStopped(refused('the Kafka consumer stopped', r, e.payload.error));
      this.restarts++;
      this.retrying(
        'the Kafka consumer stopped and could not be restarted',
        async () => {
          if (this.closing) return;
          await this.admin.describeGroups([this.groupId]);
          await this.consumer.connect();
          await this.consumer.run(run);
        },
        { deadline: since + this.retryBudgetMs },
      ).catch((err: Error) => this.closing || onStopped(err));
    });
  }

  /**
   * Deletes topics (those already gone are fine), in parallel requests, each within its own retry
   * budget. Throws a sentence naming how many are left when the cluster would not delete them.
   */
  async deleteTopics(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    const existing = async (c: readonly string[]) => {
      const gone = new Set(await this.missing(c));
      return c.filter((t) => !gone.has(t));
    };
    try {
      const left = await this.retrying('cannot list topics', () => existing(topics));
      await inParallel(chunk(left, TOPICS_PER_REQUEST), REQUESTS_IN_FLIGHT, (c) =>
        this.retrying('cannot delete topics', async () => {
          // After an attempt that timed out, some may be gone already: delete only the rest.
          const rest = await existing(c);
          if (rest.length > 0) await this.admin.deleteTopics({ topics: rest });
        }),
      );
    } catch (e) {
      const left = await existing(topics).then(
        (l) => l.length,
        () => topics.length,
      );
      throw new KafkaUnavailableError(
        `${left} of ${topics.length} topics were left behind: ${(e as Error).message}`,
        { cause: e, retriable: true },
      );
    }
  }

  /** Disconnects every client; never throws. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([
      this.consumer.disconnect(),
      this.producer.disconnect(),
      this.admin.disconnect(),
    ]);
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `fn` over `items` with at most `width` running at once; rejects with the first failure. */
async function inParallel<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
