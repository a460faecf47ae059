/**
 * The PM agent: owns one node's protocol state and runs the consolidation protocol's handlers
 * on it (PeerSim's thin Node: the protocol does the interesting work). Effects go to a shared
 * `Effects` sink supplied by whoever hosts the agent (the experiment process or a node host).
 */
import type { Rng } from '../src/core/rng.ts';
import type { Agent } from '../src/engine/cycle-engine.ts';
import type { NodePolicy } from '../src/policy/policy.ts';
import {
  onMessage,
  onRoundEnd,
  onRoundStart,
  onStepStart,
  type ProtocolOptions,
} from '../protocols/consolidation.ts';
import type { Message } from '../protocols/messages.ts';
import type { ConsolidationNode, Effects, VmSensor } from '../protocols/node-state.ts';
import type { PeerSampler } from '../protocols/peer-sampling.ts';

export interface PmAgentSpec {
  id: number;
  cpuCapMips: number;
  ramCapMb: number;
  /** VMs hosted at the start (initial placement). */
  vms: number[];
  asleep: boolean;
  policy: NodePolicy;
  sampler: PeerSampler;
  rng: Rng;
  sensor: VmSensor;
  options: ProtocolOptions;
}

export class PmAgent implements Agent<Message> {
  readonly state: ConsolidationNode;

  constructor(
    spec: PmAgentSpec,
    private readonly fx: Effects,
  ) {
    this.state = {
      id: spec.id,
      cpuCapMips: spec.cpuCapMips,
      ramCapMb: spec.ramCapMb,
      policy: spec.policy,
      sampler: spec.sampler,
      rng: spec.rng,
      sensor: spec.sensor,
      options: spec.options,
      vms: [...spec.vms],
      cpuUsedMips: 0,
      ramUsedMb: 0,
      cpuReservedMips: 0,
      ramReservedMb: 0,
      asleep: spec.asleep,
      seq: 0,
      round: 0,
      stuckRounds: 0,
      out: null,
      reservations: new Map(),
      records: new Map(),
    };
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
