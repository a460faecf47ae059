/**
 * What the whole-run property tests over a faulty network share (conservation-faulty-network,
 * lifecycle-faulty-network): the agents' side of the invariants, a round as a fast-check command,
 * and healing the network until every exchange is over.
 */
import { expect } from 'vitest';
import type fc from 'fast-check';
import { Simulation } from '../../experiments/simulation.ts';
import type { ExperimentConfig } from '../../experiments/config.ts';
import { TransportFaulty, type FaultOptions } from '../../src/transport/transport-faulty.ts';
import { Rng } from '../../src/core/rng.ts';
import type { Workload } from '../../src/workload/workload.ts';
import type { Message } from '../../protocols/messages.ts';
import type { PmAgent } from '../../nodes/pm-agent.ts';
import { recordKey } from '../../protocols/consolidation-rules.ts';
import { RecordKind, recordKind } from '../../protocols/consolidation-state.ts';

/**
 * A simulation over a fault-injecting network (`faults`' rates, up to 4 phases of delay, its own
 * stream forked from `seed`); `onMigration` sees every committed migration.
 */
export function faultySimulation(
  config: ExperimentConfig,
  workload: Workload,
  seed: number,
  faults: FaultOptions,
  onMigration: (vm: number, from: number, to: number) => void,
): { sim: Simulation; faults: TransportFaulty<Message> } {
  let network!: TransportFaulty<Message>;
  const sim = new Simulation(config, workload, {
    wrapTransport: (t) =>
      (network = new TransportFaulty(t, new Rng(seed).fork('faults'), {
        ...faults,
        maxDelayPhases: 4,
      })),
    onMigration,
  });
  return { sim, faults: network };
}

/**
 * Checks every agent (a sleeping PM holds nothing and has no session or reservation; its sleep
 * agrees with the datacenter's; no VM is owned twice or held in two live escrows; owned + reserved
 * RAM fits; its count of open reservations is the Map's) and returns, per VM, the PM that owns it
 * and the PM that holds it in a live escrow (−1: none). `more` checks an agent further.
 *
 * An escrow is stale when its peer has already committed the Transfer and only the Done was lost:
 * the sender keeps asking until a Done comes, while the new owner may already be sending the VM
 * on. A stale escrow is not the VM's (it is in no PM's books but its new owner's), so it is left
 * out of the ledger.
 */
export function agentLedger(
  sim: Simulation,
  more: (a: PmAgent) => void = () => {},
): { owners: Int32Array; escrow: Int32Array } {
  const dc = sim.datacenter;
  const owners = new Int32Array(dc.vmCount).fill(-1);
  const escrow = new Int32Array(dc.vmCount).fill(-1);
  for (const a of sim.agents.filter((x) => x !== undefined)) {
    const s = { ...a.node, ...a.consolidation };
    expect(s.reserved, `PM ${s.id}'s reservation count`).toBe(s.reservations.size);
    if (s.asleep) {
      expect(s.vms.length, `sleeping PM ${s.id} holds VMs`).toBe(0);
      expect(s.out, `sleeping PM ${s.id} has a session`).toBeNull();
      expect(s.reservations.size).toBe(0);
    }
    expect(dc.awake[s.id] === 0).toBe(s.asleep);
    let ram = 0;
    for (const vm of s.vms) {
      expect(owners[vm], `VM ${vm} owned by ${owners[vm]} and ${s.id}`).toBe(-1);
      owners[vm] = s.id;
      ram += dc.vmRamMb[vm]!;
    }
    expect(ram + s.ramReservedMb).toBeLessThanOrEqual(s.ramCapMb + 1e-6);
    if (s.out?.phase === 'transferring' && !committedByPeer(sim, s.id, s.out.peer, s.out.last.re)) {
      expect(
        escrow[s.out.vm],
        `VM ${s.out.vm} in the escrow of ${escrow[s.out.vm]} and ${s.id}`,
      ).toBe(-1);
      escrow[s.out.vm] = s.id;
    }
    more(a);
  }
  return { owners, escrow };
}

/** VMs held in a stale escrow now: their sender waits for the Done of a Transfer already committed. */
export function staleEscrows(sim: Simulation): number[] {
  const vms: number[] = [];
  for (const a of sim.agents) {
    const o = a?.consolidation.out;
    if (o?.phase === 'transferring' && committedByPeer(sim, a!.id, o.peer, o.last.re))
      vms.push(o.vm);
  }
  return vms;
}

/** Has PM `peer` committed the Transfer from `sender` for its offer `offerSeq` (only the Done is outstanding)? */
function committedByPeer(sim: Simulation, sender: number, peer: number, offerSeq: number): boolean {
  const rec = sim.agents[peer]?.consolidation.records.get(recordKey(sender, offerSeq));
  return rec !== undefined && recordKind(rec) === RecordKind.Committed;
}

/**
 * The datacenter's side against a model: every VM the model says runs (its model owner ≥ 0; a
 * negative one is checked by the caller) runs on that PM, which owns it or holds it in escrow;
 * no host's physically hosted RAM exceeds its capacity.
 */
export function checkPlacement(
  sim: Simulation,
  modelOwner: Int32Array,
  { owners, escrow }: { owners: Int32Array; escrow: Int32Array },
): void {
  const dc = sim.datacenter;
  const physicalRam = new Float64Array(sim.agents.length);
  for (let vm = 0; vm < dc.vmCount; vm++) {
    if (modelOwner[vm]! < 0) continue;
    expect(dc.vmHost[vm]).toBe(modelOwner[vm]);
    physicalRam[dc.vmHost[vm]!] = physicalRam[dc.vmHost[vm]!]! + dc.vmRamMb[vm]!;
    if (owners[vm]! >= 0) expect(owners[vm], `VM ${vm}`).toBe(modelOwner[vm]);
    else
      expect(escrow[vm], `VM ${vm} has no owner and is not in flight from its owner`).toBe(
        modelOwner[vm],
      );
  }
  physicalRam.forEach((r, h) => expect(r).toBeLessThanOrEqual(dc.ramCapMb[h]! + 1e-6));
}

/** One round, then `check`. */
export class RoundCommand<
  M extends object,
  R extends { sim: Simulation },
> implements fc.AsyncCommand<M, R> {
  constructor(private readonly after: (model: M, real: R) => void) {}
  check = () => true;
  async run(model: M, real: R) {
    await real.sim.runRound();
    this.after(model, real);
  }
  toString = () => 'round';
}

/** Heals the network and runs rounds until no exchange or reservation is open (at most `rounds`). */
export async function settle(
  sim: Simulation,
  faults: TransportFaulty<Message>,
  rounds: number,
): Promise<void> {
  faults.enabled = false;
  const busy = () =>
    sim.agents.some((a) => a!.consolidation.out !== null || a!.consolidation.reservations.size > 0);
  for (let i = 0; i < rounds && (busy() || faults.pending()); i++) await sim.runRound();
}
