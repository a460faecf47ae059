/**
 * The scheduler's view of the fleet (experiments/lifecycle.ts): a PM of this process answers
 * from its agent, live; a PM of a node host (Kafka) from the status its hypervisor reported at the
 * last step's end (nodes/fleet-ops.ts), kept up to date with the ops sent to it since. Ops on
 * local PMs are carried out at once; those on remote PMs are queued for the step record, and
 * their hosts carry them out in the same order before the step's rounds. Reads and ops thus give
 * the same answers in one process and over Kafka.
 */
import type { Datacenter } from '../src/model/datacenter.ts';
import type { PmAgent } from '../nodes/pm-agent.ts';
import { applyFleetOp } from '../nodes/fleet-ops.ts';
import {
  admits,
  applyToStatus,
  initialStatus,
  isIdle,
  opPm,
  type FleetOp,
  type PmStatus,
} from '../nodes/pm-status.ts';
import type { FleetView } from './lifecycle.ts';

export class Fleet implements FleetView {
  /** Per remote PM, its last report with the ops sent since (undefined for local PMs). */
  private readonly reported: (PmStatus | undefined)[];
  private queued: FleetOp[] = [];

  /**
   * @param agents this process's agents by node id (filled in later is fine), holes elsewhere
   * @param local the node ids this process hosts
   * @param placement each VM's PM at the start (−1: none), for the remote PMs' first status
   */
  constructor(
    private readonly agents: readonly (PmAgent | undefined)[],
    private readonly dc: Datacenter,
    local: readonly number[],
    placement: ArrayLike<number>,
  ) {
    const hosted: number[][] = Array.from({ length: dc.hostCount }, () => []);
    for (let vm = 0; vm < placement.length; vm++) {
      const h = placement[vm]!;
      if (h >= 0) hosted[h]!.push(vm);
    }
    this.reported = hosted.map((vms) => initialStatus(vms));
    for (const h of local) this.reported[h] = undefined;
  }

  /** A remote PM's report (a `status` node event, at each step's end); false for a local PM. */
  report(h: number, s: PmStatus): boolean {
    if (this.reported[h] === undefined) return false;
    this.reported[h] = s;
    return true;
  }

  admits(h: number, cpuMips: number, ramMb: number): boolean {
    const a = this.agents[h];
    if (a) return a.admits(cpuMips, ramMb);
    const dc = this.dc;
    return admits(
      this.remote(h),
      { cpuMips: dc.cpuCapMips[h]!, ramMb: dc.ramCapMb[h]! },
      (vm) => dc.vmCpuMips[vm]!,
      (vm) => dc.vmRamUsedMb[vm]!,
      cpuMips,
      ramMb,
    );
  }

  vmsOf(h: number): readonly number[] {
    return this.agents[h]?.node.vms ?? this.remote(h).vms;
  }

  idle(h: number): boolean {
    const a = this.agents[h];
    return a ? a.idle : isIdle(this.remote(h));
  }

  apply(op: FleetOp): void {
    const a = this.agents[opPm(op)];
    if (a) return applyFleetOp(a, op);
    applyToStatus(this.remote(opPm(op)), op);
    this.queued.push(op);
  }

  /** The ops on remote PMs since the last call, in order (for the step record). */
  takeQueued(): FleetOp[] {
    const ops = this.queued;
    this.queued = [];
    return ops;
  }

  /** Messages lost by PM `h` while it was crashed. */
  lost(h: number): number {
    return this.agents[h]?.lostWhileDown ?? this.remote(h).lost;
  }

  private remote(h: number): PmStatus {
    return this.reported[h]!;
  }
}
