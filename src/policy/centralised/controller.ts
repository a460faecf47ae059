/**
 * Centralised policies (the classic heuristics the gossip policies are compared against): once per
 * step a controller reads the whole datacenter and returns migration orders. It is centralised by
 * nature, so it lives apart from the per-node `NodePolicy`: it never runs inside an agent, and the
 * run composes it (experiments/centralised-runner.ts) so that its orders reach the datacenter and
 * the agents as hypervisor events, exactly like migrations the agents commit themselves.
 */
import type { CloudSimPhysics } from '../../model/cloudsim-physics.ts';
import type { HostType } from '../../model/hardware.ts';

/** What a centralised controller may read: the datacenter's state at the start of a step. */
export interface DatacenterView {
  readonly hostCount: number;
  readonly vmCount: number;
  readonly hosts: readonly HostType[];
  /** Per host: CPU capacity in MIPS and RAM in MB. */
  readonly cpuCapMips: Float64Array;
  readonly ramCapMb: Float64Array;
  /** Per VM: requested (maximum) MIPS, and its type's RAM in MB (what a migration copies). */
  readonly vmMips: Float64Array;
  readonly vmRamMb: Float64Array;
  /** Per VM: RAM counted against its host now, in MB (0 when RAM does not bind). */
  readonly vmRamUsedMb: Float64Array;
  /** Per VM: CPU demand this step, in MIPS. */
  readonly vmCpuMips: Float64Array;
  /** Per VM: CPU utilisation this step, 0..1 of its requested MIPS (as the workload gives it). */
  readonly vmUtil: Float64Array;
  /** Per VM: 1 once it has ended (the `cloudsim` profile's vmEndsAtZeroDemand): leave it alone. */
  readonly vmEnded: Uint8Array;
  /**
   * Whether the datacenter updated its hosts at this step's start; false in the `cloudsim`
   * profile's first step, where CloudSim has measured nothing and decides nothing.
   */
  readonly updated: boolean;
  /** The `cloudsim` profile's datacenter behaviours (how hosts share MIPS, migrations), if on. */
  readonly cloudsim?: CloudSimPhysics;
  /** Per VM: the host it runs on. */
  readonly vmHost: Int32Array;
  /** Per host: 1 while awake. */
  readonly awake: Uint8Array;
  /** Per host: 1 while crashed (model/events.ts): never a target. */
  readonly down: Uint8Array;
  /** Per VM: 1 while down (its host crashed): the restart path places it, not the controller. */
  readonly vmDown: Uint8Array;
  /** Seconds a live migration of `vm` takes (its RAM over half the host bandwidth). */
  migrationSeconds(vm: number, host: number): number;
}

/** Move `vm` to host `to` (woken first if asleep). Orders are applied in sequence. */
export interface MigrationOrder {
  readonly vm: number;
  readonly to: number;
}

export interface CentralisedController {
  /**
   * False for reference repacks whose moves are free: they are counted as migrations, but cost no
   * CPU (no PDM). True for real heuristics.
   */
  readonly chargesMigrations: boolean;
  /** This step's orders, from the view at the start of the step (demand already set). */
  decide(view: DatacenterView): readonly MigrationOrder[];
}

export interface ControllerContext {
  readonly view: DatacenterView;
}
