/**
 * The protocol stack's kernel (PeerSim's protocol stack; xstate's pure transitions): a protocol
 * is a pure `step(state, event, out)` over its own state that handles its own range of message
 * types plus the node's lifecycle events, and writes what should happen — sends, node events,
 * learning requests — into `out`, a reusable buffer the PM agent (nodes/pm-agent.ts) then carries
 * out in order. No protocol calls the transport, the datacenter or another protocol's handlers;
 * nothing is allocated per effect, and nothing lives at module level.
 */
import type { NodePolicy, VmProfile } from '../src/policy/policy.ts';
import type { ConsolidationOptions } from './consolidation-options.ts';
import { message, type Message, type MsgTypeCode } from './messages.ts';
import type { PeerSampler } from './peer-sampling.ts';
import { nextSeq, type PmNode } from './pm-node.ts';

/**
 * Lifecycle events the agent delivers, in this order: StepStart once per step (after the node
 * read its VMs' new demand); per round RoundStart (timers), then RoundInitiate (new exchanges)
 * unless a protocol held the node's initiative, then messages in phases, then RoundEnd.
 */
export const Lifecycle = {
  StepStart: -1,
  RoundStart: -2,
  RoundInitiate: -3,
  RoundEnd: -4,
} as const;

/** An event that is not a message: a lifecycle event, or one a protocol raised for itself. */
export interface NodeTick {
  /** Negative: Lifecycle codes, or a protocol's own raised-event codes (≤ −16). */
  readonly type: number;
  /** Tells ticks from messages in a step's event union. */
  readonly tick: true;
}

/** A tick of code `type` (module-level constants: ticks carry no data). */
export function tick(type: number): NodeTick {
  return { type, tick: true };
}

/** Is `ev` a lifecycle or raised event rather than a message? */
export function isTick(ev: Message | NodeTick): ev is NodeTick {
  return ev.type < 0;
}

export const STEP_START = tick(Lifecycle.StepStart);
export const ROUND_START = tick(Lifecycle.RoundStart);
export const ROUND_INITIATE = tick(Lifecycle.RoundInitiate);
export const ROUND_END = tick(Lifecycle.RoundEnd);

/** Effect codes in `Out`, with their arguments. */
export const Fx = {
  /** ref: the message. */
  Send: 1,
  /** A VM's ownership moved to this node (it committed): n0 vm, n1 from. */
  Migrated: 2,
  Slept: 3,
  Woke: 4,
  /** A message was dropped as invalid here; ref: the message. */
  Rejected: 5,
  /** The node started a consolidation exchange (a Probe or a Wake). */
  ExchangeStarted: 6,
  /** Reward the πout decision `token`: n0 token, n1 state, n2 action, n3 next state, n4 terminal (0/1). */
  LearnOut: 7,
  /** Reward the πin decision `token`: n0 token, n1 state, n2 action, n3 next state. */
  LearnIn: 8,
  /** The decision `token` (n0) will never be rewarded (rejected, abandoned, expired). */
  Forget: 9,
  /** The node's state at a step start, for policies that learn from it: n0 state, n1 cpuUtil, n2 ramUtil. */
  Observe: 10,
  /** GLAP: train locally on two profiles (ref: [self, neighbour] VmProfiles). */
  Train: 11,
  /** GLAP: average the tables with a peer's (ref: its `rows`, as the Merge carried them). */
  Merge: 12,
} as const;

/** Numeric arguments per effect. */
const ARGS = 5;

/** Working buffers for a decision over `count` candidate VMs (read before the next decision). */
export interface Candidates {
  /** Pair index of each candidate VM's demand. */
  actions: Int32Array;
  /** Each candidate's CPU and RAM demand as fractions of the PM's capacity. */
  cpu: Float64Array;
  ram: Float64Array;
}

/**
 * The effects buffer: a reusable, growable list of (code, up to 5 numbers, one reference),
 * written by a step and emptied by the agent after carrying the effects out.
 */
export class Out {
  count = 0;
  code = new Int32Array(32);
  num = new Float64Array(32 * ARGS);
  ref: unknown[] = new Array<unknown>(32).fill(null);
  /** An event a protocol raised for itself, delivered after this step's effects are carried out. */
  raised: NodeTick | null = null;
  /** Set at RoundStart: no RoundInitiate this round (the node is busy finishing an exchange). */
  held = false;
  private cand: Candidates = {
    actions: new Int32Array(64),
    cpu: new Float64Array(64),
    ram: new Float64Array(64),
  };

  /**
   * Candidate buffers with room for `count` VMs, owned by this buffer (one per process, as the
   * effects are), so no protocol keeps scratch at module level. Entries beyond `count` are stale.
   */
  candidates(count: number): Candidates {
    if (this.cand.actions.length < count) {
      const size = Math.max(count, this.cand.actions.length * 2);
      this.cand = {
        actions: new Int32Array(size),
        cpu: new Float64Array(size),
        ram: new Float64Array(size),
      };
    }
    return this.cand;
  }

