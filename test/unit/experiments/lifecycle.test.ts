/**
 * Events (src/model/events.ts, experiments/lifecycle.ts): the schedule file's errors name the
 * file and the JSON path; a crash takes its PMs and their VMs down, the VMs run again after the
 * restart delay on awake PMs, the crashed PMs come back empty and asleep; a controller outage
 * stops a centralised policy's decisions and nothing else; the same seed gives the same run.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Simulation, simulate } from '../../../experiments/simulation.ts';
import { readEventsFile } from '../../../experiments/config-file.ts';
import { resolveSchedule, type FleetEvent } from '../../../src/model/events.ts';
import { makeWorkload, workloadRequest } from '../../../experiments/workloads.ts';
import { stepsCsv } from '../../../src/metrics/csv.ts';
import { resolveConfig, type ConfigOverrides } from '../../../experiments/config.ts';
import { profileDefaults } from '../../../experiments/profiles.ts';
import { testConfig } from '../../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'qossip-events-'));
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};

/** A lifecycle section with the default restart keys. */
const withDefaults = (events: FleetEvent[]) => ({
  events,
  admissionSample: 8,
  restartDelaySteps: 1,
});

function run(over: ConfigOverrides) {
  const config = testConfig({ pms: 40, steps: 30, ...over });
  return simulate(config, makeWorkload(workloadRequest(config)));
}

describe('the events file', () => {
  it('reads an array or an object, with the restart defaults', () => {
    const crash = { kind: 'crash', step: 3, pms: { ids: [1, 2] }, returnStep: 5 };
    expect(readEventsFile(file('a.json', [crash]))).toEqual({
      events: [crash],
      admissionSample: 8,
      restartDelaySteps: 1,
    });
    expect(readEventsFile(file('o.json', { events: [crash], restartDelaySteps: 0 }))).toEqual({
      events: [crash],
      admissionSample: 8,
      restartDelaySteps: 0,
    });
  });

  it('names the file and the JSON path of the first problem', () => {
    const bad = (name: string, content: unknown) => () => readEventsFile(file(name, content));
    expect(bad('f.json', [{ kind: 'crash', step: 1, pms: { fraction: 2 } }])).toThrow(
      `events file ${dir}/f.json: invalid events[0].pms.fraction: too big: expected number to be <=1`,
    );
    expect(
      bad('r.json', [
        { kind: 'controller-outage', step: 4, untilStep: 6 },
        { kind: 'crash', step: 4, pms: { ids: [1] }, returnStep: 4 },
      ]),
    ).toThrow(
      `events file ${dir}/r.json: invalid events[1].returnStep: returnStep must come after step`,
    );
    expect(bad('k.json', [{ kind: 'meteor', step: 1 }])).toThrow(
      `events file ${dir}/k.json: invalid events[0].kind: `,
    );
    expect(
      bad('x.json', { events: [{ kind: 'controller-outage', step: 1, untilStep: 2 }], extra: 1 }),
    ).toThrow(`events file ${dir}/x.json: unknown key 'extra'`);
    expect(bad('e.json', [])).toThrow(
      `events file ${dir}/e.json: invalid events: too small: expected array to have >=1 items`,
    );
    expect(bad('n.json', 'not json')).toThrow(/events file .*n\.json/);
  });

  it('resolves PMs: ids checked against the fleet, racks, a seeded fraction', () => {
    const crash = (pms: Extract<FleetEvent, { kind: 'crash' }>['pms']) =>
      [{ kind: 'crash', step: 2, pms }] as FleetEvent[];
    expect(() => resolveSchedule(crash({ ids: [3, 100] }), 100, 1)).toThrow(
      'invalid events[0].pms.ids[1]: PM 100 does not exist (the run has 100 PMs)',
    );
    expect(() => resolveSchedule(crash({ rack: { first: 95, count: 10 } }), 100, 1)).toThrow(
      'invalid events[0].pms.rack: PMs 95–104 do not all exist (the run has 100 PMs)',
    );
    expect(resolveSchedule(crash({ rack: { first: 5, count: 3 } }), 100, 1).crashes.get(2)).toEqual(
      [5, 6, 7],
    );
    const a = resolveSchedule(crash({ fraction: 0.1 }), 100, 7).crashes.get(2)!;
    expect(a).toHaveLength(10);
    expect(resolveSchedule(crash({ fraction: 0.1 }), 100, 7).crashes.get(2)).toEqual(a);
    expect(resolveSchedule(crash({ fraction: 0.1 }), 100, 8).crashes.get(2)).not.toEqual(a);
  });
});

