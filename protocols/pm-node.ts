/**
 * What every protocol of a PM's stack shares: the PM itself. Its identity and capacity, its own
 * random stream, its hypervisor's readings of the VMs it hosts (`sensor`), the VMs it owns and
 * their summed demand, whether it sleeps, and the one sequence counter all its messages use
 * (replies pair with requests by it, and delivery is ordered by it). Protocols keep everything
 * else in their own state.
 */
import type { Rng } from '../src/core/rng.ts';

/** The hypervisor's current readings for VMs hosted on this PM. */
export interface VmSensor {
  /** Current CPU demand of a hosted VM, in MIPS. */
  cpuMips(vm: number): number;
  /** RAM of a hosted VM, in MB. */
  ramMb(vm: number): number;
  /**
   * Whether a hosted VM has ended (the `cloudsim` profile: its demand read 0 at an update) and
   * left this PM. Absent: VMs never end.
   */
  ended?(vm: number): boolean;
  /**
   * Whether a VM this PM is migrating away still runs here: the hypervisor knows whether a live
   * migration switched over. Asked only when the recipient has stayed silent for a while (it may
   * have crashed); absent (runs where PMs never fail): never asked, the sender keeps asking.
   */
  runsHere?(vm: number, pm: number): boolean;
}

export interface PmNode {
  readonly id: number;
  /** CPU capacity, in MIPS (cores × MIPS per core). */
  readonly cpuCapMips: number;
  /** RAM capacity, in MB. */
  readonly ramCapMb: number;
  /** This node's protocol random stream (peer choices, shuffles). */
  readonly rng: Rng;
  readonly sensor: VmSensor;
  /** VMs this PM owns (VMs in escrow on their way out excluded). */
  vms: number[];
  /** Σ CPU demand of `vms`, in MIPS. */
  cpuUsedMips: number;
  /** Σ RAM of `vms`, in MB. */
  ramUsedMb: number;
  asleep: boolean;
  /** True while the PM has crashed or left (events): it is off (`asleep` too) and hears nothing. */
  down: boolean;
  /** True while the PM is being drained (events): it takes no VM in, and leaves once empty. */
  draining: boolean;
  /** Last sequence number used; strictly increasing. */
  seq: number;
  /** The current gossip round (rounds are numbered from 1 across steps). */
  round: number;
}

/** What defines a node before it runs: its identity, capacity, ports and initial VMs. */
export type PmNodeInit = Pick<
  PmNode,
  'id' | 'cpuCapMips' | 'ramCapMb' | 'rng' | 'sensor' | 'vms' | 'asleep'
>;

export function createPmNode(init: PmNodeInit): PmNode {
  return {
    id: init.id,
    cpuCapMips: init.cpuCapMips,
    ramCapMb: init.ramCapMb,
    rng: init.rng,
    sensor: init.sensor,
    vms: [...init.vms],
    cpuUsedMips: 0,
    ramUsedMb: 0,
    asleep: init.asleep,
    down: false,
    draining: false,
    seq: 0,
    round: 0,
  };
}

/** The next sequence number of this node's messages. */
export function nextSeq(n: PmNode): number {
  return ++n.seq;
}

/**
 * Start of a workload step: re-read the demand of the VMs this PM hosts (its own hypervisor);
 * VMs that have ended leave its list.
 */
export function readDemand(n: PmNode): void {
  const ended = n.sensor.ended;
  if (ended !== undefined) {
    let k = 0;
    for (const vm of n.vms) if (!ended(vm)) n.vms[k++] = vm;
    if (k !== n.vms.length) n.vms.length = k; // setting it costs a runtime call even unchanged
  }
  let cpu = 0;
  let ram = 0;
  for (const vm of n.vms) {
    cpu += n.sensor.cpuMips(vm);
    ram += n.sensor.ramMb(vm);
  }
  n.cpuUsedMips = cpu;
  n.ramUsedMb = ram;
}
