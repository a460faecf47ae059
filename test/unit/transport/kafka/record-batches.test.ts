/**
 * Cutting records into produce requests below the broker's batch limit: order kept, nothing lost
 * or duplicated, every topic's bytes in a request within the limit, a record too large alone
 * refused at once with one sentence.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BATCH_OVERHEAD_BYTES,
  recordBytes,
  splitIntoRequests,
  type KafkaRecord,
} from '../../../../src/transport/kafka/record-batches.ts';
import { KafkaRefusedError } from '../../../../src/transport/kafka/kafka-errors.ts';

const topicBytes = (req: KafkaRecord[]) => {
  const m = new Map<string, number>();
  for (const r of req) m.set(r.topic, (m.get(r.topic) ?? 0) + recordBytes(r));
  return [...m.values()];
};

describe('splitIntoRequests', () => {
  it("cuts one step's vm-metrics at 10⁴ PMs (13,000 records, 1.8 MB) into requests below 1 MiB", () => {
    const value = JSON.stringify({
      step: 0,
      vm_id: 12345,
      cpu_usage: 51.83894798144907,
      cpu_mips: 1234.5,
      ram_mb: 1740,
    });
    const records = Array.from({ length: 13_000 }, (_, i) => ({
      topic: 'm',
      key: String(i),
      value,
    }));
    const requests = splitIntoRequests(records, 1_048_588);
    expect(requests.length).toBe(2);
    expect(requests.flat()).toEqual(records);
    for (const req of requests) {
      for (const b of topicBytes(req))
        expect(b + BATCH_OVERHEAD_BYTES).toBeLessThanOrEqual(1_048_588);
    }
  });

  it('counts bytes per topic: many small topics share one request', () => {
    const records = Array.from({ length: 1000 }, (_, i) => ({
      topic: `n.${i}`,
      value: 'x'.repeat(900),
    }));
    expect(splitIntoRequests(records, 1_048_588)).toHaveLength(1);
  });

  it('also bounds the whole request', () => {
    const records = Array.from({ length: 10 }, (_, i) => ({
      topic: `n.${i}`,
      value: 'x'.repeat(1000),
    }));
    const requests = splitIntoRequests(records, 1_048_588, 2500);
    expect(requests.map((r) => r.length)).toEqual([2, 2, 2, 2, 2]);
  });

  it('refuses a record larger than the limit at once, naming its topic and size', () => {
    const big = { topic: 'qossip.r.vm-metrics', value: 'x'.repeat(2_000_000) };
    expect(() => splitIntoRequests([big], 1_048_588)).toThrow(KafkaRefusedError);
    expect(() => splitIntoRequests([big], 1_048_588)).toThrow(
      /^cannot publish to Kafka: a 2000032-byte record for qossip\.r\.vm-metrics is larger than the broker's max\.message\.bytes \(1048588\)$/,
    );
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(recordBytes({ topic: 't', value: 'é' })).toBe(recordBytes({ topic: 't', value: 'ab' }));
  });

  it('property: order kept, nothing lost, every topic within the limit in every request', () => {
    const record = fc.record({
      topic: fc.constantFrom('a', 'b', 'c'),
      value: fc.string({ maxLength: 300 }),
      key: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 200 }),
        fc.integer({ min: 500, max: 5000 }),
        (rs, limit) => {
          const records = rs.map((r) =>
            r.key === undefined ? { topic: r.topic, value: r.value } : r,
          );
          const requests = splitIntoRequests(records, limit);
          expect(requests.flat()).toEqual(records);
          for (const req of requests) {
            expect(req.length).toBeGreaterThan(0);
            for (const b of topicBytes(req))
              expect(b).toBeLessThanOrEqual(limit - BATCH_OVERHEAD_BYTES);
          }
        },
      ),
    );
  });
});