describe('a crash', () => {
  const events = withDefaults([
    { kind: 'crash', step: 10, pms: { rack: { first: 0, count: 10 } }, returnStep: 20 },
  ]);

  it('takes its PMs and their VMs down; the VMs run again after the delay; the PMs return empty', async () => {
    const config = testConfig({ pms: 40, steps: 30, lifecycle: events });
    const sim = new Simulation(config, makeWorkload(workloadRequest(config)));
    const dc = sim.datacenter;
    for (let step = 0; step < 10; step++) {
      sim.beginStep(step);
      for (let r = 0; r < config.roundsPerStep; r++) await sim.runRound();
      sim.endStep();
    }
    const onRack = [...dc.vmHost.keys()].filter((vm) => dc.vmHost[vm]! < 10);
    expect(onRack.length).toBeGreaterThan(0);
    sim.beginStep(10);
    for (let h = 0; h < 10; h++) {
      expect(dc.down[h]).toBe(1);
      const a = sim.agents[h]!;
      expect(a.node.down && a.node.asleep).toBe(true);
      expect(a.node.vms).toEqual([]);
      expect(a.consolidation.reservations.size).toBe(0);
    }
    expect(onRack.every((vm) => dc.vmDown[vm] === 1)).toBe(true);
    for (let r = 0; r < config.roundsPerStep; r++) await sim.runRound();
    const at10 = sim.endStep();
    expect(at10).toMatchObject({ downPms: 10, downVms: onRack.length, restarts: 0 });
    sim.beginStep(11);
    for (let r = 0; r < config.roundsPerStep; r++) await sim.runRound();
    const at11 = sim.endStep();
    expect(at11).toMatchObject({ downPms: 10, downVms: 0, restarts: onRack.length });
    for (const vm of onRack) expect(dc.vmHost[vm]).toBeGreaterThanOrEqual(10);
    // Crashed PMs hear nothing: what peers sent them is counted as lost, never answered.
    expect(sim.agents.slice(0, 10).reduce((n, a) => n + a!.lostWhileDown, 0)).toBeGreaterThan(0);
  });

  it('reports downtime, restarts and recovery, adds the lifecycle columns, and is deterministic', async () => {
    const a = await run({ lifecycle: events });
    const b = await run({ lifecycle: events });
    expect(JSON.stringify(b.summary)).toBe(JSON.stringify(a.summary));
    const life = a.summary.lifecycle!;
    const down = a.rows[10]!.downVms!;
    expect(down).toBeGreaterThan(0);
    expect(life.restarts).toBe(down);
    expect(life.vmDowntimeHours).toBeCloseTo((down * 300) / 3600, 10);
    expect(life.vmsDownAtEnd).toBe(0);
    expect(life.crashes).toEqual([expect.objectContaining({ step: 10, pms: 10, returnStep: 20 })]);
    expect(life.crashes[0]!.recoverySteps).not.toBeNull();
    expect(a.rows[19]!.downPms).toBe(10);
    expect(a.rows[20]!.downPms).toBe(0);
    expect(stepsCsv(a.rows).split('\n')[0]).toMatch(
      /,down_pms,down_vms,restarts,vm_arrivals,vm_departures$/,
    );
    // A run without events keeps its files as they were: no lifecycle key, no extra columns.
    const plain = await run({});
    expect(plain.summary.lifecycle).toBeUndefined();
    expect(stepsCsv(plain.rows).split('\n')[0]).toMatch(/,reward_in_count$/);
  });

  it('VM churn is refused on the cloudsim profile, in one sentence, before any work', async () => {
    const workload = makeWorkload(workloadRequest(testConfig()));
    const churn = withDefaults([{ kind: 'vm-arrivals', step: 3, vms: { fraction: 0.2 } }]);
    const cloudsim = resolveConfig(profileDefaults('cloudsim'), { pms: 8, lifecycle: churn });
    await expect(Simulation.create(cloudsim, workload)).rejects.toThrow(
      'a vm-arrivals event needs the default profile: on the cloudsim profile VMs live as long as the trace says and the fleet is fixed (crashes, drains and controller outages run on both)',
    );
  });

  it.each(['glap', 'lr-mmt'])(
    'runs on the cloudsim profile (%s): VMs down until restarted, crashed hosts out of every count',
    async (policy) => {
      // Early, before consolidation has emptied the rack.
      const crash = withDefaults([
        { kind: 'crash', step: 2, pms: { rack: { first: 0, count: 20 } }, returnStep: 12 },
      ]);
      const config = resolveConfig(profileDefaults('cloudsim'), {
        pms: 40,
        steps: 20,
        policy,
        lifecycle: crash,
      });
      const a = await simulate(config, makeWorkload(workloadRequest(config)));
      expect(a.stopReason).toBe('done'); // the conservation check passed
      const life = a.summary.lifecycle!;
      const down = a.rows[2]!.downVms!;
      expect(down).toBeGreaterThan(0);
      expect(a.rows[3]!.downVms).toBe(0); // restarted after one step's delay
      expect(life.restarts).toBe(down);
      expect(life.vmsDownAtEnd).toBe(0);
      for (const row of a.rows.slice(2, 12)) {
        expect(row.downPms).toBe(20);
        expect(row.activePms + row.sleepingPms).toBe(20);
      }
      expect(a.rows[12]!.downPms).toBe(0);
    },
  );
});

