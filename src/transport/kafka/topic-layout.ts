/**
 * How a run's topics are laid out and created. The shared topics: `control`, one partition (its
 * records must stay in order), and `events` and `vm-metrics`, several partitions (keyed by node
 * and VM id), so no partition's batch grows with the fleet. Node inboxes come in two layouts:
 *
 * - `node`: one topic per node, `qossip.<run>.node.<id>` (what people ask for, and what stock
 *   tools show best). The broker creates each topic's log in turn (10⁴ topics: 69–88 s), so it
 *   is the default only up to NODE_TOPIC_LIMIT nodes.
 * - `partitioned`: one topic per process, `qossip.<run>.inbox.<sender id>`, with up to
 *   INBOX_PARTITIONS partitions, each record keyed by its recipient's node id: a run of any size
 *   has a handful of topics.
 *
 * Every process creating a run's topics uses this, so whoever is first creates them the same way.
 */
import type { TopicSpec } from './kafka-io.ts';

/** Partitions of `events` and `vm-metrics`: at 10⁴ PMs a step's 1.8 MB of metrics is ~225 KB each. */
export const WIDE_TOPIC_PARTITIONS = 8;

/** Partitions of a process's inbox topic in the partitioned layout (fewer when it hosts fewer nodes). */
export const INBOX_PARTITIONS = 16;

/** Most nodes a run gets one topic each by default; larger runs default to `partitioned`. */
export const NODE_TOPIC_LIMIT = 1000;

export type TopicLayout = 'node' | 'partitioned';

/** The layout of a run of `pms` nodes: the one asked for, else per-node topics up to the limit. */
export function chooseTopicLayout(pms: number, asked: TopicLayout | undefined): TopicLayout {
  return asked ?? (pms <= NODE_TOPIC_LIMIT ? 'node' : 'partitioned');
}

export interface RunTopicNames {
  node(id: number): string;
  inbox(sender: string): string;
  control: string;
  events: string;
  vmMetrics: string;
}

/** The run's shared topics. */
export function sharedTopicSpecs(t: RunTopicNames): TopicSpec[] {
  return [
    t.control,
    { topic: t.events, partitions: WIDE_TOPIC_PARTITIONS },
    { topic: t.vmMetrics, partitions: WIDE_TOPIC_PARTITIONS },
  ];
}

/** The inbox topics, in `layout`, of processes given as [sender id, the nodes it hosts]. */
export function inboxTopicSpecs(
  t: RunTopicNames,
  layout: TopicLayout,
  processes: readonly (readonly [string, readonly number[]])[],
): TopicSpec[] {
  if (layout === 'node') return processes.flatMap(([, nodes]) => nodes.map((n) => t.node(n)));
  return processes
    .filter(([, nodes]) => nodes.length > 0)
    .map(([sender, nodes]) => ({
      topic: t.inbox(sender),
      partitions: Math.min(nodes.length, INBOX_PARTITIONS),
    }));
}

/** The specs of the run's shared topics and of the inboxes of the processes given. */
export function runTopicSpecs(
  t: RunTopicNames,
  layout: TopicLayout,
  processes: readonly (readonly [string, readonly number[]])[],
): TopicSpec[] {
  return [...sharedTopicSpecs(t), ...inboxTopicSpecs(t, layout, processes)];
}
