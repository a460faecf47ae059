/**
 * V-MAN (Marzolla, Babaoglu & Panzieri, "Server consolidation in clouds through gossiping",
 * WoWMoM 2011): when two servers gossip, the less loaded one pushes to the more loaded one every
 * VM that fits, so that it empties and can sleep. No learning. In our exchange the sender (the
 * less loaded PM, by the protocol's role rule) offers its VMs smallest first, so that as many as
 * possible move before the first one that does not fit; the recipient accepts a VM iff its CPU
 * stays below 100 % with it (the protocol checks RAM). V-MAN counts VMs in slots; we measure fit
 * in CPU and RAM instead.
 */
import type { DecisionInput, NodePolicy } from './policy.ts';
import { definePolicy } from './registry.ts';

export class PolicyVman implements NodePolicy {
  readonly gossips = true;

  /** The VM with the smallest dominant share (max of its CPU and RAM fractions); ties by CPU. */
  chooseVm(
    _self: DecisionInput,
    _actions: Int32Array,
    cpuFrac: Float64Array,
    ramFrac: Float64Array,
    count: number,
  ): number {
    let best = -1;
    let bestSize = Infinity;
    let bestCpu = Infinity;
    for (let i = 0; i < count; i++) {
      const size = Math.max(cpuFrac[i]!, ramFrac[i]!);
      if (size < bestSize || (size === bestSize && cpuFrac[i]! < bestCpu)) {
        best = i;
        bestSize = size;
        bestCpu = cpuFrac[i]!;
      }
    }
    return best;
  }

  /** Fits: CPU (reservations included) stays strictly below capacity. */
  accept(self: DecisionInput, _action: number, cpuFrac: number): boolean {
    return self.cpuUtil + cpuFrac < 1;
  }

  learnOut(): number {
    return 0;
  }

  learnIn(): number {
    return 0;
  }
}

export const VMAN_POLICY = definePolicy({
  name: 'vman',
  description: 'V-MAN gossip (Marzolla et al. 2011): the less loaded PM pushes every VM that fits',
  kind: 'gossip',
  sections: [],
  create: () => new PolicyVman(),
});
