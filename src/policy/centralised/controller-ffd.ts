/**
 * Offline first-fit decreasing repack, every step: a reference close to the lower bound, not a
 * policy one could deploy. VMs, largest first (by their larger share of a host's CPU or RAM), go
 * to the first host, largest hosts first, where they fit (CPU strictly below `maxCpu` of capacity,
 * so no host is overloaded; RAM within capacity when RAM binds). Bins are then matched to hosts of
 * the same type so that as many VMs as possible stay where they are. Its moves are counted but
 * cost nothing (no PDM): the point is how few PMs the demand needs, not how to get there.
 */
import type { CentralisedController, DatacenterView, MigrationOrder } from './controller.ts';

export interface FfdOptions {
  /** Fill hosts while CPU demand stays strictly below this fraction of capacity (0..1]. */
  maxCpu: number;
}

export class ControllerFfd implements CentralisedController {
  readonly chargesMigrations = false;

  constructor(private readonly o: FfdOptions) {}

  decide(v: DatacenterView): readonly MigrationOrder[] {
    const n = v.hostCount;
    // Crashed hosts are no bins; down VMs wait for their restart, not for a repack.
    const hostsBySize = Array.from({ length: n }, (_, h) => h)
      .filter((h) => v.down[h] === 0)
      .sort(
        (a, b) => v.cpuCapMips[b]! - v.cpuCapMips[a]! || v.ramCapMb[b]! - v.ramCapMb[a]! || a - b,
      );
    const maxCpu = v.cpuCapMips[hostsBySize[0]!]!;
    const maxRam = Math.max(...v.ramCapMb);
    const size = (vm: number) =>
      Math.max(v.vmCpuMips[vm]! / maxCpu, maxRam > 0 ? v.vmRamUsedMb[vm]! / maxRam : 0);
    const vms = Array.from({ length: v.vmCount }, (_, i) => i)
      .filter((vm) => v.vmDown[vm] === 0)
      .sort((a, b) => size(b) - size(a) || v.vmCpuMips[b]! - v.vmCpuMips[a]! || a - b);

    // First fit decreasing into bins; bin i has the capacities of hostsBySize[i].
    const binCpu = new Float64Array(n);
    const binRam = new Float64Array(n);
    const binOf = new Int32Array(v.vmCount);
    const members: number[][] = Array.from({ length: n }, () => []);
    for (const vm of vms) {
      const d = v.vmCpuMips[vm]!;
      const r = v.vmRamUsedMb[vm]!;
      let bin = -1;
      let roomiest = -1;
      for (let i = 0; i < hostsBySize.length && bin < 0; i++) {
        const h = hostsBySize[i]!;
        if (binRam[i]! + r > v.ramCapMb[h]!) continue;
        if (binCpu[i]! + d < v.cpuCapMips[h]! * this.o.maxCpu) bin = i;
        else if (
          roomiest < 0 ||
          v.cpuCapMips[h]! - binCpu[i]! > v.cpuCapMips[hostsBySize[roomiest]!]! - binCpu[roomiest]!
        )
          roomiest = i;
      }
      if (bin < 0) bin = roomiest >= 0 ? roomiest : 0; // fits nowhere: least overloaded bin
      binCpu[bin]! += d;
      binRam[bin]! += r;
      binOf[vm] = bin;
      members[bin]!.push(vm);
    }

    // Give each used bin the free host of its type that already holds most of its VMs.
    const hostOfBin = new Int32Array(n).fill(-1);
    const taken = new Uint8Array(n);
    const used = Array.from({ length: n }, (_, i) => i)
      .filter((i) => members[i]!.length > 0)
      .sort((a, b) => members[b]!.length - members[a]!.length || a - b);
    for (const bin of used) {
      const type = v.hosts[hostsBySize[bin]!]!;
      const votes = new Map<number, number>();
      for (const vm of members[bin]!) {
        const h = v.vmHost[vm]!;
        if (taken[h] === 0 && v.hosts[h] === type) votes.set(h, (votes.get(h) ?? 0) + 1);
      }
      let best = -1;
      let bestVotes = 0;
      for (const [h, c] of votes) {
        if (c > bestVotes || (c === bestVotes && h < best)) {
          best = h;
          bestVotes = c;
        }
      }
      if (best < 0) {
        // No VM of this bin sits on a free host of its type: prefer an awake host, then any.
        for (let pass = 0; pass < 2 && best < 0; pass++) {
          for (const h of hostsBySize) {
            if (taken[h] === 0 && v.hosts[h] === type && (pass === 1 || v.awake[h] === 1)) {
              best = h;
              break;
            }
          }
        }
      }
      taken[best] = 1;
      hostOfBin[bin] = best;
    }
    const orders: MigrationOrder[] = [];
    for (let vm = 0; vm < v.vmCount; vm++) {
      if (v.vmDown[vm] === 1) continue;
      const to = hostOfBin[binOf[vm]!]!;
      if (to !== v.vmHost[vm]) orders.push({ vm, to });
    }
    return orders;
  }
}
