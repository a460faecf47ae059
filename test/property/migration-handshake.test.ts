/**
 * Model-based test of the migration handshake (fast-check commands; test/property/
 * handshake-model.ts): a few PMs run the real Consolidation.step, the test's network may deliver,
 * drop or duplicate any message in flight in any order, rounds tick, and after every command the
 * model's prediction — where each VM is, each PM's owned and reserved RAM, escrows, who sleeps,
 * and the answer each message gets — is checked against the system.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MSG_TYPE_NAMES } from '../../protocols/messages.ts';
import {
  CAP_MB,
  DeliverCommand,
  OpenCommand,
  TickCommand,
  build,
  checkAll,
  type Model,
  type Real,
  type Setup,
} from './handshake-model.ts';

const TYPES = [
  { ramMb: 870, cpuMips: 2500 },
  { ramMb: 1740, cpuMips: 2000 },
  { ramMb: 1740, cpuMips: 1000 },
  { ramMb: 613, cpuMips: 500 },
];

/** PMs and VMs, each VM placed on the first PM from its preferred one where its RAM fits. */
const setupArb: fc.Arbitrary<Setup> = fc
  .record({
    pms: fc.integer({ min: 2, max: 4 }),
    vms: fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.double({ min: 0.1, max: 1, noNaN: true })), {
      minLength: 1,
      maxLength: 8,
    }),
  })
  .map(({ pms, vms }) => {
    const used = new Array<number>(pms).fill(0);
    const placed: Setup['vms'] = [];
    for (const [type, prefer, load] of vms) {
      const t = TYPES[type]!;
      for (let k = 0; k < pms; k++) {
        const host = (prefer + k) % pms;
        if (used[host]! + t.ramMb <= CAP_MB) {
          used[host]! += t.ramMb;
          placed.push({ ramMb: t.ramMb, cpuMips: t.cpuMips * load, host });
          break;
        }
      }
    }
    return { pms, vms: placed };
  })
  .filter((s) => s.vms.length > 0);

/** Mostly in-order deliveries, so that many handshakes complete; any message may be hit. */
const commandsArb = fc.commands(
  [
    fc.tuple(fc.nat(3), fc.nat(3)).map(([a, b]) => new OpenCommand(a, b)),
    fc.tuple(fc.nat(3), fc.nat(3)).map(([a, b]) => new OpenCommand(a, b)),
    ...Array.from({ length: 6 }, () => fc.constant(new DeliverCommand(0, 'deliver'))),
    ...Array.from({ length: 2 }, () => fc.nat(20).map((k) => new DeliverCommand(k, 'deliver'))),
    fc.nat(20).map((k) => new DeliverCommand(k, 'drop')),
    fc.nat(20).map((k) => new DeliverCommand(k, 'duplicate')),
    fc.constant(new TickCommand()),
  ],
  { maxCommands: 120, size: 'max' },
);

describe('migration handshake, against a model that predicts it', () => {
  it('places every VM and accounts every MB of RAM as predicted, under loss, duplication and reordering', () => {
    let migrations = 0;
    fc.assert(
      fc.property(setupArb, commandsArb, (setup, cmds) => {
        const { model, real } = build(setup);
        checkAll(model, real);
        fc.modelRun(() => ({ model, real }), cmds);
        migrations += model.commits;
      }),
      { numRuns: 400 },
    );
    // Meaningful only if VMs really moved through lossy exchanges (about 100 commits per 400
    // runs; 50 leaves room for chance).
    expect(migrations).toBeGreaterThan(50);
  });
});

const systems = new WeakMap<Model, Real>();

/** Runs fixed commands from `setup` and checks the system against the model after each. */
function replay(setup: Setup, cmds: fc.Command<Model, Real>[]): Model {
  const { model, real } = build(setup);
  systems.set(model, real);
  checkAll(model, real);
  return replayOn(model, cmds);
}

/** More commands on a replayed model's system. */
function replayOn(model: Model, cmds: fc.Command<Model, Real>[]): Model {
  const real = systems.get(model)!;
  for (const c of cmds) {
    expect(c.check(model), `${c.toString()} applies`).toBe(true);
    c.run(model, real);
  }
  return model;
}

const two870 = (hosts: [number, number]): Setup => ({
  pms: 2,
  vms: hosts.map((host) => ({ ramMb: 870, cpuMips: 250, host })),
});

/**
 * Counterexamples, pinned. The first was found by the property above against a mutant that did
 * not count reserved RAM (replayPath BADADCMAXADAABAAAFQBCICd:qqqq): an accepted offer must hold
 * the recipient's RAM until its Transfer or its expiry. No counterexample was found against the
 * protocol itself; the others pin the lossy paths the property relies on finding.
 */
describe('migration handshake: pinned cases', () => {
  const d = (k = 0) => new DeliverCommand(k, 'deliver');

  it("an accepted offer holds the recipient's RAM (found against a mutant)", () => {
    const m = replay(two870([1, 0]), [new OpenCommand(0, 1), d(), d(), d()]);
    expect(m.reservations[0]!.size + m.reservations[1]!.size).toBe(1);
  });

  const inFlight = (m: Model) => m.net.map((x) => MSG_TYPE_NAMES[x.type]);
  // Equal loads: the lower id sends. Probe → Invite → Offer → Accept puts a Transfer in flight.
  const toTransfer = () => [new OpenCommand(0, 1), d(), d(), d(), d()];

  it('a duplicated Transfer commits once; the duplicate is answered Done', () => {
    const m = replay(two870([0, 1]), [...toTransfer(), new DeliverCommand(0, 'duplicate')]);
    expect(inFlight(m)).toEqual(['Transfer', 'Transfer']);
    replayOn(m, [d(), d()]);
    expect(inFlight(m)).toEqual(['Done', 'Done']);
    expect(m.commits).toBe(1);
  });

  it('a lost Done is recovered by retransmitting the Transfer', () => {
    const m = replay(two870([0, 1]), [...toTransfer(), d(), new DeliverCommand(0, 'drop')]);
    expect(m.commits).toBe(1);
    expect(m.escrow).toEqual([0, -1]); // committed, but the sender never heard
    replayOn(m, [new TickCommand(), d(), d()]); // Transfer again → Done → escrow released
    expect(m.escrow).toEqual([-1, -1]);
    expect(m.owner).toEqual([1, 1]);
  });

  it('a reservation expires before a late Transfer: Nack, and the VM returns to its sender', () => {
    const m = replay(two870([0, 1]), [...toTransfer(), new TickCommand(), new TickCommand()]);
    expect(inFlight(m)).toEqual(['Transfer', 'Transfer', 'Transfer']); // two retransmissions
    expect(m.reservations[1]!.size).toBe(0); // expired after 2 rounds
    replayOn(m, [d(), d(), d(), d()]);
    expect(m.commits).toBe(0);
    expect(m.owner).toEqual([0, 1]);
    expect(m.escrow).toEqual([-1, -1]);
  });
});
