/**
 * GlapAveraging, GLAP's learning exchange (Khelghatdoust 2018, §4.4; DESIGN §1; types 14–17),
 * on nodes whose policy has a GLAP learner. Every `periodRounds` rounds (staggered by node id) an
 * awake PM whose CPU load is below `trainBelowLoad` picks a peer and:
 *   ProfileRequest → Profile (the peer's capacity and its VMs' CPU / RAM demand)
 *     the initiator trains its tables by simulating consolidation with that peer, locally;
 *   Merge (the initiator's tables) → MergeReply (the peer's tables, as they were)
 *     both keep the element-wise mean: push-pull averaging, so the tables converge across PMs.
 * Tables travel as each row's entries that are not +0 (q-table.ts `writeRows`), checked at the
 * edge by `wellFormed`.
 * The exchange's session is this protocol's state; training and averaging change the learner's
 * tables, so they are effects. A lost message just ends the exchange (the next period starts a
 * new one). A sleeping PM answers Asleep to the requests.
 */
import type { GlapLearner, VmProfile } from '../src/policy/policy.ts';
import { isTableRows } from '../src/policy/q-table.ts';
import { MsgType, message, type Msg } from './messages.ts';
import type { PeerSampler } from './peer-sampling.ts';
import { nextSeq, type PmNode } from './pm-node.ts';
import {
  Lifecycle,
  answer,
  isTick,
  reply,
  tick,
  type NodeTick,
  type Out,
  type Protocol,
} from './protocol.ts';

export interface GlapAveragingState {
  readonly node: PmNode;
  readonly learner: GlapLearner;
  readonly sampler: PeerSampler;
  /** The open exchange this node started: its peer and the seq its next answer must name. */
  session: { peer: number; seq: number } | null;
}

export type GlapMessage =
  | Msg<typeof MsgType.ProfileRequest>
  | Msg<typeof MsgType.Profile, 'data'>
  | Msg<typeof MsgType.Merge, 'rows'>
  | Msg<typeof MsgType.MergeReply, 'rows'>;

/** Raised after training on a peer's profile: send it the trained tables. */
const TRAINED: NodeTick = tick(-32);

export const GLAP_AVERAGING: Protocol<GlapAveragingState, GlapMessage> = {
  name: 'glap-averaging',
  types: [MsgType.ProfileRequest, MsgType.Profile, MsgType.Merge, MsgType.MergeReply],
  carries: { [MsgType.Profile]: 'data', [MsgType.Merge]: 'rows', [MsgType.MergeReply]: 'rows' },
  wellFormed: (m) =>
    (m.type !== MsgType.Merge && m.type !== MsgType.MergeReply) || isTableRows(m.rows!, 2),
  init: (ctx) =>
    ctx.policy.glap === undefined
      ? null
      : { node: ctx.node, learner: ctx.policy.glap, sampler: ctx.sampler, session: null },
  step(g, ev, out) {
    const n = g.node;
    if (n.asleep) {
      if (!isTick(ev) && (ev.type === MsgType.ProfileRequest || ev.type === MsgType.Merge))
        reply(n, out, ev, MsgType.Asleep);
      return;
    }
    if (isTick(ev)) {
      if (ev.type === Lifecycle.RoundStart) openExchange(g, out);
      else if (ev.type === TRAINED.type) sendTrained(g, out);
      return;
    }
    switch (ev.type) {
      case MsgType.ProfileRequest: {
        const r = answer(n, ev, MsgType.Profile);
        r.data = profileOf(n);
        out.send(r);
        return;
      }
      case MsgType.Profile: {
        const s = g.session;
        if (!s || s.peer !== ev.from || s.seq !== ev.re || ev.data.length < 2) return;
        const d = ev.data;
        out.train(asProfile(n.id, profileOf(n)), asProfile(ev.from, d));
        s.seq = ev.seq; // the Merge answers this Profile
        out.raise(TRAINED);
        return;
      }
      case MsgType.Merge: {
        const r = answer(n, ev, MsgType.MergeReply);
        r.rows = g.learner.exportTables(); // as they were, before averaging
        out.send(r);
        out.merge(ev.rows);
        return;
      }
      case MsgType.MergeReply: {
        const s = g.session;
        if (!s || s.peer !== ev.from || s.seq !== ev.re) return;
        out.merge(ev.rows);
        g.session = null;
        return;
      }
    }
  },
};

/** Round start: maybe open this node's training-and-averaging exchange. */
function openExchange(g: GlapAveragingState, out: Out): void {
  const n = g.node;
  const o = g.learner.options;
  if ((n.round + n.id) % o.periodRounds !== 0) return;
  if (n.cpuUsedMips / n.cpuCapMips >= o.trainBelowLoad) return;
  const peer = g.sampler.select(n.rng);
  if (peer < 0) return;
  const m = message(MsgType.ProfileRequest, n.id, peer, nextSeq(n));
  g.session = { peer, seq: m.seq };
  out.send(m);
}

/** After training on the peer's profile: send it the trained tables to average. */
function sendTrained(g: GlapAveragingState, out: Out): void {
  const n = g.node;
  const s = g.session;
  if (!s) return;
  const merge = message(MsgType.Merge, n.id, s.peer, nextSeq(n), s.seq);
  merge.rows = g.learner.exportTables();
  s.seq = merge.seq;
  out.send(merge);
}

/** This node's hypervisor readings as a profile payload: [cpuCapMips, ramCapMb, cpu0, ram0, …]. */
function profileOf(n: PmNode): number[] {
  const out = [n.cpuCapMips, n.ramCapMb];
  for (const vm of n.vms) out.push(n.sensor.cpuMips(vm), n.sensor.ramMb(vm));
  return out;
}

function asProfile(node: number, d: readonly number[]): VmProfile {
  return { node, cpuCapMips: d[0]!, ramCapMb: d[1]!, vms: d.slice(2) };
}
