/**
 * Runs a centralised policy inside a simulation: once per step, after the demand is set and
 * before the (gossip-free) rounds, its controller reads the datacenter and returns migration
 * orders; each order is applied as hypervisor events — the source and target agents update their
 * own VM lists, a sleeping target is woken, and the migration is committed to the datacenter and
 * metrics through the same observer as the agents' own migrations. Emptied PMs then go to sleep
 * at the end of the round, as in gossip runs.
 */
import { ConfigError, invariant } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import type { Datacenter } from '../src/model/datacenter.ts';
import type { CentralisedController } from '../src/policy/centralised/controller.ts';
import type { PolicyOptions, PolicyRegistry } from '../src/policy/registry.ts';
import type { PmAgent } from '../nodes/pm-agent.ts';
import { hypervisorVmArrived, hypervisorVmLeft, hypervisorWoke } from '../nodes/hypervisor.ts';
import type { ExperimentConfig } from './config.ts';

/** The controller of a centralised policy, or null for gossip policies. */
export function centralisedController(
  config: ExperimentConfig,
  policies: PolicyRegistry,
  options: PolicyOptions,
  datacenter: Datacenter,
): CentralisedController | null {
  const entry = policies.get(config.policy);
  if (entry.kind === 'gossip') return null;
  if (config.transport !== 'memory') {
    throw new ConfigError(
      `policy ${config.policy} is centralised: it runs only with --transport memory`,
    );
  }
  invariant(entry.controller, () => `centralised policy ${entry.name} has no controller`);
  return entry.controller(datacenter, options, new Rng(config.seed).fork('controller'));
}

export interface OrderSink {
  datacenter: Datacenter;
  agents: readonly (PmAgent | undefined)[];
  /** A sleeping host is powered on. */
  woke(node: number): void;
  /** A VM moved; `charged` false for a reference repack's free moves. */
  migrated(vm: number, from: number, to: number, charged: boolean): void;
}

/** One step of a centralised policy: decide, then apply the orders in sequence. */
export function runControllerStep(c: CentralisedController, sink: OrderSink): void {
  const dc = sink.datacenter;
  for (const { vm, to } of c.decide(dc)) {
    const from = dc.vmHost[vm]!;
    if (from === to) continue;
    const src = sink.agents[from];
    const dst = sink.agents[to];
    invariant(src && dst, () => `centralised order moves VM ${vm} between PMs not hosted here`);
    if (dc.awake[to] === 0) {
      hypervisorWoke(dst);
      sink.woke(to);
    }
    hypervisorVmLeft(src, vm);
    hypervisorVmArrived(dst, vm);
    sink.migrated(vm, from, to, c.chargesMigrations);
  }
}
