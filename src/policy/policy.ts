/**
 * The per-node decision interface shared by every gossip policy (Q-tables, DQN, heuristics).
 * A policy instance belongs to one node and sees only that node's state: the state pair of its
 * own PM and the action pair of a VM (levels of demand as a fraction of this PM's capacity), plus
 * raw utilisations for policies that work on continuous features.
 */
import type { Rng } from '../core/rng.ts';

/** What a node knows about itself and one VM when it decides. Utilisations are fractions 0..1+. */
export interface DecisionInput {
  /** The PM's state pair index (0..80) including RAM reserved for incoming VMs. */
  state: number;
  /** PM CPU utilisation, 0..1 (above 1 when oversubscribed). */
  cpuUtil: number;
  /** PM RAM utilisation, 0..1. */
  ramUtil: number;
}

/**
 * A decision token: the protocol gives every πout choice and πin acceptance the next of its
 * node's tokens (positive integers), and names it again in the reward that follows, or in
 * `forget` when none will (offer rejected, exchange abandoned, reservation expired). A policy
 * that remembers something about a decision (the DQN: its input features) keys it by token, so
 * it credits exactly that decision. Tokens are per node: a policy instance belongs to one node.
 */
export type DecisionToken = number;

export interface NodePolicy {
  /** Whether the node initiates gossip exchanges at all (false: it never migrates). */
  readonly gossips: boolean;
  /**
   * πout: index into `actions[0..count)` of the VM to send away, or -1 to send none.
   * `actions[i]` is the pair index of candidate VM i; `cpuFrac`/`ramFrac` its demand as fractions.
   */
  chooseVm(
    self: DecisionInput,
    actions: Int32Array,
    cpuFrac: Float64Array,
    ramFrac: Float64Array,
    count: number,
    token: DecisionToken,
  ): number;
  /** πin: accept the offered VM (pair `action`, demand fractions)? RAM fit is checked by the protocol. */
  accept(
    self: DecisionInput,
    action: number,
    cpuFrac: number,
    ramFrac: number,
    token: DecisionToken,
  ): boolean;
  /**
   * The reward of πout decision `token`: the sender went from `state` (its state pair when it
   * chose) to `nextState` by sending the VM of pair `action`. Returns the reward.
   */
  learnOut(
    token: DecisionToken,
    state: number,
    action: number,
    nextState: number,
    terminal: boolean,
  ): number;
  /** The reward of πin decision `token` once the VM is committed (0: a rescue, no decision). */
  learnIn(token: DecisionToken, state: number, action: number, nextState: number): number;
  /** Decision `token` will never be rewarded: drop what was kept for it. */
  forget?(token: DecisionToken): void;
  /** Learnt 81 × 81 tables to save with the results (row-major [state][action]), if the policy has any. */
  tables?(): Readonly<Record<string, Float32Array>>;
  /** Start of each step, after the node read its VMs' new demand: its own state (optional). */
  observe?(self: DecisionInput): void;
  /** GLAP learning mode: local training on a neighbour's VMs and Q-table averaging (policy-glap.ts). */
  readonly glap?: GlapLearner;
}

/** GLAP's options a learner carries (policy-glap.ts declares them with their defaults). */
export interface GlapSchedule {
  /** Rounds between a PM's training-and-averaging exchanges (staggered by node id). ≥ 1. */
  readonly periodRounds: number;
  /** A PM starts an exchange only while its CPU load (0..1) is below this (thesis: ~0.8). */
  readonly trainBelowLoad: number;
  /** Simulated consolidation episodes per exchange. */
  readonly episodes: number;
}

/** A PM's VMs as a neighbour reports them: its id, capacity, then (CPU MIPS, RAM MB) per VM. */
export interface VmProfile {
  node: number;
  cpuCapMips: number;
  ramCapMb: number;
  /** [cpu0, ram0, cpu1, ram1, …] in MIPS and MB. */
  vms: ArrayLike<number>;
}

/** What the GLAP exchange needs from a policy. */
export interface GlapLearner {
  readonly options: GlapSchedule;
  /**
   * The policy local training's simulated PMs decide and learn with (on this PM's tables), or
   * null when the tables are frozen. Training itself runs the consolidation protocol
   * (protocols/glap-training.ts).
   */
  readonly trainer: NodePolicy | null;
  /**
   * A copy of the tables to send, as rows (q-table.ts `writeRows`): φout's keyed by their state,
   * φin's by 81 + their state.
   */
  exportTables(): Float32Array;
  /** Averages the tables with a peer's (as exportTables gives them; `isTableRows` holds). */
  merge(theirs: Float32Array): void;
}

export interface PolicyContext {
  readonly nodeId: number;
  /** This node's own random stream. */
  readonly rng: Rng;
}
