/**
 * How a run's topics are created: one partition per node inbox and for the control topic (whose
 * records must stay in order), several for the wide topics that every node or VM writes to
 * (`events` keyed by node id, `vm-metrics` keyed by VM id), so no partition's batch grows with
 * the fleet. Every process creating a run's topics uses this, so whoever is first creates them
 * the same way.
 */
import type { TopicSpec } from './kafka-io.ts';

/** Partitions of `events` and `vm-metrics`: at 10⁴ PMs a step's 1.8 MB of metrics is ~225 KB each. */
export const WIDE_TOPIC_PARTITIONS = 8;

interface RunTopicNames {
  node(id: number): string;
  control: string;
  events: string;
  vmMetrics: string;
}

/** The specs of the run's shared topics and of the inboxes of `nodes`. */
export function runTopicSpecs(t: RunTopicNames, nodes: Iterable<number>): TopicSpec[] {
  return [
    t.control,
    { topic: t.events, partitions: WIDE_TOPIC_PARTITIONS },
    { topic: t.vmMetrics, partitions: WIDE_TOPIC_PARTITIONS },
    ...Array.from(nodes, (n) => t.node(n)),
  ];
}
