/**
 * GLAP's learning exchange (Khelghatdoust 2018, §4.4; DESIGN §1), for nodes whose policy has a
 * `glap` learner. Every `periodRounds` rounds (staggered by node id) an awake PM whose CPU load is
 * below `trainBelowLoad` picks a peer and:
 *   ProfileRequest → Profile (the peer's capacity and its VMs' CPU / RAM demand)
 *     the initiator trains its tables by simulating consolidation with that peer, locally;
 *   Merge (the initiator's tables) → MergeReply (the peer's tables, as they were)
 *     both keep the element-wise mean: push-pull averaging, so the tables converge across PMs.
 * Handlers touch only their own node; a lost message just ends the exchange (the next period
 * starts a new one). A sleeping PM answers Asleep, as to a probe.
 */
import { MsgType, message, type Message } from './messages.ts';
import type { ConsolidationNode, Effects } from './node-state.ts';

/** Start of a round: maybe open this node's training-and-averaging exchange. */
export function glapRoundStart(n: ConsolidationNode, round: number): Message | null {
  const g = n.policy.glap;
  if (g === undefined || n.asleep) return null;
  const period = g.options.periodRounds;
  if ((round + n.id) % period !== 0) return null;
  if (n.cpuUsedMips / n.cpuCapMips >= g.options.trainBelowLoad) return null;
  const peer = n.sampler.select(n.rng);
  if (peer < 0) return null;
  const m = message(MsgType.ProfileRequest, n.id, peer, ++n.seq);
  g.session = { peer, seq: m.seq };
  return m;
}

/** This node's hypervisor readings as a profile payload. */
function profileOf(n: ConsolidationNode): number[] {
  const out = [n.cpuCapMips, n.ramCapMb];
  for (const vm of n.vms) out.push(n.sensor.cpuMips(vm), n.sensor.ramMb(vm));
  return out;
}

/** Handles ProfileRequest, Profile, Merge and MergeReply. */
export function onGlapMessage(n: ConsolidationNode, m: Message, fx: Effects): void {
  if (n.asleep) {
    if (m.type === MsgType.ProfileRequest || m.type === MsgType.Merge)
      fx.send(message(MsgType.Asleep, n.id, m.from, ++n.seq, m.seq));
    return;
  }
  const g = n.policy.glap;
  switch (m.type) {
    case MsgType.ProfileRequest: {
      const r = message(MsgType.Profile, n.id, m.from, ++n.seq, m.seq);
      r.data = profileOf(n);
      fx.send(r);
      return;
    }
    case MsgType.Profile: {
      const s = g?.session;
      if (!g || !s || s.peer !== m.from || s.seq !== m.re || !m.data || m.data.length < 2) return;
      const own = profileOf(n);
      g.train(
        { cpuCapMips: own[0]!, ramCapMb: own[1]!, vms: own.slice(2) },
        { cpuCapMips: m.data[0]!, ramCapMb: m.data[1]!, vms: m.data.slice(2) },
      );
      const merge = message(MsgType.Merge, n.id, m.from, ++n.seq, m.seq);
      merge.data = Array.from(g.exportTables());
      s.seq = merge.seq;
      fx.send(merge);
      return;
    }
    case MsgType.Merge: {
      if (!g || !m.data) return;
      const r = message(MsgType.MergeReply, n.id, m.from, ++n.seq, m.seq);
      r.data = Array.from(g.exportTables());
      fx.send(r);
      g.merge(Float32Array.from(m.data));
      return;
    }
    case MsgType.MergeReply: {
      const s = g?.session;
      if (!g || !s || s.peer !== m.from || s.seq !== m.re || !m.data) return;
      g.merge(Float32Array.from(m.data));
      g.session = null;
      return;
    }
  }
}
