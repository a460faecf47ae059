/**
 * The `cloudsim` profile's datacenter behaviours (CloudSim 3.0.3's PowerDatacenter, each a named
 * option of config section `cloudsim`), and what its step integrator (cloudsim-interval.ts)
 * reports: per-step measurements, and each update for observers.
 */

/** CloudSim's datacenter behaviours, each switchable (config section `cloudsim`). */
export interface CloudSimPhysics {
  /**
   * Seconds past each 300 s trace point at which CloudSim's datacenter updates and its policy
   * decides (0.1: its first event comes 0.1 s in); demand is the trace interpolated linearly there.
   */
  sampleOffsetSeconds: number;
  /**
   * A VM whose demand is exactly 0 at an update is "completed" and leaves the datacenter for good
   * (HostDynamicWorkload.getCompletedVms): on PlanetLab 20110303 half the VMs end this way.
   */
  vmEndsAtZeroDemand: boolean;
  /**
   * Migrations take RAM ÷ (bandwidth ÷ 2) seconds, during which the VM runs at 90 % on its source
   * and its destination reserves 10 % of it while counting its full request; false: a VM moves at
   * the step's start and loses 10 % of its CPU for the migration's duration, charged as PDM only.
   */
  migrationInFlight: boolean;
  /** A VM is allocated at most one core's MIPS (CloudSim VMs have one PE). */
  vmCappedAtOneCore: boolean;
  /** Nothing is metered in the first step: CloudSim's first update comes at its end (300.1 s). */
  firstStepUnmetered: boolean;
  /**
   * The run ends at steps × 300 s, before the update that would close the last step: only the
   * updates at its migrations' ends are metered in it.
   */
  lastStepCutAtLastMigration: boolean;
}

export const CLOUDSIM_PHYSICS: CloudSimPhysics = {
  sampleOffsetSeconds: 0.1,
  vmEndsAtZeroDemand: true,
  migrationInFlight: true,
  vmCappedAtOneCore: true,
  firstStepUnmetered: true,
  lastStepCutAtLastMigration: true,
};

/** One recorded update, as an observer sees it (tests, tracing). */
export interface CloudSimUpdate {
  /** Seconds since the run's start (CloudSim's clock). */
  time: number;
  /** Per host: the VMs on it and their roles (VmRole), in list order. */
  hosts: readonly { vm: number; role: number }[][];
  /** Per host: utilisation MIPS (allocated, a migrating-out VM at allocated ÷ 0.9) and requested MIPS. */
  allocatedMips: Float64Array;
  requestedMips: Float64Array;
}

/** What one step measured (the Datacenter adds the rest of StepStats). */
export interface IntervalStats {
  energyKWh: number;
  /** Host-seconds of active hosts (allocated MIPS > 0). */
  activeSeconds: number;
  /** Host-seconds of active hosts with allocated < requested MIPS. */
  overloadSeconds: number;
  /** Σ over VMs of requested MIPS × s (MI). */
  cpuRequestedMi: number;
  /** Σ over migrating VMs of (requested − allocated) MIPS × s (MI). */
  cpuLostMi: number;
  /** Hosts with allocated < requested MIPS right after the step's migrations started. */
  overloadedHosts: number;
  /**
   * Hosts with allocated MIPS > 0 in the state that closes the step (CloudSim's active hosts; a
   * host holding only idle or ended VMs is not one).
   */
  activeHosts: number;
  /**
   * Hosts that went from active to inactive (CloudSim's host shutdowns,
   * Helper.getTimesBeforeHostShutdown; a host's history starts as active).
   */
  shutdowns: number;
}
