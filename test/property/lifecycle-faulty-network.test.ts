/**
 * Whole runs with random crash and return schedules over a network that drops, duplicates,
 * delays and reorders messages (fast-check commands: rounds, steps, healing). The model predicts
 * what the schedule does at each step start: which VMs go down (exactly those on the PMs that
 * crash, wherever their migrations stood) and that a down VM comes back only on an awake PM
 * that is not down, at least `restartDelaySteps` after it went down. After every command:
 *  - every VM runs on exactly one PM that owns it (or is in its escrow), or is down and owned by
 *    none; a crashed PM holds nothing and has no session or reservation;
 *  - no PM's RAM (owned + reserved, and physically hosted) exceeds its capacity.
 * After the network heals and enough steps pass with room to spare, every VM runs again.
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
} from '../helpers/whole-run.ts';

/** −1: down; −2: not arrived yet (or waiting for room); −3: ended. */
const DOWN = -1;
const ABSENT = -2;
const GONE = -3;

interface Model {
  owner: Int32Array;
  /** The step each down VM went down. */
  downSince: Int32Array;
  step: number;
  /** PMs crashing at each step start (from the schedule). */
  crashesAt: Map<number, number[]>;
  returnsAt: Map<number, number[]>;
  /** PMs down now, as the model sees the schedule. */
  down: Set<number>;
  drainsAt: Map<number, number[]>;
  /** PMs being drained: they leave (go down) once the scheduler has moved every VM off them. */
  draining: Set<number>;
  arrivalsAt: Map<number, number[]>;
  departuresAt: Map<number, number[]>;
  restartDelay: number;
}

interface Real {
  sim: Simulation;
  faults: TransportFaulty<Message>;
  workload: ArrayWorkload;
}

const stats = {
  dropped: 0,
  wentDown: 0,
  restarted: 0,
  committed: 0,
  drained: 0,
  arrived: 0,
  departed: 0,
};

function checkInvariants(model: Model, { sim }: Real): void {
  const dc = sim.datacenter;
  const { owners, escrow } = agentLedger(sim, (a) => {
    const s = { ...a.node, ...a.consolidation };
    expect(s.down, `PM ${s.id} down`).toBe(model.down.has(s.id));
    expect(s.draining, `PM ${s.id} draining`).toBe(model.draining.has(s.id));
    expect(dc.down[s.id] === 1).toBe(s.down);
    // A VM in escrow still runs on its sender: owned + leaving RAM fits too.
    let ram = s.out?.phase === 'transferring' ? dc.vmRamMb[s.out.vm]! : 0;
    for (const vm of s.vms) ram += dc.vmRamMb[vm]!;
    expect(ram).toBeLessThanOrEqual(s.ramCapMb + 1e-6);
  });
  for (let vm = 0; vm < dc.vmCount; vm++) {
    if (model.owner[vm] === DOWN) {
      expect(dc.vmDown[vm], `VM ${vm} should be down`).toBe(1);
      expect(owners[vm], `down VM ${vm} is owned`).toBe(-1);
    } else if (model.owner[vm] === ABSENT || model.owner[vm] === GONE) {
      // Not in the datacenter. (An ended VM still in a sender's escrow may land on its
      // recipient, who drops it at the next step start: ownership is not checked here.)
      expect(dc.vmEnded[vm], `VM ${vm} should not run`).toBe(1);
      expect(dc.vmDown[vm]).toBe(0);
      if (model.owner[vm] === ABSENT)
        expect(owners[vm], `VM ${vm} owned before it arrived`).toBe(-1);
    } else expect(dc.vmDown[vm], `VM ${vm} should run`).toBe(0);
  }
  checkPlacement(sim, model.owner, { owners, escrow });
}

