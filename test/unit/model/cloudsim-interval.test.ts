/**
 * The `cloudsim` profile's step, by hand: one VM migrates between two G5 hosts and the step is
 * metered as CloudSim's PowerDatacenter meters it (its destination violates its SLA while the VM
 * is in flight, the VM loses 10 % meanwhile, energy is the trapezoid between updates, the emptied
 * host is off afterwards); a VM requesting exactly 0 MIPS ends; each named behaviour switches.
 */
import { describe, expect, it } from 'vitest';
import { Datacenter } from '../../../src/model/datacenter.ts';
import { CLOUDSIM_PHYSICS, type CloudSimPhysics } from '../../../src/model/cloudsim-physics.ts';
import { cloudSimPowerW } from '../../../src/model/cloudsim-host.ts';
import { HOST_HP_ML110_G4, HOST_HP_ML110_G5, VM_TYPES } from '../../../src/model/hardware.ts';

const G5 = HOST_HP_ML110_G5;
const CAP = 5320; // MIPS of a G5 (2 × 2660)

/** Two G5 hosts; VM 0 (2500 MIPS at 40 %) on host 0, VM 1 (500 MIPS, 613 MB, at 20 %) on host 1. */
function world(physics: Partial<CloudSimPhysics> = {}, utils = [0.4, 0.2]) {
  const vms = [VM_TYPES[0]!, VM_TYPES[3]!, VM_TYPES[3]!].slice(0, utils.length);
  return new Datacenter([G5, G5], vms, Int32Array.from([0, 1, 1].slice(0, utils.length)), {
    stepSeconds: 300,
    sleepPowerW: 0,
    migrationCpuOverhead: 0.1,
    ramBinds: false,
    cloudsim: {
      physics: { ...CLOUDSIM_PHYSICS, ...physics },
      steps: 3,
      traceSteps: 3,
      traceAt: (_s, out) => out.set(utils),
    },
  });
}

const util = (xs: number[]) => Float64Array.from(xs);

describe('one migration through a CloudSim step', () => {
  const dc = world();
  dc.beginStep(0, util([0.4, 0.2]));
  const s0 = dc.endStep();
  dc.beginStep(1, util([0.4, 0.2]));
  dc.onMigration(1, 1, 0); // 613 MB over 62.5 MB/s: 9.808 s in flight
  const s1 = dc.endStep();
  const flight = 613 / 62.5;

  it('meters nothing in the first step (CloudSim updates first at 300.1 s)', () => {
    expect(s0.energyKWh).toBe(0);
    expect(s0.activeSeconds).toBe(0);
    expect(dc.vmCpuMips[0]).toBe(1000);
  });

  it('the destination counts the VM requested in full but allocated 10 %: an SLA violation', () => {
    // Host 0: 1000 + 10 allocated of 1100 requested for 9.808 s, then 1100 of 1100.
    // Host 1: the VM at 90 % (counted 90 ÷ 0.9 in its utilisation) until it leaves, then off.
    expect(s1.activeSeconds).toBeCloseTo(300 + flight, 9);
    const sourceViolates = (100 * 0.9) / 0.9 < 100 ? flight : 0;
    expect(s1.overloadSeconds).toBeCloseTo(flight + sourceViolates, 9);
    expect(s1.overloadedPms).toBe(1);
  });

  it('the VM loses 10 % of its request while in flight (PDM)', () => {
    expect(s1.cpuLostMi).toBeCloseTo(10 * flight, 9);
    expect(s1.cpuRequestedMi).toBeCloseTo((1000 + 100) * 300, 6);
  });

  it('energy is the trapezoid between updates; the emptied host then draws nothing', () => {
    const p = (mips: number) => cloudSimPowerW(G5, mips / CAP);
    const ws = p(1010) * flight + p(1100) * (300 - flight) + p(100) * flight;
    expect(s1.energyKWh).toBeCloseTo(ws / 3.6e6, 9);
    expect(s1.activePms).toBe(1);
    expect(s1.hostShutdowns).toBe(1);
    expect(s1.migrations).toBe(1);
  });
});

