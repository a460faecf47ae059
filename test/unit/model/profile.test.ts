/**
 * The cloudsim profile's quirks, by hand: a host at exactly 0 % CPU draws 0 W even with VMs and
 * is not active for SLATAH; a host at exactly 100 % is not overloaded; RAM stops binding after
 * placement (the lower bound is CPU's); VM types come in blocks; CloudSim's initial allocation.
 */
import { describe, expect, it } from 'vitest';
import { Datacenter } from '../../../src/model/datacenter.ts';
import {
  HOST_HP_ML110_G4,
  HOST_HP_ML110_G5,
  HOST_TYPES,
  VM_TYPES,
} from '../../../src/model/hardware.ts';
import { PROFILE_CLOUDSIM, PROFILE_DEFAULT } from '../../../src/model/profile.ts';
import { cloudSimInitialPlacement } from '../../../src/model/placement-cloudsim.ts';

const base = { stepSeconds: 300, sleepPowerW: 0, migrationCpuOverhead: 0.1 };
const cloudsim = {
  ...base,
  ramBinds: PROFILE_CLOUDSIM.ramBinds,
  zeroPowerAtZeroCpu: PROFILE_CLOUDSIM.zeroPowerAtZeroCpu,
  overloadAboveCapacityOnly: PROFILE_CLOUDSIM.overloadAboveCapacityOnly,
};

function world(options: typeof base) {
  // Host 0 (G4) runs VM 0 (2500 MIPS) and VM 1 (500 MIPS); host 1 (G5) runs VM 2 (1000 MIPS);
  // host 2 (G4) runs VM 3 (500 MIPS).
  return new Datacenter(
    [HOST_HP_ML110_G4, HOST_HP_ML110_G5, HOST_HP_ML110_G4],
    [VM_TYPES[0]!, VM_TYPES[3]!, VM_TYPES[2]!, VM_TYPES[3]!],
    Int32Array.from([0, 0, 1, 2]),
    options,
  );
}

describe('energy of a known placement (SPECpower tables)', () => {
  // Host 0: 2500 × 0.3 + 500 × 0.6 = 1050 MIPS of 3720 = 28.2 % → 92.6 + 0.823 × 3.4 W.
  // Host 1: both its VMs idle: 0 MIPS. Host 2: 500 MIPS of 3720 = 13.4 % → 89.4 + 0.344 × 3.2 W.
  const util = Float64Array.from([0.3, 0.6, 0, 1]);
  const p0 = 92.6 + (10 * (1050 / 3720) - 2) * (96 - 92.6);
  const p2 = 89.4 + (10 * (500 / 3720) - 1) * (92.6 - 89.4);
  const kwh = (w: number) => (w * 300) / 3.6e6;

  it('default profile: an awake host at 0 % still draws idle power (93.7 W for a G5)', () => {
    const dc = world(base);
    dc.beginStep(0, util);
    const s = dc.endStep();
    expect(s.energyKWh).toBeCloseTo(kwh(p0 + 93.7 + p2), 12);
    expect(s.activeSeconds).toBe(3 * 300);
  });

  it('cloudsim profile: a host at exactly 0 % CPU is charged 0 W and is not SLA-active', () => {
    const dc = world(cloudsim);
    dc.beginStep(0, util);
    const s = dc.endStep();
    expect(s.energyKWh).toBeCloseTo(kwh(p0 + 0 + p2), 12);
    expect(s.activePms).toBe(3); // it is still awake, holding its VM
    expect(s.activeSeconds).toBe(2 * 300);
  });

  it('cloudsim profile: exactly 100 % is not an overload (CloudSim: allocated < requested)', () => {
    const load = (util: number, strict: boolean) => {
      // One G4 (3720 MIPS) running one 3720 MIPS VM at `util`.
      const d = new Datacenter(
        [HOST_HP_ML110_G4],
        [{ name: 'x', mips: 3720, ramMb: 100 }],
        Int32Array.from([0]),
        { ...base, overloadAboveCapacityOnly: strict },
      );
      d.beginStep(0, Float64Array.from([util]));
      return d.endStep().overloadedPms;
    };
    expect(load(1, false)).toBe(1);
    expect(load(1, true)).toBe(0);
    expect(load(1, PROFILE_CLOUDSIM.overloadAboveCapacityOnly)).toBe(0);
  });

  it('cloudsim profile: RAM stops binding, so the lower bound is CPU only', () => {
    const dc = world(cloudsim);
    dc.beginStep(0, util);
    expect([...dc.vmRamUsedMb]).toEqual([0, 0, 0, 0]);
    expect(dc.endStep().lowerBound).toBe(1); // 1550 MIPS fit one G5
    const honest = world(base);
    honest.beginStep(0, util);
    // 870 + 613 + 1740 + 613 = 3836 MB fit one 4 GB host too; 1550 MIPS as well.
    expect(honest.endStep().lowerBound).toBe(1);
  });
});

describe('cloudsim VM types and initial allocation', () => {
  it('assigns types in contiguous blocks of ⌈N/4⌉ (the default deals them round-robin)', () => {
    expect(Array.from({ length: 8 }, (_, i) => PROFILE_CLOUDSIM.vmType(i, 8).mips)).toEqual([
      2500, 2500, 2000, 2000, 1000, 1000, 500, 500,
    ]);
    expect(Array.from({ length: 5 }, (_, i) => PROFILE_CLOUDSIM.vmType(i, 5).mips)).toEqual([
      2500, 2500, 2000, 2000, 1000,
    ]);
    expect(Array.from({ length: 5 }, (_, i) => PROFILE_DEFAULT.vmType(i, 5).mips)).toEqual([
      2500, 2000, 1000, 500, 2500,
    ]);
  });

  it('places at full MIPS on the host whose power rises least; a 2500 MIPS VM never on a G4', () => {
    const hosts = Array.from({ length: 6 }, (_, i) => HOST_TYPES[i % 2]!);
    const vms = [VM_TYPES[0]!, VM_TYPES[0]!, VM_TYPES[0]!, VM_TYPES[3]!];
    // A host's cost is P(allocated + VM) − P(0) (nothing is measured yet), so an empty host is
    // the cheapest of its type: the 2500 MIPS VMs take the three G5s one each (+20.5 W each; a
    // G4's core is too small). The 500 MIPS VM then costs +4.5 W on an empty G4 against
    // P(3000/5320) − P(0) = +25.5 W beside a 2500 MIPS VM on a G5: host 0. (On PlanetLab 20110303
    // this reproduces CloudSim's own allocation of all 1052 VMs; see tools/cloudsim.)
    expect([...cloudSimInitialPlacement(hosts, vms)]).toEqual([1, 3, 5, 0]);
  });
});
