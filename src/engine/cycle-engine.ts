/**
 * Cycle-driven engine (PeerSim's cdsim, with messages as in its edsim examples). A round: every
 * local agent's round-start in id order, then phases until no message is in flight: in a phase
 * each recipient, in id order, handles its inbox in canonical order; what it sends is delivered in
 * the next phase. Then every agent's round-end. The engine never looks inside messages.
 *
 * Active set: a round costs O(active agents + messages), not O(agents). An agent that says it is
 * `dormant` (a sleeping PM) promises that its round ticks do nothing but record the round, so the
 * engine skips them: it gives a dormant agent its round start only just before its first message
 * of the round, and its round end only when it is no longer dormant. Which agents are dormant is
 * each agent's own answer (the engine asks, never decides), re-read for every agent at each step
 * start (a centralised controller may wake PMs between steps) and, within a step, for the agents
 * a round visited. `plainLoop` visits every agent every round: the equivalence tests' reference.
 */
import { InvariantError } from '../core/errors.ts';
import type { Envelope, Transport } from '../transport/transport.ts';

export interface Agent<M> {
  readonly id: number;
  /**
   * True when this agent's `onRoundStart` would only record the round and its `onRoundEnd` would
   * do nothing (a sleeping PM); it may then go without them until a message arrives. Absent:
   * never dormant.
   */
  readonly dormant?: boolean;
  onStepStart(step: number): void;
  onRoundStart(round: number): void;
  onMessage(msg: M): void;
  onRoundEnd(round: number): void;
}

export interface RoundStats {
  phases: number;
  /** Messages delivered to local agents during the round. */
  messages: number;
}

export interface EngineOptions {
  /** Visit every agent every round (no active set): the reference of the equivalence tests. */
  plainLoop?: boolean;
  /** A round still busy after this many phases is a livelock: a bug. */
  maxPhasesPerRound?: number;
}

export class CycleEngine<M extends Envelope> {
  /** Global round counter; rounds are numbered from 1 across steps. */
  round = 0;
  private readonly plainLoop: boolean;
  private readonly maxPhasesPerRound: number;
  /** Ids of the agents given this round's start, ascending for the round's active part. */
  private active: number[] = [];
  /** The round each agent last had its round start (0: none yet). */
  private readonly startedIn: Int32Array;
  /** True until the active set is rebuilt from every agent (at each step's first round). */
  private stale = true;

  /** @param agents local agents indexed by node id (holes allowed for nodes hosted elsewhere) */
  constructor(
    private readonly agents: readonly (Agent<M> | undefined)[],
    private readonly transport: Transport<M>,
    options: EngineOptions = {},
  ) {
    this.plainLoop = options.plainLoop ?? false;
    this.maxPhasesPerRound = options.maxPhasesPerRound ?? 10_000;
    this.startedIn = new Int32Array(agents.length);
  }

  startStep(step: number): void {
    for (const a of this.agents) a?.onStepStart(step);
    this.stale = true;
  }

  /** Agents currently in the active set (diagnostics and tests). */
  activeCount(): number {
    return this.active.length;
  }

  async runRound(): Promise<RoundStats> {
    const round = ++this.round;
    const agents = this.agents;
    if (this.stale) this.rebuildActive();
    const active = this.active;
    const startedIn = this.startedIn;
    for (let i = 0; i < active.length; i++) {
      const id = active[i]!;
      startedIn[id] = round;
      agents[id]!.onRoundStart(round);
    }
    /** Dormant agents woken into this round by a message (their start given on arrival). */
    const late: number[] = [];
    let phases = 0;
    let messages = 0;
    for (;;) {
      const delivered = await this.transport.nextPhase();
      if (delivered === 0 && !this.transport.pending()) break;
      if (++phases > this.maxPhasesPerRound) {
        throw new InvariantError(
          `round ${round} did not settle after ${this.maxPhasesPerRound} phases`,
        );
      }
      messages += delivered;
      const all = this.transport.delivered?.();
      if (all !== undefined) {
        // The inboxes as one list: a recipient's group starts where `to` changes.
        let agent: Agent<M> | undefined;
        for (let i = 0, r = -1; i < all.length; i++) {
          const m = all[i]!;
          if (m.to !== r) {
            r = m.to;
            agent = this.recipient(r, round, late);
          }
          agent!.onMessage(m);
        }
      } else {
        for (const r of this.transport.recipients()) {
          const agent = this.recipient(r, round, late);
          const box = this.transport.inbox(r);
          for (let i = 0; i < box.length; i++) agent.onMessage(box[i]!);
        }
      }
    }
    if (this.plainLoop) {
      for (let i = 0; i < active.length; i++) agents[active[i]!]!.onRoundEnd(round);
    } else {
      const visited = late.length === 0 ? active : mergeAscending(active, late);
      const next: number[] = [];
      for (let i = 0; i < visited.length; i++) {
        const a = agents[visited[i]!]!;
        if (isDormant(a)) continue;
        a.onRoundEnd(round);
        if (!isDormant(a)) next.push(a.id); // its round end may have put it to sleep
      }
      this.active = next;
    }
    await this.transport.sync?.();
    return { phases, messages };
  }

  /** The agent of recipient `r`, given its round start first if it has not had it (`late`). */
  private recipient(r: number, round: number, late: number[]): Agent<M> {
    const agent = this.agents[r];
    if (agent === undefined)
      throw new InvariantError(`message for node ${r}, which is not hosted here`);
    if (this.startedIn[r] !== round) {
      this.startedIn[r] = round;
      agent.onRoundStart(round);
      late.push(r);
    }
    return agent;
  }

  /** Every hosted agent that is not dormant (all of them for the plain loop), ascending. */
  private rebuildActive(): void {
    const active: number[] = [];
    const agents = this.agents;
    for (let id = 0; id < agents.length; id++) {
      const a = agents[id];
      if (a !== undefined && (this.plainLoop || !isDormant(a))) active.push(id);
    }
    this.active = active;
    this.stale = false;
  }
}

const isDormant = (a: Agent<unknown>) => a.dormant === true;

/** The union of two ascending, disjoint id lists, ascending (`b` is sorted here, in place). */
function mergeAscending(a: readonly number[], b: number[]): number[] {
  b.sort((x, y) => x - y);
  const out: number[] = new Array<number>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! < b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}
