/** The run's topics in each layout, and which layout a run gets when none is asked for. */
import { describe, expect, it } from 'vitest';
import {
  INBOX_PARTITIONS,
  NODE_TOPIC_LIMIT,
  WIDE_TOPIC_PARTITIONS,
  chooseTopicLayout,
  runTopicSpecs,
} from '../../../src/transport/kafka/topic-layout.ts';
import { runTopics } from '../../../src/transport/kafka/transport-kafka.ts';

const t = runTopics('qossip.r');
const shared = [
  'qossip.r.control',
  { topic: 'qossip.r.events', partitions: WIDE_TOPIC_PARTITIONS },
  { topic: 'qossip.r.vm-metrics', partitions: WIDE_TOPIC_PARTITIONS },
];

describe('topic layout', () => {
  it('per-node topics up to the limit, partitioned beyond it, unless one is asked for', () => {
    expect(chooseTopicLayout(NODE_TOPIC_LIMIT, undefined)).toBe('node');
    expect(chooseTopicLayout(NODE_TOPIC_LIMIT + 1, undefined)).toBe('partitioned');
    expect(chooseTopicLayout(10_000, 'node')).toBe('node');
    expect(chooseTopicLayout(5, 'partitioned')).toBe('partitioned');
  });

  it('node: one inbox per node; partitioned: one per process with nodes, up to 16 partitions', () => {
    const procs = [
      ['d', [0, 1, 2]],
      ['h3-40', Array.from({ length: 38 }, (_, i) => 3 + i)],
      ['h41-41', []],
    ] as const;
    expect(runTopicSpecs(t, 'node', procs)).toEqual([
      ...shared,
      ...Array.from({ length: 41 }, (_, n) => `qossip.r.node.${n}`),
    ]);
    expect(runTopicSpecs(t, 'partitioned', procs)).toEqual([
      ...shared,
      { topic: 'qossip.r.inbox.d', partitions: 3 },
      { topic: 'qossip.r.inbox.h3-40', partitions: INBOX_PARTITIONS },
    ]);
  });
});
