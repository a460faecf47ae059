/**
 * GLAP's local training (Khelghatdoust 2018, §4.4) on the protocol it runs: this PM and the
 * neighbour whose profile it fetched become two simulated PMs, and the real Consolidation.step
 * runs an exchange between them — the role rule, πout / πin, RAM fit, rescue, the run's protocol
 * options — deciding and learning with the learner's training policy (its own tables, training
 * exploration). So training and execution cannot drift apart. Nothing moves: the simulated PMs
 * live only here, their messages are delivered at once, one by one.
 *
 * Episodes alternate: even ones as the protocol would run them (this PM probes the neighbour and
 * the role rule decides who sends), odd ones reversed (the other PM sends: its probe is answered
 * by the would-be sender's Invite, as if the role rule had gone the other way), so both
 * directions of the pair are explored, as before.
 */
import { Rng } from '../src/core/rng.ts';
import type { GlapLearner, NodePolicy, VmProfile } from '../src/policy/policy.ts';
import type { ConsolidationOptions } from './consolidation-options.ts';
import { CONSOLIDATION } from './consolidation.ts';
import { inviteOf, startProbe } from './consolidation-exchange.ts';
import { isSenderAgainst } from './consolidation-rules.ts';
import { createConsolidation, type ConsolidationState } from './consolidation-state.ts';
import { MsgType, type Message } from './messages.ts';
import { fixedPeer } from './peer-sampling.ts';
import { createPmNode, readDemand } from './pm-node.ts';
import { Fx, Out, type NodeTick } from './protocol.ts';
import type { ConsolidationMessage } from './consolidation.ts';

/** Runs GLAP's local training episodes; `out` is scratch reused across calls. */
export function trainLocally(
  learner: GlapLearner,
  self: VmProfile,
  neighbour: VmProfile,
  options: ConsolidationOptions,
  out: Out = new Out(),
): void {
  const policy = learner.trainer;
  if (policy === null) return;
  const a = simulatedPm(self, policy, neighbour.node, options);
  const b = simulatedPm(neighbour, policy, self.node, options);
  for (let e = 0; e < learner.options.episodes; e++)
    localExchange(copyOf(a), copyOf(b), e % 2 === 1, out);
}

/**
 * A fresh copy of a simulated PM that has not run: it shares the sensor and the sampler, which
 * hold nothing an episode changes, and the demand already read, so each episode builds neither.
 */
function copyOf(pm: ConsolidationState): ConsolidationState {
  const node = createPmNode(pm.node);
  node.cpuUsedMips = pm.node.cpuUsedMips;
  node.ramUsedMb = pm.node.ramUsedMb;
  return createConsolidation(node, pm.policy, pm.sampler, pm.options);
}

/** A PM built from a profile: its VMs are numbered from 0, read from the profile. */
export function simulatedPm(
  p: VmProfile,
  policy: NodePolicy,
  peer: number,
  options: ConsolidationOptions,
): ConsolidationState {
  const vms: number[] = [];
  for (let vm = 0; vm < p.vms.length >> 1; vm++) vms.push(vm); // Array.from is slow on this hot path
  const node = createPmNode({
    id: p.node,
    cpuCapMips: p.cpuCapMips,
    ramCapMb: p.ramCapMb,
    rng: NO_RANDOMNESS,
    sensor: { cpuMips: (vm) => p.vms[2 * vm]!, ramMb: (vm) => p.vms[2 * vm + 1]! },
    vms,
    asleep: false,
  });
  readDemand(node);
  return createConsolidation(node, policy, fixedPeer(peer), options);
}

/**
 * One exchange opened by `a`'s probe to `b`, run to its end; `reversed`: the PM the role rule
 * would make the recipient sends instead. Effects are carried out as the PM agent would: sends
 * are delivered, learning requests go to each PM's policy, raised events are stepped at once.
 */
export function localExchange(
  a: ConsolidationState,
  b: ConsolidationState,
  reversed: boolean,
  out: Out,
): void {
  const queue: Message[] = [];
  const run = (c: ConsolidationState, ev: Message | NodeTick) => {
    // Only Consolidation runs here, so every message is one of its own.
    CONSOLIDATION.step(c, ev as ConsolidationMessage | NodeTick, out);
    const raised = out.raised;
    for (let i = 0; i < out.count; i++) {
      const { code, num, ref } = out;
      const k = i * 5;
      if (code[i] === Fx.Send) queue.push(ref[i] as Message);
      else if (code[i] === Fx.LearnOut)
        c.policy.learnOut(num[k]!, num[k + 1]!, num[k + 2]!, num[k + 3]!, num[k + 4] === 1);
      else if (code[i] === Fx.LearnIn)
        c.policy.learnIn(num[k]!, num[k + 1]!, num[k + 2]!, num[k + 3]!);
      else if (code[i] === Fx.Forget) c.policy.forget?.(num[k]!);
    }
    out.clear();
    if (raised !== null) run(c, raised);
  };
  const probe = startProbe(a, b.node.id, MsgType.Probe, out);
  out.clear();
  if (!reversed) queue.push(probe);
  else if (isSenderAgainst(b, probe)) {
    queue.push(inviteOf(b, probe)); // b would send: it invites a to send instead
  } else {
    // a would send: b probes instead, and a invites it to send.
    a.out = null;
    const back = startProbe(b, a.node.id, MsgType.Probe, out);
    out.clear();
    queue.push(inviteOf(a, back));
  }
  const pms = [a, b];
  while (queue.length > 0) {
    const m = queue.shift()!;
    run(pms[m.to === a.node.id ? 0 : 1]!, m);
  }
}

/** The simulated PMs draw nothing from their protocol stream (they never pick peers). */
const NO_RANDOMNESS = new Rng(0);
