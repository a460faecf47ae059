import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Datacenter } from '../../../src/model/datacenter.ts';
import {
  HOST_HP_ML110_G4,
  HOST_HP_ML110_G5,
  VM_TYPES,
  powerW,
} from '../../../src/model/hardware.ts';
import {
  activePmLowerBound,
  hostsToCover,
  sortedDescending,
} from '../../../src/model/lower-bound.ts';

const opts = { stepSeconds: 300, sleepPowerW: 0, migrationCpuOverhead: 0.1 };

describe('power model (SPECpower tables)', () => {
  it('interpolates linearly and clamps', () => {
    expect(powerW(HOST_HP_ML110_G4, 0)).toBe(86);
    expect(powerW(HOST_HP_ML110_G4, 1)).toBe(117);
    expect(powerW(HOST_HP_ML110_G4, 1.5)).toBe(117);
    expect(powerW(HOST_HP_ML110_G5, 0.25)).toBeCloseTo((101 + 105) / 2, 10);
    expect(powerW(HOST_HP_ML110_G4, 0.37)).toBeCloseTo(96 + 0.7 * (99.5 - 96), 10);
  });
});

describe('Datacenter.endStep', () => {
  it('energy of a known placement matches a hand computation', () => {
    // Host 0 (G4, 3720 MIPS) runs VM0 (2500 MIPS at 50 % = 1250) and VM3 (500 MIPS at 100 % = 500):
    // u = 1750 / 3720. Host 1 (G5) runs VM1 (2000 MIPS at 10 % = 200): u = 200 / 5320. Host 2 sleeps.
    const dc = new Datacenter(
      [HOST_HP_ML110_G4, HOST_HP_ML110_G5, HOST_HP_ML110_G4],
      [VM_TYPES[0]!, VM_TYPES[1]!, VM_TYPES[3]!],
      Int32Array.from([0, 1, 0]),
      opts,
    );
    dc.beginStep(0, Float64Array.from([0.5, 0.1, 1]));
    const s = dc.endStep();
    const u0 = 1750 / 3720; // 0.4704… → between 40 % (99.5 W) and 50 % (102 W)
    const p0 = 99.5 + (u0 * 10 - 4) * (102 - 99.5);
    const u1 = 200 / 5320; // 0.0376 → between 93.7 and 97 W
    const p1 = 93.7 + u1 * 10 * (97 - 93.7);
    expect(s.energyKWh).toBeCloseTo(((p0 + p1) * 300) / 3.6e6, 12);
    expect(s.activePms).toBe(2);
    expect(s.sleepingPms).toBe(1);
    expect(s.overloadedPms).toBe(0);
    expect(s.lowerBound).toBe(1); // 2 950 MIPS and 3 223 MB fit one host
  });

  it('counts overloaded host time and migration CPU loss (PDM)', () => {
    const dc = new Datacenter(
      [HOST_HP_ML110_G4, HOST_HP_ML110_G4],
      [VM_TYPES[0]!, VM_TYPES[0]!],
      Int32Array.from([0, 1]),
      opts,
    );
    dc.beginStep(0, Float64Array.from([1, 0.5]));
    dc.onMigration(1, 1, 0); // 870 MB over 62.5 MB/s = 13.92 s at 10 % of 1250 MIPS
    dc.onSleep(1);
    const s = dc.endStep();
    expect(s.overloadedPms).toBe(1); // 3750 MIPS ≥ 3720
    expect(s.overloadSeconds).toBe(300);
    expect(s.activeSeconds).toBe(300);
    expect(s.cpuLostMi).toBeCloseTo(0.1 * 1250 * (870 / 62.5), 9);
    expect(s.cpuRequestedMi).toBeCloseTo(3750 * 300, 9);
  });

  it('charges power-state transitions: a wake at peak power for wakeSeconds, a sleep at idle power for sleepSeconds', () => {
    const dc = new Datacenter(
      [HOST_HP_ML110_G4, HOST_HP_ML110_G5],
      [VM_TYPES[3]!],
      Int32Array.from([0]),
      { ...opts, transitions: { wakeSeconds: 5, sleepSeconds: 7 } },
    );
    dc.beginStep(0, Float64Array.from([0]));
    const before = dc.endStep().energyKWh;
    dc.beginStep(1, Float64Array.from([0]));
    dc.onWake(1);
    dc.onMigration(0, 0, 1);
    dc.onSleep(0);
    const s = dc.endStep();
    const idleG5 = powerW(HOST_HP_ML110_G5, 0);
    expect(before).toBeCloseTo((powerW(HOST_HP_ML110_G4, 0) * 300) / 3.6e6, 12);
    const transitionJ = 5 * powerW(HOST_HP_ML110_G5, 1) + 7 * powerW(HOST_HP_ML110_G4, 0);
    expect(s.energyKWh).toBeCloseTo((idleG5 * 300 + transitionJ) / 3.6e6, 12);
  });

  it('refuses impossible events: they are bugs', () => {
    const dc = new Datacenter(
      [HOST_HP_ML110_G4, HOST_HP_ML110_G4],
      [VM_TYPES[0]!],
      Int32Array.from([0]),
      opts,
    );
    expect(() => dc.onMigration(0, 1, 0)).toThrow(/runs on 0/);
    expect(() => dc.onSleep(0)).toThrow(/holding 1 VMs/);
    expect(() => dc.onMigration(0, 0, 1)).toThrow(/sleeping host/);
  });
});

describe('lower bound', () => {
  it('takes the largest hosts first, per resource, and the max over resources', () => {
    const caps = sortedDescending([3720, 5320, 3720]);
    expect(hostsToCover(5320, caps)).toBe(1);
    expect(hostsToCover(5321, caps)).toBe(2);
    expect(hostsToCover(0, caps)).toBe(0);
    expect(activePmLowerBound(100, 4097, caps, sortedDescending([4096, 4096, 4096]))).toBe(2);
  });

  it('never exceeds the active hosts of any feasible placement', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ host: fc.nat(9), util: fc.double({ min: 0, max: 1, noNaN: true }) }), {
          minLength: 1,
          maxLength: 30,
        }),
        (vms) => {
          const hosts = Array.from({ length: 10 }, (_, i) =>
            i % 2 ? HOST_HP_ML110_G5 : HOST_HP_ML110_G4,
          );
          // Keep only VMs whose RAM fits their host (a feasible placement).
          const used = new Float64Array(10);
          const kept = vms.filter((v) => {
            if (used[v.host]! + VM_TYPES[3]!.ramMb > 4096) return false;
            used[v.host]! += VM_TYPES[3]!.ramMb;
            return true;
          });
          const dc = new Datacenter(
            hosts,
            kept.map(() => VM_TYPES[3]!),
            Int32Array.from(kept, (v) => v.host),
            opts,
          );
          dc.beginStep(
            0,
            Float64Array.from(kept, (v) => v.util),
          );
          const s = dc.endStep();
          expect(s.lowerBound).toBeLessThanOrEqual(s.activePms);
        },
      ),
    );
  });
});