/** Predicts the step start's events, then checks the restarts the scheduler made. */
function startStep(model: Model, real: Real): void {
  const dc = real.sim.datacenter;
  const before = Int32Array.from(model.owner);
  for (const h of model.returnsAt.get(model.step) ?? []) {
    model.down.delete(h);
    model.draining.delete(h);
  }
  const crashing = (model.crashesAt.get(model.step) ?? []).filter((h) => !model.down.has(h));
  for (const h of crashing) {
    model.down.add(h);
    model.draining.delete(h);
  }
  for (const h of model.drainsAt.get(model.step) ?? [])
    if (!model.down.has(h)) model.draining.add(h);
  for (const vm of model.departuresAt.get(model.step) ?? []) {
    if (model.owner[vm] !== GONE) stats.departed++;
    model.owner[vm] = GONE;
  }
  // Every VM on a crashing PM goes down; so does one in escrow from it (not yet committed).
  for (let vm = 0; vm < dc.vmCount; vm++) {
    if (model.owner[vm]! >= 0 && crashing.includes(model.owner[vm]!)) {
      model.owner[vm] = DOWN;
      model.downSince[vm] = model.step;
      stats.wentDown++;
    }
  }
  real.sim.beginStep(model.step);
  for (const h of [...model.draining]) {
    expect(real.sim.agents[h]!.node.draining || dc.down[h] === 1).toBe(true);
    if (dc.down[h] === 0) continue;
    // It left: only once nothing of it was left behind.
    expect(model.owner.indexOf(h), `drained PM ${h} left with a VM`).toBe(-1);
    model.draining.delete(h);
    model.down.add(h);
    stats.drained++;
  }
  for (let vm = 0; vm < dc.vmCount; vm++) {
    if (model.owner[vm] === ABSENT && dc.vmEnded[vm] === 0) {
      // Arrived (at its step, or later when there was no room): on an awake PM that is not down.
      const h = dc.vmHost[vm]!;
      expect(model.down.has(h) || model.draining.has(h)).toBe(false);
      expect(dc.awake[h]).toBe(1);
      model.owner[vm] = h;
      stats.arrived++;
      continue;
    }
    if (model.owner[vm] !== DOWN || dc.vmDown[vm] === 1) continue;
    // Restarted: only after the delay, on an awake PM that is not down.
    expect(before[vm] === DOWN || crashing.length > 0).toBe(true);
    expect(model.step - model.downSince[vm]!).toBeGreaterThanOrEqual(model.restartDelay);
    const h = dc.vmHost[vm]!;
    expect(model.down.has(h)).toBe(false);
    expect(dc.awake[h]).toBe(1);
    model.owner[vm] = h;
    stats.restarted++;
  }
}

class StepCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly utils: number[]) {}
  check = () => true;
  async run(model: Model, real: Real) {
    real.sim.endStep();
    model.step++;
    real.workload.steps[model.step] = this.utils.slice(0, real.workload.vmCount);
    startStep(model, real);
    checkInvariants(model, real);
  }
  toString = () => `step(${this.utils.map((u) => u.toFixed(2)).join(',')})`;
}

async function heal(model: Model, real: Real): Promise<void> {
  await settle(real.sim, real.faults, 60);
  checkInvariants(model, real);
  real.faults.enabled = true;
}

class HealCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real) {
    await heal(model, real);
  }
  toString = () => 'heal';
}