describe('a controller outage', () => {
  it('stops a centralised policy deciding during the outage, and changes nothing before it', async () => {
    const outage = withDefaults([{ kind: 'controller-outage' as const, step: 2, untilStep: 10 }]);
    const over = { pms: 40, steps: 30, policy: 'lr-mmt', workload: 'synthetic:high' };
    const up = await run(over);
    const down = await run({ ...over, lifecycle: outage });
    const migrations = (r: typeof up, from: number, to: number) =>
      r.rows.slice(from, to).reduce((n, x) => n + x.migrations, 0);
    expect(migrations(up, 2, 10)).toBeGreaterThan(0);
    expect(migrations(down, 2, 10)).toBe(0);
    expect(migrations(down, 10, 30)).toBeGreaterThan(0); // it decides again after the outage
    expect(down.rows.slice(0, 2)).toEqual(
      up.rows
        .slice(0, 2)
        .map((r) => ({ ...r, downPms: 0, downVms: 0, restarts: 0, arrivals: 0, departures: 0 })),
    );
    // The cloudsim profile runs outages too (it has no host failures, but needs none here).
    const cs = (lifecycle?: typeof outage) => {
      const c = resolveConfig(profileDefaults('cloudsim'), {
        ...over,
        ...(lifecycle ? { lifecycle } : {}),
      });
      return simulate(c, makeWorkload(workloadRequest(c)));
    };
    const [csUp, csDown] = [await cs(), await cs(outage)];
    expect(migrations(csUp, 2, 10)).toBeGreaterThan(0);
    expect(migrations(csDown, 2, 10)).toBe(0);
    expect(csDown.rows[3]).toMatchObject({ downPms: 0, downVms: 0, restarts: 0, arrivals: 0 });
    // Gossip policies have no controller: an outage changes nothing but the columns.
    const g = await run({});
    const gDown = await run({ lifecycle: outage });
    expect(gDown.summary.energyKWh).toBe(g.summary.energyKWh);
    expect(gDown.summary.migrations).toBe(g.summary.migrations);
  });
});

