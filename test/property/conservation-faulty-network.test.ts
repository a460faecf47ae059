/**
 * Whole runs over a fault-injecting transport that drops, duplicates, delays and reorders
 * messages (fast-check command sequences of rounds, steps with new demand, and healing): the
 * agents, the engine and the datacenter together conserve VMs and RAM. This checks invariants;
 * the handshake's predictive model is migration-handshake.test.ts. The ownership record follows
 * the committed migrations the datacenter observes. After every command:
 *  - every VM has exactly one owner, or is in flight in the escrow of its model owner;
 *  - no PM's RAM (owned + reserved, and physically hosted) exceeds its capacity;
 *  - a sleeping PM holds nothing.
 * After the network heals, every VM is owned again and nothing is left in flight.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulation, checkConservation } from '../../experiments/simulation.ts';
import { TransportFaulty } from '../../src/transport/transport-faulty.ts';
import type { Message } from '../../protocols/messages.ts';
import { ArrayWorkload, testConfig } from '../helpers/fixtures.ts';
import {
  agentLedger,
  checkPlacement,
  faultySimulation,
  RoundCommand,
  settle,
  staleEscrows,
} from '../helpers/whole-run.ts';

interface Model {
  owner: Int32Array;
  step: number;
}

interface Real {
  sim: Simulation;
  faults: TransportFaulty<Message>;
  workload: ArrayWorkload;
}

function checkInvariants(model: Model, { sim }: Real): void {
  checkPlacement(sim, model.owner, agentLedger(sim));
  if (staleEscrows(sim).length > 0) sawStale = true;
}

interface Setup {
  pms: number;
  vmsPerPm: number;
  seed: number;
  dropRate: number;
  duplicateRate: number;
  delayRate: number;
  reorder: boolean;
  epsilonIn: number;
  reservationTtlRounds: number;
  peerSampling: 'uniform' | 'cyclon';
}

/** Runs `cmds` on a fleet set up by `p`, then heals; returns the commits and the faults injected. */
async function runCase(p: Setup, cmds: Iterable<fc.AsyncCommand<Model, Real>>) {
  const vms = Math.max(1, Math.round(p.pms * p.vmsPerPm));
  const workload = new ArrayWorkload([
    Array.from({ length: vms }, (_, i) => ((i * 37) % 100) / 100),
  ]);
  const config = testConfig({
    pms: p.pms,
    seed: p.seed,
    peerSampling: p.peerSampling,
    cyclon: { viewSize: 3, shuffleLength: 2 },
    // Every PM probes every round and always offers, so that many handshakes happen.
    qlearning: { epsilon: 0.3, epsilonIn: p.epsilonIn, holdWhenNegative: false },
    protocol: {
      reservationTtlRounds: p.reservationTtlRounds,
      wakeAfterStuckRounds: 1,
      probeEveryRounds: 1,
    },
  });
  let committed = 0;
  const model: Model = { owner: new Int32Array(vms), step: 0 };
  const { sim, faults } = faultySimulation(config, workload, p.seed, p, (vm, from, to) => {
    expect(model.owner[vm], `VM ${vm} committed twice`).toBe(from);
    model.owner[vm] = to;
    committed++;
  });
  model.owner.set(sim.datacenter.vmHost);
  sim.beginStep(0);
  const real: Real = { sim, faults, workload };
  await fc.asyncModelRun(() => ({ model, real }), cmds);
  await new HealCommand().run(model, real);
  return { committed, dropped: faults.dropped, duplicated: faults.duplicated };
}

class StepCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly utils: number[]) {}
  check = () => true;
  async run(model: Model, real: Real) {
    real.sim.endStep();
    model.step++;
    real.workload.steps[model.step] = this.utils.slice(0, real.workload.vmCount);
    real.sim.beginStep(model.step);
    checkInvariants(model, real);
  }
  toString = () => `step(${this.utils.map((u) => u.toFixed(2)).join(',')})`;
}

