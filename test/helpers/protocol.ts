/**
 * Protocol steps as data, for handler tests: build one node's consolidation state, run one step
 * on an event, and read the effects it wrote (and the events it raised for itself) as plain
 * objects. Nothing is carried out: learning requests stay requests.
 */
import type { NodePolicy } from '../../src/policy/policy.ts';
import { Rng } from '../../src/core/rng.ts';
import type { ConsolidationOptions } from '../../protocols/consolidation-options.ts';
import {
  createConsolidation,
  type ConsolidationState,
} from '../../protocols/consolidation-state.ts';
import { MSG_TYPE_NAMES, type Message } from '../../protocols/messages.ts';
import { fixedPeer, type PeerSampler } from '../../protocols/peer-sampling.ts';
import type { EffectSink } from '../../nodes/node-events.ts';
import { createPmNode, readDemand, type VmSensor } from '../../protocols/pm-node.ts';
import { Fx, Out, type NodeTick, type Protocol } from '../../protocols/protocol.ts';

export type Effect =
  | { fx: 'send'; msg: Message }
  | { fx: 'migrated'; vm: number; from: number }
  | { fx: 'slept' }
  | { fx: 'woke' }
  | { fx: 'rejected'; msg: Message }
  | { fx: 'exchange' }
  | {
      fx: 'learnOut';
      token: number;
      state: number;
      action: number;
      next: number;
      terminal: boolean;
    }
  | { fx: 'learnIn'; token: number; state: number; action: number; next: number }
  | { fx: 'forget'; token: number }
  | { fx: 'observe'; state: number; cpuUtil: number; ramUtil: number }
  | { fx: 'train'; profiles: unknown }
  | { fx: 'merge'; tables: Float32Array }
  | { fx: 'raise'; type: number };

/** The effects in `out`, as data, in order; `out` is emptied. */
export function effectsOf(out: Out): Effect[] {
  const list: Effect[] = [];
  for (let i = 0; i < out.count; i++) {
    const { code, num: n, ref } = out.at(i);
    switch (code) {
      case Fx.Send:
        list.push({ fx: 'send', msg: ref as Message });
        break;
      case Fx.Migrated:
        list.push({ fx: 'migrated', vm: n[0]!, from: n[1]! });
        break;
      case Fx.Slept:
        list.push({ fx: 'slept' });
        break;
      case Fx.Woke:
        list.push({ fx: 'woke' });
        break;
      case Fx.Rejected:
        list.push({ fx: 'rejected', msg: ref as Message });
        break;
      case Fx.ExchangeStarted:
        list.push({ fx: 'exchange' });
        break;
      case Fx.LearnOut:
        list.push({
          fx: 'learnOut',
          token: n[0]!,
          state: n[1]!,
          action: n[2]!,
          next: n[3]!,
          terminal: n[4] === 1,
        });
        break;
      case Fx.LearnIn:
        list.push({ fx: 'learnIn', token: n[0]!, state: n[1]!, action: n[2]!, next: n[3]! });
        break;
      case Fx.Forget:
        list.push({ fx: 'forget', token: n[0]! });
        break;
      case Fx.Observe:
        list.push({ fx: 'observe', state: n[0]!, cpuUtil: n[1]!, ramUtil: n[2]! });
        break;
      case Fx.Train:
        list.push({ fx: 'train', profiles: ref });
        break;
      case Fx.Merge:
        list.push({ fx: 'merge', tables: ref as Float32Array });
        break;
    }
  }
  if (out.raised !== null) list.push({ fx: 'raise', type: out.raised.type });
  out.clear();
  return list;
}

/** One step of `protocol` on `ev`, its effects as data (a raised event is listed, not run). */
export function step<S, M extends Message>(
  protocol: Protocol<S, M>,
  state: S,
  ev: M | Message | NodeTick,
): Effect[] {
  const out = new Out();
  protocol.step(state, ev as M | NodeTick, out);
  return effectsOf(out);
}

/** The messages among `effects`, as `Type from→to` strings. */
export function sends(effects: readonly Effect[]): string[] {
  return effects.flatMap((e) =>
    e.fx === 'send' ? [`${MSG_TYPE_NAMES[e.msg.type]} ${e.msg.from}→${e.msg.to}`] : [],
  );
}

/** A sampler that always picks `peer` and knows no sleeper. */
export const towards = fixedPeer;

/** A sink that sends into `transport` and ignores node events (a rejection is a test failure). */
export function sinkInto(transport: { send(m: Message): void }): EffectSink {
  return {
    send: (m) => transport.send(m),
    migrated() {},
    slept() {},
    woke() {},
    rewarded() {},
    rejected: (_n, m) => {
      throw new Error(`message rejected: ${m === null ? '?' : MSG_TYPE_NAMES[m.type]}`);
    },
    exchangeStarted() {},
  };
}

/** One node's consolidation state, its demand read, at round 1. */
export function consolidationNode(o: {
  id: number;
  vms: number[];
  policy: NodePolicy;
  sensor: VmSensor;
  options: ConsolidationOptions;
  sampler?: PeerSampler;
  cpuCapMips?: number;
  ramCapMb?: number;
  asleep?: boolean;
}): ConsolidationState {
  const node = createPmNode({
    id: o.id,
    cpuCapMips: o.cpuCapMips ?? 4000,
    ramCapMb: o.ramCapMb ?? 4096,
    rng: new Rng(100 + o.id),
    sensor: o.sensor,
    vms: o.vms,
    asleep: o.asleep ?? false,
  });
  node.round = 1;
  readDemand(node);
  return createConsolidation(node, o.policy, o.sampler ?? towards(1 - o.id), o.options);
}
