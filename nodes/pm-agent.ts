/**
 * The PM agent, the only dispatcher of a node's protocol stack (PeerSim's thin Node: the
 * protocols do the interesting work). It routes lifecycle events to every protocol in stack
 * order and each message to the protocol that owns its type (after letting every protocol
 * overhear it), and carries out the effects their steps write into the shared buffer: sends go
 * to the transport, node events to the host's sink, learning requests to the node's policy,
 * whose reward becomes an event. The same agent runs in the experiment process and in a node host.
 */
import type { Agent } from '../src/engine/cycle-engine.ts';
import type { GlapLearner, NodePolicy, VmProfile } from '../src/policy/policy.ts';
import type { ConsolidationState } from '../protocols/consolidation-state.ts';
import { CONSOLIDATION } from '../protocols/consolidation.ts';
import { PROTOCOL_VERSION, type Message } from '../protocols/messages.ts';
import type { PeerSampler } from '../protocols/peer-sampling.ts';
import { createPmNode, readDemand, type PmNode, type PmNodeInit } from '../protocols/pm-node.ts';
import {
  Fx,
  ROUND_END,
  ROUND_INITIATE,
  ROUND_START,
  STEP_START,
  type NodeTick,
  type Out,
  type Protocol,
  type StackContext,
} from '../protocols/protocol.ts';
import type { ConsolidationOptions } from '../protocols/consolidation-options.ts';
import type { EffectSink } from './node-events.ts';
import { admits, isIdle } from './pm-status.ts';

/** A PM agent's node, as built from its run spec (see nodes/build-agents.ts). */
export interface PmAgentSpec extends PmNodeInit {
  policy: NodePolicy;
  sampler: PeerSampler;
  options: ConsolidationOptions;
}

/** Carries out GLAP's local training (protocols/glap-training.ts). */
export type Trainer = (
  learner: GlapLearner,
  self: VmProfile,
  neighbour: VmProfile,
  options: ConsolidationOptions,
) => void;

/**
 * What the agents running the same protocols share: the protocols in stack order, the one owning
 * each message type (its index, −1 none), and those that overhear. Built once per stack and
 * subset (`planFor`), so a message's dispatch reads a table every agent uses, warm in cache,
 * and only its own node's protocol states.
 */
interface StackPlan {
  readonly protocols: readonly Protocol<unknown>[];
  readonly owner: Int8Array;
  /** Indices of the protocols that overhear every message, in stack order. */
  readonly listeners: readonly number[];
}

/** Message type numbers the owner table covers (MsgType is append-only, well below this). */
const TYPE_SLOTS = 128;

const plans = new WeakMap<readonly Protocol<never>[], Map<string, StackPlan>>();

/** The plan of `stack` for an agent running the protocols at `running` (indices into it). */
function planFor(stack: readonly Protocol<never>[], running: readonly number[]): StackPlan {
  let byRunning = plans.get(stack);
  if (byRunning === undefined) plans.set(stack, (byRunning = new Map()));
  const key = running.join(',');
  let plan = byRunning.get(key);
  if (plan === undefined) {
    const protocols = running.map((i) => stack[i] as Protocol<unknown>);
    const owner = new Int8Array(TYPE_SLOTS).fill(-1);
    protocols.forEach((p, i) => {
      for (const t of p.types) {
        if (!(Number.isInteger(t) && t > 0 && t < TYPE_SLOTS))
          throw new Error(`protocol ${p.name} claims type ${t}, outside 1..${TYPE_SLOTS - 1}`);
        // Type numbers are the wire format: one owner each.
        if (owner[t] !== -1)
          throw new Error(
            `protocols ${protocols[owner[t]!]!.name} and ${p.name} both claim type ${t}`,
          );
        owner[t] = i;
      }
    });
    const listeners = protocols.flatMap((p, i) => (p.overhear ? [i] : []));
    plan = { protocols, owner, listeners };
    byRunning.set(key, plan);
  }
  return plan;
}

export class PmAgent implements Agent<Message> {
  readonly node: PmNode;
  readonly policy: NodePolicy;
  /** The consolidation layer's state (the hypervisor and the invariant checks read it). */
  readonly consolidation: ConsolidationState;
  private readonly plan: StackPlan;
  /** This node's state of each of `plan.protocols`. */
  private readonly states: unknown[] = [];
  /**
   * The first three of `states` again, in this object's own fields (the stacks we run have two or
   * three protocols): a message or tick reaches its protocol's state without loading the array.
   */
  private readonly s0: unknown = null;
  private readonly s1: unknown = null;
  private readonly s2: unknown = null;
  /** Messages that reached this PM while it was crashed, and were lost. */
  lostWhileDown = 0;