describe('named CloudSim behaviours', () => {
  it('vmEndsAtZeroDemand: a VM requesting exactly 0 MIPS ends and leaves its host', () => {
    const dc = world({}, [0.4, 0.2, 0]);
    dc.beginStep(0, util([0.4, 0.2, 0]));
    dc.endStep();
    expect(dc.vmEnded[2]).toBe(0); // no update at step 0
    expect(dc.vmsOn(1)).toBe(2);
    dc.beginStep(1, util([0.4, 0.2, 0]));
    expect(dc.vmEnded[2]).toBe(1);
    expect(dc.vmsOn(1)).toBe(1);
    dc.onMigration(2, 1, 0); // in escrow as it ended: the transfer completes, nothing moves
    expect([dc.vmsOn(0), dc.vmsOn(1)]).toEqual([1, 1]);
    const s = dc.endStep();
    expect(s.migrations).toBe(0);
    expect(s.cpuRequestedMi).toBeCloseTo(1100 * 300, 6);
  });

  it('migrationInFlight off: the VM moves at once, no violation, PDM charged over its duration', () => {
    const dc = world({ migrationInFlight: false });
    dc.beginStep(0, util([0.4, 0.2]));
    dc.endStep();
    dc.beginStep(1, util([0.4, 0.2]));
    dc.onMigration(1, 1, 0);
    const s = dc.endStep();
    expect(s.overloadSeconds).toBe(0);
    expect(s.activeSeconds).toBeCloseTo(300, 9);
    expect(s.cpuLostMi).toBeCloseTo(0.1 * 100 * (613 / 62.5), 9);
  });

  it('firstStepUnmetered off: the first step is metered like any other', () => {
    const dc = world({ firstStepUnmetered: false });
    dc.beginStep(0, util([0.4, 0.2]));
    const s = dc.endStep();
    expect(s.activeSeconds).toBeCloseTo(600, 9);
    expect(s.energyKWh).toBeGreaterThan(0);
  });

  it('lastStepCutAtLastMigration: the last step is metered only until its migrations end', () => {
    for (const cut of [true, false]) {
      const dc = world({ lastStepCutAtLastMigration: cut });
      for (let s = 0; s < 2; s++) {
        dc.beginStep(s, util([0.4, 0.2]));
        dc.endStep();
      }
      dc.beginStep(2, util([0.4, 0.2]));
      dc.onMigration(1, 1, 0);
      const last = dc.endStep();
      expect(last.activeSeconds).toBeCloseTo(cut ? 2 * (613 / 62.5) : 300 + 613 / 62.5, 9);
    }
  });

  it('vmCappedAtOneCore: a VM gets one core at most (2250 MIPS asked of a G4: 1860 given)', () => {
    for (const cap of [true, false]) {
      const dc = new Datacenter([HOST_HP_ML110_G4], [VM_TYPES[0]!], Int32Array.from([0]), {
        stepSeconds: 300,
        sleepPowerW: 0,
        migrationCpuOverhead: 0.1,
        ramBinds: false,
        cloudsim: {
          physics: { ...CLOUDSIM_PHYSICS, vmCappedAtOneCore: cap },
          steps: 3,
          traceSteps: 3,
          traceAt: (_s, out) => out.set([0.9]),
        },
      });
      dc.beginStep(0, util([0.9]));
      dc.endStep();
      dc.beginStep(1, util([0.9]));
      expect(dc.endStep().overloadSeconds).toBe(cap ? 300 : 0);
    }
  });
});

describe('a host failure on the CloudSim timeline (events)', () => {
  it('a crashed host draws nothing and is no shutdown; its VM, down, asks nothing until restarted elsewhere', () => {
    const dc = world({ lastStepCutAtLastMigration: false }); // step 2, the last, metered in full
    dc.trackLifecycle();
    dc.beginStep(0, util([0.4, 0.2]));
    dc.endStep();
    dc.beginStep(1, util([0.4, 0.2]));
    expect(dc.crash(1)).toEqual([1]);
    const down = dc.endStep();
    const p = (mips: number) => cloudSimPowerW(G5, mips / CAP);
    // Only host 0 and VM 0 run: 1000 MIPS for the whole step.
    expect(down.energyKWh).toBeCloseTo((p(1000) * 300) / 3.6e6, 9);
    expect(down.cpuRequestedMi).toBeCloseTo(1000 * 300, 6);
    expect(down.activePms).toBe(1);
    expect(down.sleepingPms).toBe(0);
    expect(down.hostShutdowns).toBe(0);
    expect(down.lifecycle).toEqual({
      downPms: 1,
      downVms: 1,
      restarts: 0,
      arrivals: 0,
      departures: 0,
    });
    // Restarted on host 0 at the next step's start: it runs there for the whole step.
    dc.beginStep(2, util([0.4, 0.2]));
    dc.restart(1, 0);
    const back = dc.endStep();
    expect(back.energyKWh).toBeCloseTo((p(1100) * 300) / 3.6e6, 9);
    expect(back.cpuRequestedMi).toBeCloseTo(1100 * 300, 6);
    expect(back.lifecycle).toMatchObject({ downVms: 0, restarts: 1 });
    expect(dc.vmsOn(0)).toBe(2);
  });

  it('a VM down does not end at zero demand (vmEndsAtZeroDemand): it is not running', () => {
    const dc = world({}, [0.4, 0.2, 0]);
    dc.beginStep(0, util([0.4, 0.2, 0]));
    dc.endStep();
    expect(dc.crash(1)).toEqual([1, 2]);
    dc.beginStep(1, util([0.4, 0.2, 0]));
    expect(dc.vmEnded[2]).toBe(0);
    dc.endStep();
    dc.restart(2, 0);
    dc.beginStep(2, util([0.4, 0.2, 0]));
    expect(dc.vmEnded[2]).toBe(1);
  });
});