describe('a drain', () => {
  it('moves every VM off the PMs (counted as migrations), then they leave; none goes down', async () => {
    for (const policy of ['qlearning', 'lr-mmt']) {
      const drain = withDefaults([
        { kind: 'drain', step: 5, pms: { ids: [0, 1, 2, 3, 4, 5] }, returnStep: 12 },
      ]);
      const config = testConfig({ pms: 30, steps: 15, policy, lifecycle: drain });
      const sim = new Simulation(config, makeWorkload(workloadRequest(config)));
      const moved: [number, number, number][] = [];
      const dc = sim.datacenter;
      for (let step = 0; step < 15; step++) {
        const before = Int32Array.from(dc.vmHost);
        sim.beginStep(step);
        if (step === 5) {
          const onThem = [...before.keys()].filter((vm) => before[vm]! <= 5);
          expect(onThem.length).toBeGreaterThan(0);
          for (const vm of onThem) {
            expect(dc.vmHost[vm]).toBeGreaterThan(5);
            moved.push([vm, before[vm]!, dc.vmHost[vm]!]);
          }
          for (let h = 0; h <= 5; h++) expect(dc.down[h]).toBe(1);
        }
        sim.runController();
        for (let r = 0; r < config.roundsPerStep; r++) await sim.runRound();
        const row = sim.endStep();
        if (step === 5) expect(row.migrations).toBeGreaterThanOrEqual(moved.length);
        expect(row.downVms).toBe(0);
        expect(row.downPms).toBe(step >= 5 && step < 12 ? 6 : 0);
      }
      const life = sim.result(false).summary.lifecycle!;
      expect(life.drains).toEqual([{ step: 5, pms: 6, left: 6, slowestSteps: 0 }]);
      expect(life.restarts).toBe(0);
    }
  });
});

describe('VM arrivals and departures', () => {
  it('a VM that arrives later is in no PM until then; one that ends leaves; counted per step', async () => {
    const events = withDefaults([
      { kind: 'vm-arrivals', step: 4, vms: { ids: [0, 1, 2] } },
      { kind: 'vm-departures', step: 7, vms: { ids: [1, 5] } },
      { kind: 'vm-departures', step: 2, vms: { ids: [2] } }, // ends before it arrives: never does
    ]);
    const config = testConfig({ pms: 20, steps: 10, lifecycle: events });
    const sim = new Simulation(config, makeWorkload(workloadRequest(config)));
    const dc = sim.datacenter;
    const owned = (vm: number) => sim.agents.some((a) => a!.node.vms.includes(vm));
    for (const vm of [0, 1, 2]) {
      expect(dc.vmEnded[vm]).toBe(1);
      expect(owned(vm)).toBe(false);
    }
    const rows = [];
    for (let step = 0; step < 10; step++) {
      sim.beginStep(step);
      if (step === 4) for (const vm of [0, 1]) expect(owned(vm) && dc.vmEnded[vm] === 0).toBe(true);
      if (step === 7) expect(owned(1) || owned(5)).toBe(false);
      for (let r = 0; r < config.roundsPerStep; r++) await sim.runRound();
      rows.push(sim.endStep());
    }
    expect(rows.map((r) => r.arrivals)).toEqual([0, 0, 0, 0, 2, 0, 0, 0, 0, 0]);
    expect(rows.map((r) => r.departures)).toEqual([0, 0, 0, 0, 0, 0, 0, 2, 0, 0]);
    expect(owned(2) || dc.vmEnded[2] === 0).toBe(false);
    const life = sim.result(false).summary.lifecycle!;
    expect([life.vmArrivals, life.vmDepartures]).toEqual([2, 2]);
  });
});

