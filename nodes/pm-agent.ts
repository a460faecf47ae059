/**
 * The PM agent: owns one node's protocol state and runs the consolidation protocol's handlers
 * on it (PeerSim's thin Node: the protocol does the interesting work). Effects go to a shared
 * `Effects` sink supplied by whoever hosts the agent (the experiment process or a node host).
 */
import type { Agent } from '../src/engine/cycle-engine.ts';
import { onMessage, onRoundEnd, onRoundStart, onStepStart } from '../protocols/consolidation.ts';
import type { Message } from '../protocols/messages.ts';
import {
  createNode,
  type ConsolidationNode,
  type Effects,
  type NodeInit,
} from '../protocols/node-state.ts';

/** A PM agent's node, as built from its run spec (see nodes/build-agents.ts). */
export type PmAgentSpec = NodeInit;

export class PmAgent implements Agent<Message> {
  readonly state: ConsolidationNode;

  constructor(
    spec: PmAgentSpec,
    private readonly fx: Effects,
  ) {
    this.state = createNode(spec);
  }

  get id(): number {
    return this.state.id;
  }

  onStepStart(): void {
    onStepStart(this.state);
  }

  onRoundStart(round: number): void {
    onRoundStart(this.state, round, this.fx);
  }

  onMessage(msg: Message): void {
    onMessage(this.state, msg, this.fx);
  }

  onRoundEnd(): void {
    onRoundEnd(this.state, this.fx);
  }
}
