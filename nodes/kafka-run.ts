/**
 * The run-control protocol over Kafka shared by the experiment driver and node hosts: record
 * shapes on the control and vm-metrics topics, and the Kafka transport for PM messages and node
 * events. Control records: `register` (host → driver), `start` (driver → hosts, with the
 * NodeRunSpec), `step` (driver → hosts, after the step's vm-metrics), `end` and `abort`.
 */
import { TransportKafka } from '../src/transport/kafka/transport-kafka.ts';
import type { KafkaIo } from '../src/transport/kafka/kafka-io.ts';
import { messageCodec } from '../protocols/message-codec.ts';
import type { Message } from '../protocols/messages.ts';
import { eventCodec, type NodeEvent } from './node-events.ts';
import type { NodeRunSpec } from './build-agents.ts';

/** Version of the control records; a host of another version is refused at registration. */
export const RUN_PROTOCOL_VERSION = 1;

/** Nodes [lo, hi], inclusive. */
export type NodeRange = [number, number];

export interface StartRecord {
  k: 'start';
  v: number;
  spec: NodeRunSpec;
  /** Process hosting each node (0 = driver). */
  hostOf: number[];
  /** Node range of each remote process, in process order (index 0 is the driver's, unused). */
  ranges: NodeRange[];
  steps: number;
  roundsPerStep: number;
  vmCount: number;
  barrierTimeoutMs: number;
}

/** A VM's metrics for one step: the seed report's JSON shape, plus exact demand for the hypervisor. */
export interface VmMetricsRecord {
  step: number;
  vm_id: number;
  /** CPU used, % of the VM's requested MIPS. */
  cpu_usage: number;
  /** Memory used, % of the VM's RAM. */
  memory_usage: number;
  /** Network used, % of the link (not in PlanetLab traces: 0). */
  network_usage: number;
  /** CPU demand, MIPS. */
  cpu_mips: number;
  /** RAM, MB. */
  ram_mb: number;
}

export function rangeLabel([lo, hi]: NodeRange): string {
  return lo === hi ? `node ${lo}` : `nodes ${lo}–${hi}`;
}

export function parseRange(text: string): NodeRange | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) return null;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return hi >= lo ? [lo, hi] : null;
}

export function makeKafkaTransport(
  io: KafkaIo,
  prefix: string,
  process: number,
  hostOf: Int32Array,
  ranges: readonly NodeRange[],
  barrierTimeoutMs: number,
  onEvents?: (events: NodeEvent[], invalid: number) => void,
  onControl?: (rec: Record<string, unknown>) => void,
  onVmMetrics?: (rec: Record<string, unknown>) => void,
): TransportKafka<Message, NodeEvent> {
  return new TransportKafka<Message, NodeEvent>({
    io,
    prefix,
    process,
    processCount: ranges.length,
    hostOf,
    messageCodec,
    eventCodec,
    barrierTimeoutMs,
    describeProcess: (p) =>
      p === 0 ? 'the experiment driver' : `node host ${p} (${rangeLabel(ranges[p]!)})`,
    ...(onEvents ? { onEvents } : {}),
    ...(onControl ? { onControl } : {}),
    ...(onVmMetrics ? { onVmMetrics } : {}),
  });
}