describe('crashes and returns over an unreliable network', () => {
  it('never loses or duplicates a VM, never over-commits RAM; down VMs run again when there is room', async () => {
    const setup = fc.record({
      pms: fc.integer({ min: 3, max: 7 }),
      vmsPerPm: fc.double({ min: 0.3, max: 1.2, noNaN: true }),
      seed: fc.nat(1_000_000),
      dropRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
      duplicateRate: fc.double({ min: 0, max: 0.2, noNaN: true }),
      delayRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
      reorder: fc.boolean(),
      restartDelaySteps: fc.integer({ min: 0, max: 2 }),
      admissionSample: fc.integer({ min: 1, max: 4 }),
      maxOfferRetries: fc.integer({ min: 0, max: 2 }),
      crashes: fc.array(
        fc.record({
          step: fc.integer({ min: 1, max: 8 }),
          pm: fc.nat(6),
          back: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
          drain: fc.boolean(),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      joins: fc.array(fc.record({ step: fc.integer({ min: 0, max: 8 }), pm: fc.nat(6) }), {
        maxLength: 2,
      }),
      vmEvents: fc.array(
        fc.record({
          arrive: fc.boolean(),
          step: fc.integer({ min: 0, max: 8 }),
          vm: fc.nat(20),
        }),
        { maxLength: 4 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        setup,
        fc.commands(
          [
            fc.constant(new RoundCommand(checkInvariants)),
            fc.constant(new RoundCommand(checkInvariants)),
            fc
              .array(fc.double({ min: 0, max: 0.9, noNaN: true }), {
                minLength: 12,
                maxLength: 12,
              })
              .map((u) => new StepCommand(u)),
            fc.constant(new HealCommand()),
          ],
          { maxCommands: 50, size: 'max' },
        ),
        async (p, cmds) => {
          const vms = Math.max(1, Math.round(p.pms * p.vmsPerPm));
          const workload = new ArrayWorkload([
            Array.from({ length: vms }, (_, i) => ((i * 37) % 90) / 100),
          ]);
          const vmEvents = p.vmEvents.map((e) => ({
            kind: e.arrive ? ('vm-arrivals' as const) : ('vm-departures' as const),
            step: e.step,
            vms: { ids: [e.vm % vms] },
          }));
          const joinEvents = p.joins.map((j) => ({
            kind: 'pm-join' as const,
            step: j.step,
            pms: { ids: [j.pm % p.pms] },
          }));
          const events = p.crashes.map((c) => ({
            kind: c.drain ? ('drain' as const) : ('crash' as const),
            step: c.step,
            pms: { ids: [c.pm % p.pms] },
            ...(c.back === undefined ? {} : { returnStep: c.step + c.back }),
          }));
          const config = testConfig({
            pms: p.pms,
            seed: p.seed,
            cyclon: { viewSize: 3, shuffleLength: 2 },
            qlearning: { epsilon: 0.3, epsilonIn: 0.5, holdWhenNegative: false },
            // Few retries, so that senders give up on silent (crashed) recipients within a run.
            protocol: {
              reservationTtlRounds: 2,
              wakeAfterStuckRounds: 1,
              probeEveryRounds: 1,
              maxOfferRetries: p.maxOfferRetries,
            },
            lifecycle: {
              events: [...events, ...vmEvents, ...joinEvents],
              restartDelaySteps: p.restartDelaySteps,
              admissionSample: p.admissionSample,
            },
          });
          let faults!: TransportFaulty<Message>;
          const crashesAt = new Map<number, number[]>();
          const drainsAt = new Map<number, number[]>();
          const returnsAt = new Map<number, number[]>();
          for (const e of events) {
            const at = e.kind === 'drain' ? drainsAt : crashesAt;
            at.set(e.step, [...(at.get(e.step) ?? []), e.pms.ids[0]!]);
            if (e.returnStep !== undefined)
              returnsAt.set(e.returnStep, [...(returnsAt.get(e.returnStep) ?? []), e.pms.ids[0]!]);
          }
          const model: Model = {
            owner: new Int32Array(vms),
            downSince: new Int32Array(vms),
            step: 0,
            crashesAt,
            returnsAt,
            down: new Set(),
            drainsAt,
            draining: new Set(),
            arrivalsAt: new Map(),
            departuresAt: new Map(),
            restartDelay: p.restartDelaySteps,
          };
          const network = faultySimulation(config, workload, p.seed, p, (vm, from, to) => {
            if (model.owner[vm] === GONE) return; // ended in escrow: nothing physical moves
            expect(model.owner[vm], `VM ${vm} committed twice or while down`).toBe(from);
            expect(model.down.has(to), `VM ${vm} committed on crashed PM ${to}`).toBe(false);
            model.owner[vm] = to;
            stats.committed++;
          });
          const sim = network.sim;
          faults = network.faults;
          model.owner.set(sim.datacenter.vmHost);
          // PMs that join later are down until then (a join is a return); the VMs the initial
          // placement put on them arrive at step 0.
          for (const j of joinEvents) {
            const h = j.pms.ids[0]!;
            model.down.add(h);
            returnsAt.set(j.step, [...(returnsAt.get(j.step) ?? []), h]);
          }
          for (let vm = 0; vm < vms; vm++)
            if (model.down.has(model.owner[vm]!)) model.owner[vm] = ABSENT;
          // A VM arrives at its first arrival step, and is absent until then.
          for (const e of [...vmEvents].sort((a, b) => a.step - b.step)) {
            const vm = e.vms.ids[0]!;
            const at = e.kind === 'vm-arrivals' ? model.arrivalsAt : model.departuresAt;
            at.set(e.step, [...(at.get(e.step) ?? []), vm]);
            if (e.kind === 'vm-arrivals') model.owner[vm] = ABSENT;
          }
          const real: Real = { sim, faults, workload };
          startStep(model, real);
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          await heal(model, real);
          // Past every event, with demand low and the network healed: every VM runs again
          // (0.9 × 1.2 VMs per PM fit in the PMs that are left, one of which may be down for good).
          for (let i = 0; i < 13; i++) {
            await new StepCommand(new Array<number>(12).fill(0.05)).run(model, real);
            await heal(model, real);
          }
          const downForGood = p.crashes.filter((c) => c.back === undefined).length;
          if (downForGood === 0)
            for (let vm = 0; vm < vms; vm++)
              expect(
                model.owner[vm]! >= 0 || model.owner[vm] === GONE,
                `VM ${vm} not running`,
              ).toBe(true);
          checkConservation(sim.agents, sim.datacenter);
          stats.dropped += faults.dropped;
        },
      ),
      { numRuns: 150 },
    );
    // Meaningful only if VMs really went down, came back and migrated over a lossy network.
    // Floors far below what 150 runs give (6 runs here: 68–93 down, 21–219 dropped, 140+ drained,
    // arrived, 98+ departed): fast-check's seed is fresh every run and biases rates toward 0.
    expect(stats.wentDown).toBeGreaterThan(15);
    expect(stats.restarted).toBeGreaterThan(15);
    expect(stats.committed).toBeGreaterThan(50);
    expect(stats.dropped).toBeGreaterThan(5);
    expect(stats.drained).toBeGreaterThan(30);
    expect(stats.arrived).toBeGreaterThan(30);
    expect(stats.departed).toBeGreaterThan(30);
  }, 120_000);
});
