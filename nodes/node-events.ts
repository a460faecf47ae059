/**
 * Node events as data: what a PM agent reports to observers (the datacenter, metrics, the Kafka
 * events topic). Each event carries its node and a per-node sequence number, so events gathered
 * from several processes are applied in one canonical order: (node, seq) within a barrier.
 */
import { z } from 'zod';
import type { Message } from '../protocols/messages.ts';
import { PmStatusSchema, type PmStatus } from './pm-status.ts';

/** Where a node's effects go: the transport, and the observers of node events. */
export interface EffectSink {
  send(msg: Message): void;
  /** A VM's ownership moved: emitted once, by the recipient, when it commits. */
  migrated(vm: number, from: number, to: number): void;
  slept(node: number): void;
  woke(node: number): void;
  /** A learning reward was paid (for reward statistics). */
  rewarded(node: number, role: 'out' | 'in', reward: number): void;
  /** A message was dropped as invalid (wrong version or unknown type); null when only counted. */
  rejected(node: number, msg: Message | null): void;
  /** The node started a consolidation exchange (sent a Probe or a Wake). */
  exchangeStarted(node: number): void;
}

/** What observers hear: the agents' effects but sends, and the hypervisors' step-end reports. */
export type ObserverSink = Omit<EffectSink, 'send'> & {
  /** PM `node`'s status at a step's end (runs with events over Kafka: nodes/fleet-ops.ts). */
  status?(node: number, status: PmStatus): void;
};

export type NodeEvent =
  | { kind: 'migrated'; node: number; seq: number; vm: number; from: number }
  | { kind: 'slept'; node: number; seq: number }
  | { kind: 'woke'; node: number; seq: number }
  | { kind: 'rewarded'; node: number; seq: number; role: 'out' | 'in'; reward: number }
  | { kind: 'rejected'; node: number; seq: number }
  | { kind: 'exchange'; node: number; seq: number }
  | { kind: 'status'; node: number; seq: number; status: PmStatus };

const base = { node: z.number().int().min(0), seq: z.number().int().min(0) };
const EventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('migrated'),
    ...base,
    vm: z.number().int().min(0),
    from: z.number().int().min(0),
  }),
  z.object({ kind: z.literal('slept'), ...base }),
  z.object({ kind: z.literal('woke'), ...base }),
  z.object({
    kind: z.literal('rewarded'),
    ...base,
    role: z.enum(['out', 'in']),
    reward: z.number(),
  }),
  z.object({ kind: z.literal('rejected'), ...base }),
  z.object({ kind: z.literal('exchange'), ...base }),
  z.object({ kind: z.literal('status'), ...base, status: PmStatusSchema }),
]);

export const eventCodec = {
  encode: (e: NodeEvent): unknown => e,
  decode(raw: unknown): NodeEvent | null {
    const r = EventSchema.safeParse(raw);
    return r.success ? (r.data as NodeEvent) : null;
  },
};

/** A sink that sends messages with `send` and turns everything else into events for `emit`. */
export function eventEffects(
  send: (m: Message) => void,
  emit: (e: NodeEvent) => void,
  pms: number,
): EffectSink & { status(node: number, status: PmStatus): void } {
  const seq = new Uint32Array(pms);
  const next = (node: number) => seq[node]!++;
  return {
    send,
    migrated: (vm, from, to) => emit({ kind: 'migrated', node: to, seq: next(to), vm, from }),
    slept: (node) => emit({ kind: 'slept', node, seq: next(node) }),
    woke: (node) => emit({ kind: 'woke', node, seq: next(node) }),
    rewarded: (node, role, reward) =>
      emit({ kind: 'rewarded', node, seq: next(node), role, reward }),
    rejected: (node) => emit({ kind: 'rejected', node, seq: next(node) }),
    exchangeStarted: (node) => emit({ kind: 'exchange', node, seq: next(node) }),
    status: (node, status) => emit({ kind: 'status', node, seq: next(node), status }),
  };
}

/** Replays an event onto a sink (the observer side of `eventEffects`). */
export function applyEvent(e: NodeEvent, fx: ObserverSink): void {
  switch (e.kind) {
    case 'migrated':
      return fx.migrated(e.vm, e.from, e.node);
    case 'slept':
      return fx.slept(e.node);
    case 'woke':
      return fx.woke(e.node);
    case 'rewarded':
      return fx.rewarded(e.node, e.role, e.reward);
    case 'rejected':
      return fx.rejected(e.node, null);
    case 'exchange':
      return fx.exchangeStarted(e.node);
    case 'status':
      return fx.status?.(e.node, e.status);
  }
}
