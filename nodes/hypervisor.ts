/**
 * What a PM's hypervisor reports to its own agent when something outside the gossip protocol
 * changes the VMs it hosts: a centralised controller (THR-MMT, LR-MMT, FFD) migrated a VM away or
 * onto it, or woke it. The agent owns its VM list and sums; these keep them true, as a real
 * hypervisor's notifications would. Only used by centralised runs, whose agents never gossip, so
 * no exchange is open when they apply.
 */
import { invariant } from '../src/core/errors.ts';
import type { PmAgent } from './pm-agent.ts';

/** `vm` left this PM. */
export function hypervisorVmLeft(a: PmAgent, vm: number): void {
  const n = a.node;
  const i = n.vms.indexOf(vm);
  invariant(i >= 0, () => `hypervisor of PM ${n.id} reports VM ${vm} leaving, but it hosts it not`);
  n.vms.splice(i, 1);
  n.cpuUsedMips -= n.sensor.cpuMips(vm);
  n.ramUsedMb -= n.sensor.ramMb(vm);
  if (n.vms.length === 0) {
    n.cpuUsedMips = 0; // exact zero: sums of floats must not drift
    n.ramUsedMb = 0;
  }
}

/** `vm` arrived on this PM (which is awake). */
export function hypervisorVmArrived(a: PmAgent, vm: number): void {
  const n = a.node;
  invariant(!n.asleep, () => `VM ${vm} arrived on sleeping PM ${n.id}`);
  n.vms.push(vm);
  n.cpuUsedMips += n.sensor.cpuMips(vm);
  n.ramUsedMb += n.sensor.ramMb(vm);
}

/** This PM was powered on to receive VMs. */
export function hypervisorWoke(a: PmAgent): void {
  a.node.asleep = false;
  a.consolidation.stuckRounds = 0;
}