describe('power-state transitions', () => {
  it('add idle power × sleepSeconds per sleep to the energy', async () => {
    const over = { pms: 40, steps: 30, workload: 'synthetic:spikes' };
    const free = await run(over);
    const costly = await run({
      ...over,
      datacenter: { transitions: { wakeSeconds: 60, sleepSeconds: 10 } },
    });
    // No peer wakes a sleeper here, so the wake-up time changes no decision: the same
    // migrations, sleeps and wakes; only energy.
    expect(free.summary.wakes).toBe(0);
    expect(costly.rows.map((r) => [r.migrations, r.sleeps, r.wakes])).toEqual(
      free.rows.map((r) => [r.migrations, r.sleeps, r.wakes]),
    );
    // Exactly: each PM's sleeps at its type's idle power.
    const types = free.datacenter.hosts;
    const joules = free.nodes.reduce(
      (j, n) => j + n.sleepCount * 10 * types[n.node]!.powerW[0]!,
      0,
    );
    expect(free.summary.sleeps).toBeGreaterThan(0);
    expect(costly.summary.energyKWh - free.summary.energyKWh).toBeCloseTo(joules / 3.6e6, 9);
    // Defaults: Linux's suspend-to-RAM resume time, for both; the rounds follow from them.
    const dflt = resolveConfig(profileDefaults('default'), { datacenter: { transitions: {} } });
    expect(dflt.datacenter.transitions).toEqual({ wakeSeconds: 5, sleepSeconds: 5 });
    expect(() =>
      resolveConfig(profileDefaults('default'), { protocol: { wakeRounds: 2 } } as never),
    ).toThrow(/protocol.*wakeRounds/);
    // The cloudsim profile keeps CloudSim's instant switching: refused, in one sentence.
    expect(() =>
      resolveConfig(profileDefaults('cloudsim'), {
        datacenter: { transitions: { wakeSeconds: 1, sleepSeconds: 1 } },
      }),
    ).toThrow(
      "invalid datacenter.transitions: the cloudsim profile keeps CloudSim's instant, free power switching",
    );
  });
});

describe('wake-up time (transitions.wakeSeconds)', () => {
  it('a PM woken by a peer hosts nothing until it is up, wakeSeconds later in rounds', async () => {
    // Stuck overloaded PMs wake sleepers after 2 rounds; 100 s is 3 rounds of 37.5 s.
    const config = testConfig({
      pms: 40,
      steps: 60,
      workload: 'synthetic:high',
      protocol: { wakeAfterStuckRounds: 2 },
      datacenter: { transitions: { wakeSeconds: 100, sleepSeconds: 5 } },
    });
    const sim = new Simulation(config, makeWorkload(workloadRequest(config)));
    const wokenAt = new Map<number, number>();
    let comingUp = 0;
    for (let step = 0; step < config.steps; step++) {
      sim.beginStep(step);
      for (let r = 0; r < config.roundsPerStep; r++) {
        await sim.runRound();
        for (const a of sim.agents) {
          const c = a!.consolidation;
          if (c.upAtRound === 0) continue;
          comingUp++;
          if (!wokenAt.has(a!.id)) wokenAt.set(a!.id, c.upAtRound - 3);
          expect(a!.node.vms).toEqual([]);
          expect(c.reservations.size).toBe(0);
          expect(sim.datacenter.awake[a!.id]).toBe(1); // powered (and drawing power) meanwhile
          expect(c.upAtRound - sim.engine.round).toBeLessThanOrEqual(3);
        }
      }
      sim.endStep();
    }
    expect(wokenAt.size).toBeGreaterThan(0);
    expect(comingUp).toBeGreaterThan(wokenAt.size); // each one waited more than one round
  });
});

