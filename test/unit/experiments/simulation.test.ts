/** Simulation's construction rules. */
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../../experiments/simulation.ts';
import { profileDefaults } from '../../../experiments/profiles.ts';
import { ArrayWorkload, testConfig } from '../../helpers/fixtures.ts';

describe('Simulation', () => {
  it('refuses to run a Kafka config in memory (only Simulation.create connects to Kafka)', () => {
    const w = new ArrayWorkload([[0.5, 0.5]]);
    expect(() => new Simulation(testConfig({ transport: 'kafka' }), w)).toThrow(
      'a kafka run was built without Simulation.create',
    );
    expect(() => new Simulation(testConfig(), w)).not.toThrow();
  });
});

describe('VMs that end (the cloudsim profile)', () => {
  // 16 VMs on 8 PMs; from step 2 the odd VMs request 0 MIPS, so they end at that update.
  const live = (s: number) => Array.from({ length: 16 }, (_, vm) => (s >= 2 && vm % 2 ? 0 : 0.3));
  const config = testConfig({
    ...profileDefaults('cloudsim'),
    pms: 8,
    vms: 16,
    steps: 8,
    policy: 'vman',
  });

  it('leave their PM at the next step start: no agent keeps or moves one afterwards', async () => {
    const w = new ArrayWorkload(Array.from({ length: 8 }, (_, s) => live(s)));
    const endedAtStart = new Set<number>();
    let ghostMoves = 0;
    let sim: Simulation | null = null;
    sim = await Simulation.create(config, w, {
      onStep: () => {
        for (let vm = 0; vm < 16; vm++) if (sim!.datacenter.vmEnded[vm] === 1) endedAtStart.add(vm);
      },
      onMigration: (vm) => {
        if (endedAtStart.has(vm)) ghostMoves++;
      },
    });
    const r = await sim.run();
    const dc = r.datacenter;
    expect([...dc.vmEnded].filter((e) => e === 1)).toHaveLength(8);
    expect(ghostMoves).toBe(0);
    for (const a of r.agents) for (const vm of a!.node.vms) expect(dc.vmEnded[vm]).toBe(0);
    let counted = 0;
    for (let h = 0; h < 8; h++) counted += dc.vmsOn(h);
    expect(counted).toBe(8);
  });
});
