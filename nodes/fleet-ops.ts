/**
 * The scheduler's ops (nodes/pm-status.ts) carried out on a PM's agent, and the status its
 * hypervisor reports, by the process that hosts the PM.
 */
import { hypervisorVmArrived, hypervisorVmLeft, hypervisorWoke } from './hypervisor.ts';
import type { PmAgent } from './pm-agent.ts';
import type { FleetOp, PmStatus } from './pm-status.ts';

/** Carries `op` out on its PM's agent, as its hypervisor (or the operator) would. */
export function applyFleetOp(a: PmAgent, op: FleetOp): void {
  switch (op[0]) {
    case 'crash':
      return a.crash();
    case 'recover':
      return a.recover();
    case 'drain':
      return a.drain();
    case 'woke':
      return hypervisorWoke(a);
    case 'arrived':
      return hypervisorVmArrived(a, op[2]);
    case 'left':
      return hypervisorVmLeft(a, op[2]);
  }
}

/** What `a`'s hypervisor reports now. */
export function statusOf(a: PmAgent): PmStatus {
  const n = a.node;
  const c = a.consolidation;
  const leaving = c.out?.phase === 'transferring' ? c.out : null;
  return {
    vms: [...n.vms],
    reservedCpu: c.cpuReservedMips,
    reservedRam: c.ramReservedMb,
    reservations: c.reservations.size,
    session: c.out === null ? 'none' : leaving ? 'transferring' : 'open',
    leavingVm: leaving ? leaving.vm : -1,
    leavingCpu: leaving ? leaving.vmCpuMips : 0,
    leavingRam: leaving ? leaving.vmRamMb : 0,
    asleep: n.asleep,
    draining: n.draining,
    comingUp: c.upAtRound > 0,
    lost: a.lostWhileDown,
  };
}
