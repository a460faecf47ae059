/**
 * CloudSim 3.0.3's initial VM allocation under its migration policies
 * (PowerVmAllocationPolicyMigrationAbstract.findHostForVm, power-aware best fit), as it plays out
 * at t = 0: a VM being instantiated requests its full MIPS and RAM; a host is suitable when one of
 * its cores can hold the VM's MIPS, its free MIPS can, and its free RAM can; among suitable hosts
 * the VM goes to the one whose power rises least: P(allocated MIPS + the VM's) − P(measured), where
 * the measured utilisation is still 0 for every host, so each host's cost is counted from its idle
 * power however many VMs it already holds. An empty host is therefore always the cheapest of its
 * type, and CloudSim spreads the first 800 VMs one per host (ties go to the first host in list
 * order). The overload check that follows never fires here: the VMs already placed request
 * nothing until their first update, and one VM alone stays under every detector's threshold.
 * (VM bandwidth, 100 Mbit/s of a host's 1 Gbit/s, would cap a host at 10 VMs: RAM caps it first.)
 */
import { ConfigError } from '../core/errors.ts';
import { cloudSimPowerW } from './cloudsim-host.ts';
import { hostCpuMips, type HostType, type VmType } from './hardware.ts';

export function cloudSimInitialPlacement(
  hosts: readonly HostType[],
  vms: readonly VmType[],
): Int32Array {
  const freeMips = Float64Array.from(hosts, hostCpuMips);
  const freeRam = Float64Array.from(hosts, (h) => h.ramMb);
  const placement = new Int32Array(vms.length);
  for (let vm = 0; vm < vms.length; vm++) {
    const { mips, ramMb } = vms[vm]!;
    let best = -1;
    let bestDiffW = Infinity;
    for (let h = 0; h < hosts.length; h++) {
      const t = hosts[h]!;
      if (t.mipsPerCore < mips || freeMips[h]! < mips || freeRam[h]! < ramMb) continue;
      // Measured utilisation is 0 for every host until the first update: P(after) − P(0).
      const cap = hostCpuMips(t);
      const diffW = cloudSimPowerW(t, (cap - freeMips[h]! + mips) / cap) - cloudSimPowerW(t, 0);
      if (diffW < bestDiffW) {
        bestDiffW = diffW;
        best = h;
      }
    }
    if (best < 0) {
      throw new ConfigError(
        `cannot place VM ${vm} (${mips} MIPS, ${ramMb} MB) with CloudSim's initial allocation on ${hosts.length} PMs; use more --pms`,
      );
    }
    freeMips[best]! -= mips;
    freeRam[best]! -= ramMb;
    placement[vm] = best;
  }
  return placement;
}