  /**
   * `stack`: the protocols in lifecycle order; `out`: the effects buffer (one per process is
   * enough: each step's effects are carried out before the next step runs).
   */
  constructor(
    spec: PmAgentSpec,
    stack: readonly Protocol<never>[],
    private readonly sink: EffectSink,
    private readonly out: Out,
    private readonly trainer: Trainer,
  ) {
    this.node = createPmNode(spec);
    this.policy = spec.policy;
    const ctx: StackContext = {
      node: this.node,
      policy: spec.policy,
      sampler: spec.sampler,
      options: spec.options,
    };
    const running: number[] = [];
    (stack as readonly Protocol<unknown>[]).forEach((p, i) => {
      const state = p.init(ctx);
      if (state === null) return;
      running.push(i);
      this.states.push(state);
    });
    this.plan = planFor(stack, running);
    this.s0 = this.states[0] ?? null;
    this.s1 = this.states[1] ?? null;
    this.s2 = this.states[2] ?? null;
    const consolidation = this.stateOf(CONSOLIDATION);
    if (consolidation === undefined)
      throw new Error('a PM stack must run the consolidation protocol');
    this.consolidation = consolidation;
  }

  get id(): number {
    return this.node.id;
  }

  /** A sleeping PM's protocols get no round ticks: the engine may skip it until a message comes. */
  get dormant(): boolean {
    return this.node.asleep;
  }

  /** The state protocol `p` keeps on this node, or undefined when the node does not run it. */
  stateOf<S>(p: Protocol<S, never>): S | undefined {
    const i = this.plan.protocols.indexOf(p as Protocol<unknown>);
    return i < 0 ? undefined : (this.states[i] as S);
  }

  onStepStart(): void {
    if (this.node.down) return;
    readDemand(this.node); // its own hypervisor's readings of the VMs it hosts
    this.everyLayer(STEP_START);
  }

  onRoundStart(round: number): void {
    this.node.round = round;
    if (this.node.asleep) return;
    this.out.held = false;
    this.everyLayer(ROUND_START);
    if (!this.out.held) this.everyLayer(ROUND_INITIATE);
  }

  onMessage(m: Message): void {
    if (this.node.down) {
      this.lostWhileDown++; // a crashed machine hears nothing; its peers learn by its silence
      return;
    }
    if (m.v !== PROTOCOL_VERSION) {
      this.sink.rejected(this.node.id, m);
      return;
    }
    const plan = this.plan;
    const l = plan.listeners;
    for (let k = 0; k < l.length; k++) plan.protocols[l[k]!]!.overhear!(this.stateAt(l[k]!), m);
    const i = m.type >= 0 && m.type < TYPE_SLOTS ? plan.owner[m.type]! : -1;
    if (i < 0) this.sink.rejected(this.node.id, m);
    else this.step(plan.protocols[i]!, this.stateAt(i), m);
  }

  onRoundEnd(): void {
    if (this.node.asleep) return;
    this.everyLayer(ROUND_END);
  }

  /** The PM is to be drained (events): it takes no VM in from now on, and leaves once empty. */
  drain(): void {
    this.node.draining = true;
  }

  /** Whether a draining PM may leave now: it holds no VM, and no exchange or reservation is open. */
  get idle(): boolean {
    const c = this.consolidation;
    return isIdle({
      vms: this.node.vms,
      session: c.out === null ? 'none' : 'open',
      reservations: c.reservations.size,
    });
  }

  /**
   * The PM fails (events): it is off, and everything it held in memory is gone: its VMs (the
   * world restarts them elsewhere), its open exchange, its reservations and answers. Its
   * decisions left without a reward are forgotten. What a restart keeps (the learnt tables, the
   * peer-sampling view) stays: they would be on disk.
   */
  crash(): void {
    const n = this.node;
    const c = this.consolidation;
    const forget = (token: number) => token !== 0 && this.policy.forget?.(token);
    if (c.out !== null) forget(c.out.token);
    for (const r of c.reservations.values()) forget(r.token);
    n.down = true;
    n.draining = false;
    n.asleep = true;
    n.vms.length = 0;
    n.cpuUsedMips = 0;
    n.ramUsedMb = 0;
    c.out = null;
    c.resume = null;
    c.reservations.clear();
    c.reserved = 0;
    c.records.clear();
    c.cpuReservedMips = 0;
    c.ramReservedMb = 0;
    c.stuckRounds = 0;
    c.upAtRound = 0;
    c.pendingWake = null;
  }

