/**
 * Cycle-driven engine (PeerSim's cdsim, with messages as in its edsim examples). A round: every
 * local agent's round-start in id order, then phases until no message is in flight: in a phase
 * each recipient, in id order, handles its inbox in canonical order; what it sends is delivered in
 * the next phase. Then every agent's round-end. The engine never looks inside messages.
 */
import { InvariantError } from '../core/errors.ts';
import type { Envelope, Transport } from '../transport/transport.ts';

export interface Agent<M> {
  readonly id: number;
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

export class CycleEngine<M extends Envelope> {
  /** Global round counter; rounds are numbered from 1 across steps. */
  round = 0;

  /**
   * @param agents local agents indexed by node id (holes allowed for nodes hosted elsewhere)
   * @param maxPhasesPerRound a round still busy after this many phases is a livelock: a bug
   */
  constructor(
    private readonly agents: readonly (Agent<M> | undefined)[],
    private readonly transport: Transport<M>,
    private readonly maxPhasesPerRound = 10_000,
  ) {}

  startStep(step: number): void {
    for (const a of this.agents) a?.onStepStart(step);
  }

  async runRound(): Promise<RoundStats> {
    const round = ++this.round;
    const agents = this.agents;
    for (const a of agents) a?.onRoundStart(round);
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
      for (const r of this.transport.recipients()) {
        const agent = agents[r];
        if (agent === undefined)
          throw new InvariantError(`message for node ${r}, which is not hosted here`);
        const box = this.transport.inbox(r);
        for (let i = 0; i < box.length; i++) agent.onMessage(box[i]!);
      }
    }
    for (const a of agents) a?.onRoundEnd(round);
    await this.transport.sync?.();
    return { phases, messages };
  }
}
