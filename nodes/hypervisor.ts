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

/**
 * `vm` arrived on this PM (which is awake). A VM this PM still holds in escrow from an earlier
 * migration (its recipient committed, then crashed, and the VM was restarted here) makes that
 * session moot: it ends, so that the escrow can never be taken back as a second copy.
 */
export function hypervisorVmArrived(a: PmAgent, vm: number): void {
  const n = a.node;
  invariant(!n.asleep, () => `VM ${vm} arrived on sleeping PM ${n.id}`);
  const c = a.consolidation;
  if (c.out?.phase === 'transferring' && c.out.vm === vm) {
    if (c.out.token !== 0) a.policy.forget?.(c.out.token);
    c.out = null;
  }
  n.vms.push(vm);
  n.cpuUsedMips += n.sensor.cpuMips(vm);
  n.ramUsedMb += n.sensor.ramMb(vm);
}

/** This PM was powered on to receive VMs. */
export function hypervisorWoke(a: PmAgent): void {
  a.node.asleep = false;
  a.consolidation.stuckRounds = 0;
}
