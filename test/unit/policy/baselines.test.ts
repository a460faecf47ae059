/**
 * The baselines on tiny hand-checked scenarios: V-MAN empties one of two half-empty PMs in one
 * round; THR-MMT sheds by minimum migration time, places by least power increase and empties
 * the least utilised host (moving one VM twice, as CloudSim does); FFD's repack. (The detectors
 * and selectors on their own: cloudsim-heuristics.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../../experiments/simulation.ts';
import { Datacenter } from '../../../src/model/datacenter.ts';
import { HOST_HP_ML110_G5, VM_TYPES, powerW } from '../../../src/model/hardware.ts';
import {
  CLOUDSIM_ALLOCATION_QUIRKS,
  ControllerCloudSim,
} from '../../../src/policy/centralised/controller-cloudsim.ts';
import { ControllerFfd } from '../../../src/policy/centralised/controller-ffd.ts';
import { OverloadDetectorThreshold } from '../../../src/policy/centralised/overload-detector.ts';
import { VmSelectorMinimumMigrationTime } from '../../../src/policy/centralised/vm-selector.ts';
import { ArrayWorkload, testConfig } from '../../helpers/fixtures.ts';

const opts = { stepSeconds: 300, sleepPowerW: 0, migrationCpuOverhead: 0.1 };

describe('V-MAN', () => {
  // Every PM gossips in every round, with the ideal uniform sampler.
  const vman = {
    placement: 'round-robin',
    policy: 'vman',
    peerSampling: 'uniform',
    protocol: { probeEveryRounds: 1 },
  } as const;
  it('empties one of two half-empty PMs in one round', async () => {
    // PM 0 (G4, 3720 MIPS) runs VM 0 (2500 MIPS at 60 %): 40 %. PM 1 (G5, 5320) runs VM 1
    // (2000 MIPS at 50 %): 19 %. PM 1 is less loaded, so it pushes VM 1, which fits (67 %).
    const config = testConfig({ ...vman, pms: 2, vms: 2 });
    const sim = new Simulation(config, new ArrayWorkload([[0.6, 0.5]]));
    sim.beginStep(0);
    await sim.runRound();
    const row = sim.endStep();
    expect(row.migrations).toBe(1);
    expect(row.activePms).toBe(1);
    expect([...sim.datacenter.vmHost]).toEqual([0, 0]);
    expect(sim.agents[1]!.node.asleep).toBe(true);
  });

  it('moves nothing that does not fit', async () => {
    // 2500 × 0.9 = 2250 on the G4 (60 %) and 2000 × 0.9 = 1800 on the G5 (34 %): 4050 MIPS do
    // not fit on either host, so the push is rejected.
    const config = testConfig({ ...vman, pms: 2, vms: 2 });
    const sim = new Simulation(config, new ArrayWorkload([[0.9, 0.9]]));
    sim.beginStep(0);
    await sim.runRound();
    expect(sim.endStep().migrations).toBe(0);
  });
});

describe('THR-MMT (CloudSim semantics, RAM not binding)', () => {
  it('sheds by minimum migration time, places by least power increase, empties the least utilised host', () => {
    // Three G5 hosts (5320 MIPS). Host 0: a (2000 MIPS), b (2500), c (500 × 0.6 = 300) = 90 %.
    // Host 1: d (1000 × 0.5 = 500) = 9.4 %. Host 2: e (1000 × 0.8 = 800) = 15 %.
    const [t0, t1, t2, t3] = VM_TYPES as [never, never, never, never];
    const dc = new Datacenter(
      [HOST_HP_ML110_G5, HOST_HP_ML110_G5, HOST_HP_ML110_G5],
      [t1, t0, t3, t2, t2], // a b c d e
      Int32Array.from([0, 0, 0, 1, 2]),
      { ...opts, ramBinds: false },
    );
    dc.beginStep(0, Float64Array.from([1, 1, 0.6, 0.5, 0.8]));
    const thrMmt = new ControllerCloudSim(
      new OverloadDetectorThreshold(0.8),
      new VmSelectorMinimumMigrationTime(),
      CLOUDSIM_ALLOCATION_QUIRKS,
      3,
      5,
    );
    const orders = thrMmt.decide(dc);
    // Host 0 > 0.8: MMT takes c (613 MB), still 84.6 % > 0.8, then b (870 MB): 37.6 %, done.
    // b (largest first): host 1 costs P(3000/5320) − P(500/5320), host 2 P(3300/5320) − P(800/5320).
    const p = (u: number) => powerW(HOST_HP_ML110_G5, u);
    expect(p(3000 / 5320) - p(500 / 5320)).toBeLessThan(p(3300 / 5320) - p(800 / 5320));
    // c: host 1 now costs P(3300/5320) − P(500/5320) ≈ 25 W, host 2 P(1100/5320) − P(800/5320) ≈ 2.3 W.
    // Then host 1 (least utilised, 9.4 %) is emptied onto host 2: b (2500), then d (500), 77 % < 80 %.
    expect(orders).toEqual([
      { vm: 1, to: 1 },
      { vm: 2, to: 2 },
      { vm: 1, to: 2 },
      { vm: 3, to: 2 },
    ]);
  });

  it('runs in a simulation as hypervisor events: counted, charged, agents kept consistent', async () => {
    const config = testConfig({ pms: 4, vms: 4, placement: 'round-robin', policy: 'thr-mmt' });
    const r = await new Simulation(
      config,
      new ArrayWorkload([
        [0.1, 0.1, 0.1, 0.1],
        [0.2, 0.1, 0.1, 0.2],
      ]),
    ).run();
    expect(r.summary.migrations).toBeGreaterThan(0);
    expect(r.summary.pdm).toBeGreaterThan(0);
    expect(r.summary.messages).toBe(0); // centralised: no gossip
    expect(r.summary.activePmsMean).toBeLessThan(4);
    for (const a of r.agents) {
      const vms = [...r.datacenter.vmHost.keys()].filter((vm) => r.datacenter.vmHost[vm] === a!.id);
      expect([...a!.node.vms].sort()).toEqual(vms);
    }
  });
});

describe('FFD reference', () => {
  it.each([
    ['cloudsim', 1], // CPU only: 2000 MIPS fit one G5
    ['default', 2], // RAM binds: 870 + 1740 + 1740 + 613 MB need two 4 GB hosts
  ] as const)(
    'repacks onto the fewest hosts (%s profile: %i), its moves free',
    async (profile, hosts) => {
      // Four VMs (one of each type) at 500 MIPS each.
      const config = testConfig({
        pms: 4,
        vms: 4,
        placement: 'round-robin',
        policy: 'ffd',
        profile,
      });
      const sim = new Simulation(config, new ArrayWorkload([[0.2, 0.25, 0.5, 1]]));
      sim.beginStep(0);
      sim.runController();
      await sim.runRound();
      const row = sim.endStep();
      expect(row.activePms).toBe(hosts);
      expect(row.lowerBound).toBe(hosts);
      expect(row.migrations).toBeGreaterThan(0);
      expect(row.pdm).toBe(0);
    },
  );

  it('keeps hosts strictly below full', () => {
    const [t0] = VM_TYPES as [never];
    const dc = new Datacenter(
      [HOST_HP_ML110_G5, HOST_HP_ML110_G5],
      [t0, t0, t0],
      Int32Array.from([0, 0, 1]),
      { ...opts, ramBinds: false },
    );
    dc.beginStep(0, Float64Array.from([0.8, 0.8, 0.8])); // 2000 MIPS each: two per host
    const moves = new ControllerFfd({ maxCpu: 1 }).decide(dc);
    const host = Int32Array.from(dc.vmHost);
    for (const o of moves) host[o.vm] = o.to;
    const perHost = [0, 0];
    for (const h of host) perHost[h]! += 2000;
    expect(Math.max(...perHost)).toBeLessThan(5320);
  });
});
