/**
 * Splitting records into produce requests that the broker accepts: Kafka refuses a partition's
 * record batch above `max.message.bytes` (1 MiB + 12 bytes by default), so a step's vm-metrics
 * at 10⁴ PMs (1.7 MB) cannot go in one request. A general mechanism at the edge: any caller's
 * records are cut, in order, into requests whose bytes per topic stay below the limit.
 */
import type { Admin } from 'kafkajs';
import { KafkaRefusedError } from './kafka-errors.ts';

export interface KafkaRecord {
  topic: string;
  value: string;
  /** Partitioning key (e.g. a VM or node id): records with one key stay in order on one partition. */
  key?: string;
}

/**
 * Kafka's v2 record batch header, and an upper bound on one record's framing (length, attributes,
 * timestamp and offset deltas, key and value lengths, header count as varints), in bytes.
 */
export const BATCH_OVERHEAD_BYTES = 61;
export const RECORD_OVERHEAD_BYTES = 32;
/** Kafka's default `message.max.bytes`, used when the broker's own value cannot be read. */
export const DEFAULT_MAX_BATCH_BYTES = 1_048_588;
/** Bound on one produce request over all topics (the broker's socket.request.max.bytes is 100 MiB). */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/** Bytes a record adds to its batch, at most (values and keys as UTF-8, no compression). */
export function recordBytes(r: KafkaRecord): number {
  const key = r.key === undefined ? 0 : Buffer.byteLength(r.key, 'utf8');
  return Buffer.byteLength(r.value, 'utf8') + key + RECORD_OVERHEAD_BYTES;
}

/**
 * Cuts `records`, keeping their order, into requests in which every topic's records (so every
 * partition's batch, a topic's part) fit in `maxBatchBytes`, and the whole request in
 * `maxRequestBytes`. A record that cannot fit alone is refused at once, naming its topic.
 */
export function splitIntoRequests(
  records: readonly KafkaRecord[],
  maxBatchBytes: number,
  maxRequestBytes = MAX_REQUEST_BYTES,
): KafkaRecord[][] {
  const room = maxBatchBytes - BATCH_OVERHEAD_BYTES;
  const out: KafkaRecord[][] = [];
  let cur: KafkaRecord[] = [];
  let perTopic = new Map<string, number>();
  let total = 0;
  for (const r of records) {
    const bytes = recordBytes(r);
    if (bytes > room) {
      throw new KafkaRefusedError(
        `cannot publish to Kafka: a ${bytes}-byte record for ${r.topic} is larger than the broker's ` +
          `max.message.bytes (${maxBatchBytes})`,
        { retriable: false },
      );
    }
    const topicBytes = (perTopic.get(r.topic) ?? 0) + bytes;
    if (cur.length > 0 && (topicBytes > room || total + bytes > maxRequestBytes)) {
      out.push(cur);
      cur = [];
      perTopic = new Map();
      total = 0;
    }
    cur.push(r);
    perTopic.set(r.topic, (perTopic.get(r.topic) ?? 0) + bytes);
    total += bytes;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * The smallest `message.max.bytes` of the cluster's brokers, which bounds every partition's record
 * batch (qossip creates its topics without overrides); Kafka's default when it cannot be read
 * (e.g. a user without DescribeConfigs rights).
 */
export async function brokerMaxBatchBytes(
  admin: Admin,
  brokers: { nodeId: number }[],
): Promise<number> {
  try {
    const kafkajs = await import('kafkajs');
    const { ConfigResourceTypes } = kafkajs.default ?? kafkajs;
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: brokers.map((b) => ({
        type: ConfigResourceTypes.BROKER,
        name: String(b.nodeId),
        configNames: ['message.max.bytes'],
      })),
    });
    const values = resources.flatMap((r) => r.configEntries.map((c) => Number(c.configValue)));
    const ok = values.filter((v) => Number.isInteger(v) && v > 0);
    return ok.length > 0 ? Math.min(...ok) : DEFAULT_MAX_BATCH_BYTES;
  } catch {
    return DEFAULT_MAX_BATCH_BYTES;
  }
}