/** A stale escrow seen after some round (the regression case below checks it happens). */
let sawStale = false;

class HealCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real) {
    await settle(real.sim, real.faults, 50);
    checkInvariants(model, real);
    expect(real.sim.agents.some((a) => a!.consolidation.out?.phase === 'transferring')).toBe(false);
    checkConservation(real.sim.agents, real.sim.datacenter);
    real.faults.enabled = true;
  }
  toString = () => 'heal';
}

describe('whole runs over an unreliable network', () => {
  it('never loses or duplicates a VM, never over-commits RAM, sleeping PMs hold nothing', async () => {
    const stats = { dropped: 0, duplicated: 0, committed: 0 };
    const setup: fc.Arbitrary<Setup> = fc.record({
      pms: fc.integer({ min: 2, max: 6 }),
      vmsPerPm: fc.double({ min: 0.3, max: 1.6, noNaN: true }),
      seed: fc.nat(1_000_000),
      dropRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
      duplicateRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
      delayRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
      reorder: fc.boolean(),
      epsilonIn: fc.double({ min: 0, max: 1, noNaN: true }),
      reservationTtlRounds: fc.integer({ min: 1, max: 3 }),
      peerSampling: fc.constantFrom('uniform' as const, 'cyclon' as const),
    });
    await fc.assert(
      fc.asyncProperty(
        setup,
        fc.commands(
          [
            fc.constant(new RoundCommand(checkInvariants)),
            fc.constant(new RoundCommand(checkInvariants)),
            fc
              .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 16, maxLength: 16 })
              .map((u) => new StepCommand(u)),
            fc.constant(new HealCommand()),
          ],
          { maxCommands: 60, size: 'max' },
        ),
        async (p, cmds) => {
          const faults = await runCase(p, cmds);
          stats.committed += faults.committed;
          stats.dropped += faults.dropped;
          stats.duplicated += faults.duplicated;
        },
      ),
      { numRuns: 200 },
    );
    // The property is only meaningful if the runs really migrated VMs through a lossy network.
    // fast-check biases rates toward 0 and its seed is fresh each run, so the counts vary (87
    // drops over 200 runs was seen in CI): the floor asks for real traffic, not a typical amount.
    expect(stats.committed).toBeGreaterThan(100);
    expect(stats.dropped).toBeGreaterThan(20);
    expect(stats.duplicated).toBeGreaterThan(20);
  });
});

describe('a lost Done while the new owner sends the VM on', () => {
  it('leaves a stale escrow that resolves: the VM is neither lost nor duplicated', async () => {
    // The case fast-check found (seed −1353971707): PM 3 moves VM 0 to PM 0, both Dones are lost,
    // and PM 0 sends VM 0 on to PM 5 while PM 3 still asks.
    /** Demands of the 16 VM slots, all 0 but the given ones (the tiny values fast-check shrank to). */
    const u = (nonZero: Record<number, number>) =>
      Array.from({ length: 16 }, (_, j) => nonZero[j] ?? 0);
    const round = () => new RoundCommand<Model, Real>(checkInvariants);
    sawStale = false;
    await runCase(
      {
        pms: 6,
        vmsPerPm: 1.0833333333333333,
        seed: 558205,
        dropRate: 0.26426920900121337,
        duplicateRate: 5e-324,
        delayRate: 5e-324,
        reorder: true,
        epsilonIn: 0,
        reservationTtlRounds: 2,
        peerSampling: 'uniform',
      },
      [
        new StepCommand(u({ 1: 2.389948131171323e-55, 3: 2.3458128517423196e-157, 6: 5e-324 })),
        round(),
        new HealCommand(),
        new StepCommand(u({ 3: 1.533527229344395e-66 })),
        round(),
        new StepCommand(u({ 4: 5.921320079257951e-48 })),
        round(),
        round(),
        round(),
      ],
    );
    expect(sawStale).toBe(true);
  });
});