  private push(code: number, ref: unknown = null): number {
    const i = this.count;
    if (i === this.code.length) this.grow();
    this.code[i] = code;
    this.ref[i] = ref;
    this.count = i + 1;
    return i * ARGS;
  }

  private grow(): void {
    const n = this.code.length * 2;
    const code = new Int32Array(n);
    code.set(this.code);
    const num = new Float64Array(n * ARGS);
    num.set(this.num);
    this.code = code;
    this.num = num;
    for (let i = this.ref.length; i < n; i++) this.ref.push(null);
  }

  send(m: Message): void {
    this.push(Fx.Send, m);
  }

  migrated(vm: number, from: number): void {
    const a = this.push(Fx.Migrated);
    this.num[a] = vm;
    this.num[a + 1] = from;
  }

  slept(): void {
    this.push(Fx.Slept);
  }

  woke(): void {
    this.push(Fx.Woke);
  }

  rejected(m: Message): void {
    this.push(Fx.Rejected, m);
  }

  exchangeStarted(): void {
    this.push(Fx.ExchangeStarted);
  }

  learnOut(token: number, state: number, action: number, next: number, terminal: boolean): void {
    const a = this.push(Fx.LearnOut);
    const n = this.num;
    n[a] = token;
    n[a + 1] = state;
    n[a + 2] = action;
    n[a + 3] = next;
    n[a + 4] = terminal ? 1 : 0;
  }

  learnIn(token: number, state: number, action: number, next: number): void {
    const a = this.push(Fx.LearnIn);
    const n = this.num;
    n[a] = token;
    n[a + 1] = state;
    n[a + 2] = action;
    n[a + 3] = next;
  }

  forget(token: number): void {
    this.num[this.push(Fx.Forget)] = token;
  }

  observe(state: number, cpuUtil: number, ramUtil: number): void {
    const a = this.push(Fx.Observe);
    this.num[a] = state;
    this.num[a + 1] = cpuUtil;
    this.num[a + 2] = ramUtil;
  }

  train(self: VmProfile, neighbour: VmProfile): void {
    this.push(Fx.Train, [self, neighbour]);
  }

  merge(rows: Float32Array): void {
    this.push(Fx.Merge, rows);
  }

  raise(ev: NodeTick): void {
    this.raised = ev;
  }

  /** Effect i's code, numbers and reference, for tests and the agent. */
  at(i: number): { code: number; num: number[]; ref: unknown } {
    return {
      code: this.code[i]!,
      num: Array.from(this.num.subarray(i * ARGS, i * ARGS + ARGS)),
      ref: this.ref[i],
    };
  }

  /** Forgets every effect (and the references they held). */
  clear(): void {
    for (let i = 0; i < this.count; i++) this.ref[i] = null;
    this.count = 0;
    this.raised = null;
  }
}

/** What a protocol may build its per-node state from. */
export interface StackContext {
  readonly node: PmNode;
  readonly policy: NodePolicy;
  /** The node's peer sampler (uniform or a Cyclon view), a service of the lowest layer. */
  readonly sampler: PeerSampler;
  readonly options: ConsolidationOptions;
}

/**
 * A protocol of the stack: the message types it owns, how it builds its state on a node, and
 * its step. `S` is its own state, `M` the union of its messages.
 */
export interface Protocol<S, M extends Message = Message> {
  readonly name: string;
  /** The message types this protocol handles (its range of MsgType). */
  readonly types: readonly MsgTypeCode[];
  /** The payload field a type always carries (checked at the edge): vm ≥ 0, or non-null peers / data / rows. */
  readonly carries?: Partial<Record<MsgTypeCode, 'vm' | 'peers' | 'data' | 'rows'>>;
  /**
   * The rest of the edge check, for a payload whose layout its field's type does not say (GLAP's
   * table rows): false drops the message. Called after `carries` holds, on this protocol's types.
   */
  wellFormed?(m: Message): boolean;
  /** This protocol's state on a node, or null when the node's stack does not run it. */
  init(ctx: StackContext): S | null;
  /**
   * Every message the node receives, before it goes to its owner: what a lower layer learns from
   * all traffic (the peer sampler's liveness beliefs). Pure like `step`, without effects.
   */
  overhear?(state: S, m: Message): void;
  /** One event in, effects out: with `overhear`, the only place this protocol's state changes. */
  step(state: S, ev: M | NodeTick, out: Out): void;
}

/** A reply of `type` to request `to`: a new sequence number, `re` = the request's. */
export function answer(n: PmNode, to: Message, type: MsgTypeCode): Message {
  return message(type, n.id, to.from, nextSeq(n), to.seq);
}

/** Sends a reply without payload of `type` to request `to`. */
export function reply(n: PmNode, out: Out, to: Message, type: MsgTypeCode): void {
  out.send(answer(n, to, type));
}
