/**
 * The no-op policy (CloudSim Plus keeps a no-op variant of every strategy): VMs stay where the
 * initial placement put them; no gossip, no migrations. Empty PMs still sleep.
 */
import type { NodePolicy } from './policy.ts';
import { definePolicy } from './registry.ts';

export class PolicyNone implements NodePolicy {
  readonly gossips = false;
  chooseVm(): number {
    return -1;
  }
  accept(): boolean {
    return false;
  }
  learnOut(): number {
    return 0;
  }
  learnIn(): number {
    return 0;
  }
}

export const NONE_POLICY = definePolicy({
  name: 'none',
  description: 'initial placement only: no gossip, no migrations',
  kind: 'gossip',
  sections: [],
  create: () => new PolicyNone(),
});