  /** The PM is back (powered off and empty, or still on at the end of a drain): it takes VMs again. */
  recover(): void {
    this.node.down = false;
    this.node.draining = false;
  }

  /**
   * Whether this PM, awake, can take a VM of `cpuMips` and `ramMb` without overload, counting
   * what it has reserved for incoming VMs (its answer to a scheduler restarting a VM). Its
   * hypervisor's readings now: the node's sums are those of its last step start.
   */
  admits(cpuMips: number, ramMb: number): boolean {
    const n = this.node;
    const c = this.consolidation;
    const leaving = c.out?.phase === 'transferring' ? c.out : null;
    const s = {
      vms: n.vms,
      reservedCpu: c.cpuReservedMips,
      reservedRam: c.ramReservedMb,
      leavingCpu: leaving ? leaving.vmCpuMips : 0,
      leavingRam: leaving ? leaving.vmRamMb : 0,
      asleep: n.asleep,
      draining: n.draining,
      comingUp: c.upAtRound > 0,
    };
    const cap = { cpuMips: n.cpuCapMips, ramMb: n.ramCapMb };
    const sensor = n.sensor;
    return admits(
      s,
      cap,
      (vm) => sensor.cpuMips(vm),
      (vm) => sensor.ramMb(vm),
      cpuMips,
      ramMb,
    );
  }

  private everyLayer(ev: NodeTick): void {
    const protocols = this.plan.protocols;
    for (let i = 0; i < protocols.length; i++) this.step(protocols[i]!, this.stateAt(i), ev);
  }

  private stateAt(i: number): unknown {
    return i === 0 ? this.s0 : i === 1 ? this.s1 : i === 2 ? this.s2 : this.states[i];
  }

  /** One step of one protocol, its effects carried out, then any event it raised for itself. */
  private step(protocol: Protocol<unknown>, state: unknown, ev: Message | NodeTick): void {
    const out = this.out;
    protocol.step(state, ev, out);
    for (;;) {
      const raised = out.raised;
      out.raised = null;
      this.carryOut();
      if (raised === null) return;
      protocol.step(state, raised, out);
    }
  }

  private carryOut(): void {
    const out = this.out;
    const n = out.count;
    if (n === 0) return;
    const { code, num, ref } = out;
    const id = this.node.id;
    const sink = this.sink;
    const policy = this.policy;
    for (let i = 0; i < n; i++) {
      const a = i * 5;
      switch (code[i]) {
        case Fx.Send:
          sink.send(ref[i] as Message);
          break;
        case Fx.Migrated:
          sink.migrated(num[a]!, num[a + 1]!, id);
          break;
        case Fx.Slept:
          sink.slept(id);
          break;
        case Fx.Woke:
          sink.woke(id);
          break;
        case Fx.Rejected:
          sink.rejected(id, ref[i] as Message);
          break;
        case Fx.ExchangeStarted:
          sink.exchangeStarted(id);
          break;
        case Fx.LearnOut:
          sink.rewarded(
            id,
            'out',
            policy.learnOut(num[a]!, num[a + 1]!, num[a + 2]!, num[a + 3]!, num[a + 4] === 1),
          );
          break;
        case Fx.LearnIn:
          sink.rewarded(id, 'in', policy.learnIn(num[a]!, num[a + 1]!, num[a + 2]!, num[a + 3]!));
          break;
        case Fx.Forget:
          policy.forget?.(num[a]!);
          break;
        case Fx.Observe:
          policy.observe?.({ state: num[a]!, cpuUtil: num[a + 1]!, ramUtil: num[a + 2]! });
          break;
        case Fx.Train: {
          const [self, neighbour] = ref[i] as [VmProfile, VmProfile];
          this.trainer(policy.glap!, self, neighbour, this.consolidation.options);
          break;
        }
        case Fx.Merge:
          policy.glap!.merge(ref[i] as Float32Array);
          break;
      }
    }
    out.clear();
  }
}