describe('a host loss (host-loss: a node host lost over Kafka, replayed in one process)', () => {
  it('cuts the PMs off from the barrier on, crashes them at the next step for good, and records the loss', async () => {
    const events = withDefaults([
      { kind: 'host-loss', barrier: 60, pms: { rack: { first: 20, count: 20 } } },
    ]);
    const a = await run({ pms: 40, steps: 10, lifecycle: events });
    const b = await run({ pms: 40, steps: 10, lifecycle: events });
    expect(JSON.stringify(b.summary)).toBe(JSON.stringify(a.summary)); // deterministic
    const [loss] = a.summary.lifecycle!.hostLosses!;
    expect(loss).toEqual({ barrier: 60, step: expect.any(Number), firstPm: 20, lastPm: 39 });
    const crashStep = loss!.step + 1;
    expect(a.rows[crashStep - 1]!.downPms).toBe(0);
    for (const row of a.rows.slice(crashStep)) expect(row.downPms).toBe(20);
    expect(a.rows[crashStep]!.downVms).toBeGreaterThan(0);
    expect(a.summary.lifecycle!.vmsDownAtEnd).toBe(0); // restarted on the other 20
    expect(a.summary.lifecycle!.crashes).toEqual([
      expect.objectContaining({ step: crashStep, pms: 20, returnStep: null }),
    ]);
    // Cut off before the crash: the lost PMs' messages after the barrier count for nothing, so
    // the run differs from one where they stay up until the same step and then crash.
    const plain = await run({
      pms: 40,
      steps: 10,
      lifecycle: withDefaults([
        { kind: 'crash', step: crashStep, pms: { rack: { first: 20, count: 20 } } },
      ]),
    });
    expect(JSON.stringify(plain.rows)).not.toBe(JSON.stringify(a.rows));
  });
});

describe('VM lifetimes from the trace (vm-lifetimes)', () => {
  it('VMs arrive at their first non-empty sample and end after their last; refused without such a trace', () => {
    const lifetimes = {
      first: Int32Array.from([0, 2, -1, 1]),
      last: Int32Array.from([9, 5, -1, 3]),
    };
    const s = resolveSchedule([{ kind: 'vm-lifetimes' }], 10, 1, 4, lifetimes);
    expect([...s.arrivals].sort((a, b) => a[0] - b[0])).toEqual([
      [1, [3]],
      [2, [1]],
      [1_000_001, [2]], // never runs: it arrives after any run
    ]);
    expect([...s.departures].sort((a, b) => a[0] - b[0])).toEqual([
      [4, [3]],
      [6, [1]],
      [10, [0]],
    ]);
    expect(() => resolveSchedule([{ kind: 'vm-lifetimes' }], 10, 1, 4)).toThrow(
      'invalid events[0]: the workload says nothing of when its VMs run (a vm-lifetimes event needs a bitbrains:<dir> trace)',
    );
  });
});

describe('a PM join', () => {
  it('keeps the PMs out of the fleet until their step; the VMs first placed on them are placed elsewhere at step 0', async () => {
    const events = withDefaults([
      { kind: 'pm-join', step: 6, pms: { rack: { first: 10, count: 10 } } },
    ]);
    const config = testConfig({ pms: 20, steps: 10, lifecycle: events });
    const sim = new Simulation(config, makeWorkload(workloadRequest(config)));
    const dc = sim.datacenter;
    const first = Int32Array.from(dc.vmHost);
    const onJoiners = [...first.keys()].filter((vm) => first[vm]! >= 10);
    expect(onJoiners.length).toBeGreaterThan(0);
    const rows = [];
    for (let step = 0; step < 10; step++) {
      sim.beginStep(step);
      if (step === 0) for (const vm of onJoiners) expect(dc.vmHost[vm]).toBeLessThan(10);
      for (let r = 0; r < config.roundsPerStep; r++) await sim.runRound();
      rows.push(sim.endStep());
    }
    expect(rows.map((r) => r.downPms)).toEqual([10, 10, 10, 10, 10, 10, 0, 0, 0, 0]);
    expect(rows[0]!.arrivals).toBe(onJoiners.length);
    expect(rows[6]!.sleepingPms).toBeGreaterThanOrEqual(10);
  });
});
