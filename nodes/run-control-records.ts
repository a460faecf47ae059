/**
 * The records of the run-control protocol over Kafka (nodes/run-control.ts): one zod schema per
 * control record kind (register, start, step, phase barrier, end, abort) and for the vm-metrics
 * records, the protocol's version, and the node ranges that name node-host processes.
 */
import { z } from 'zod';
import { hostSender, DRIVER_SENDER } from '../src/transport/kafka/record-auth.ts';
import { NodeRunSpecSchema } from './build-agents.ts';
import { FleetOpSchema } from './pm-status.ts';

/**
 * Version of the control records; a peer of another version is refused with one sentence.
 * 2: every record signed (record-auth.ts), the start names the topic layout.
 * 3: runs with events: step records carry the scheduler's ops, hosts report PM statuses.
 */
export const RUN_PROTOCOL_VERSION = 3;

/** Nodes [lo, hi], inclusive. */
export type NodeRange = [number, number];

const nat = z.number().int().min(0);
const range = z.tuple([nat, nat]);
const naturals = z.array(nat);

const ControlSchema = z.discriminatedUnion('k', [
  /** Host → driver: I host these nodes. */
  z.object({ k: z.literal('register'), v: z.number(), nodes: range, host: z.string() }),
  /** Driver → hosts: the run, and which process hosts which nodes. */
  z.object({
    k: z.literal('start'),
    v: z.number(),
    spec: NodeRunSpecSchema,
    /** Process hosting each node (0 = driver). */
    hostOf: naturals,
    /** Node range of each process, in process order (index 0 is the driver's, unused). */
    ranges: z.array(z.tuple([z.number().int(), z.number().int()])),
    steps: nat,
    roundsPerStep: z.number().int().min(1),
    vmCount: nat,
    barrierTimeoutMs: z.number().int().min(1),
    /** Where node inboxes are (src/transport/kafka/topic-layout.ts). */
    layout: z.enum(['node', 'partitioned']),
    /**
     * A run with events: each host reports its PMs' statuses at every step's end, at a barrier
     * of its own, and applies the ops of each step record (nodes/fleet-ops.ts).
     */
    events: z.boolean(),
    /** `--tolerate-host-loss`: at a barrier's deadline hosts wait for the driver's verdict. */
    tolerateHostLoss: z.boolean(),
  }),
  /**
   * Driver → hosts: step `s`'s vm-metrics are all published; `ops`: what the scheduler does to
   * remote PMs at its start, in order (runs with events).
   */
  z.object({
    k: z.literal('step'),
    s: nat,
    ops: z.array(FleetOpSchema).max(10_000_000).optional(),
  }),
  /** Every process, at each barrier: messages it sent to each process, events, invalid records. */
  z.object({
    k: z.literal('phase'),
    b: nat,
    p: nat,
    sent: naturals,
    events: nat,
    invalid: nat,
  }),
  /**
   * Driver → all: process `p` (a node host) missed barrier `b`'s deadline and is lost from `b`
   * on (`--tolerate-host-loss`): nobody waits for it, and what it sent for `b` or later is dropped.
   */
  z.object({ k: z.literal('lost'), p: z.number().int().min(1), b: z.number().int().min(1) }),
  /** Driver → hosts: the run is complete. */
  z.object({ k: z.literal('end') }),
  /** Any process → all: the run failed, with one sentence. */
  z.object({ k: z.literal('abort'), from: z.string(), message: z.string() }),
]);

export type ControlRecord = z.output<typeof ControlSchema>;
export type StartRecord = Extract<ControlRecord, { k: 'start' }>;

/** A control record, or null when it is malformed. */
export function decodeControl(raw: unknown): ControlRecord | null {
  const r = ControlSchema.safeParse(raw);
  return r.success ? r.data : null;
}

/** A VM's metrics for one step: the seed report's JSON shape, plus exact demand for the hypervisor. */
export const VmMetricsSchema = z.object({
  step: nat,
  vm_id: nat,
  /** CPU used, % of the VM's requested MIPS. */
  cpu_usage: z.number(),
  /** Memory used, % of the VM's RAM; only where the trace has it (experiments/kafka/vm-metrics.ts). */
  memory_usage: z.number().optional(),
  /** Network used, % of the link; only where the trace has it. */
  network_usage: z.number().optional(),
  /** The trace's network throughput (in + out), KB/s; only with network_usage. */
  network_kbps: z.number().optional(),
  /** CPU demand, MIPS. */
  cpu_mips: z.number().min(0).max(1e12),
  /** RAM, MB. */
  ram_mb: z.number().min(0).max(1e12),
  /**
   * Present (true) once the VM has ended (the `cloudsim` profile: its demand read 0 at an update):
   * its PM's hypervisor tells its agent, which drops it, as in one process (VmSensor.ended).
   */
  ended: z.literal(true).optional(),
});

export type VmMetricsRecord = z.output<typeof VmMetricsSchema>;

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

/** Sender id (record-auth.ts) of the process of each range; index 0 is the driver. */
export function sendersOf(ranges: readonly NodeRange[]): string[] {
  return ranges.map(([lo, hi], p) => (p === 0 ? DRIVER_SENDER : hostSender(lo, hi)));
}
