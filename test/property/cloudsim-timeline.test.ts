/**
 * Properties of the `cloudsim` profile's timeline over random small worlds (hosts, VMs, traces
 * with zeros, arbitrary migrations, some of ended VMs): at every update CloudSim would record,
 *  - no host allocates more MIPS than it has (its scheduler scales every VM down instead);
 *  - a VM in flight is on exactly the hosts CloudSim puts it on: once on its source (migrating
 *    out) and once on each destination (migrating in), until its migration ends; any other live
 *    VM is on exactly one host, its own; an ended VM is on none.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Datacenter } from '../../src/model/datacenter.ts';
import { CLOUDSIM_PHYSICS } from '../../src/model/cloudsim-physics.ts';
import { VmRole } from '../../src/model/cloudsim-host.ts';
import { HOST_TYPES, VM_TYPES, hostCpuMips } from '../../src/model/hardware.ts';

const world = fc
  .record({
    hosts: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 2, maxLength: 5 }),
    vms: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }),
    steps: fc.integer({ min: 2, max: 5 }),
  })
  .chain(({ hosts, vms, steps }) =>
    fc.record({
      hosts: fc.constant(hosts),
      vms: fc.constant(vms),
      placement: fc.array(fc.integer({ min: 0, max: hosts.length - 1 }), {
        minLength: vms.length,
        maxLength: vms.length,
      }),
      trace: fc.array(
        fc.array(
          fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
          {
            minLength: vms.length,
            maxLength: vms.length,
          },
        ),
        { minLength: steps, maxLength: steps },
      ),
      moves: fc.array(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: vms.length - 1 }),
            fc.integer({ min: 0, max: hosts.length - 1 }),
          ),
          { maxLength: 4 },
        ),
        { minLength: steps, maxLength: steps },
      ),
    }),
  );

describe('cloudsim timeline', () => {
  it('never allocates beyond capacity, and counts a migrating VM on its source and destinations only', () => {
    fc.assert(
      fc.property(world, (w) => {
        const hosts = w.hosts.map((t) => HOST_TYPES[t]!);
        const vms = w.vms.map((t) => VM_TYPES[t]!);
        const steps = w.trace.length;
        const dc = new Datacenter(hosts, vms, Int32Array.from(w.placement), {
          stepSeconds: 300,
          sleepPowerW: 0,
          migrationCpuOverhead: 0.1,
          ramBinds: false,
          cloudsim: {
            physics: CLOUDSIM_PHYSICS,
            steps,
            traceSteps: steps,
            traceAt: (s, out) => out.set(w.trace[s]!),
          },
        });
        let start = new Int32Array(0);
        let targets = new Map<number, Set<number>>();
        let ends = new Map<number, number>();
        dc.interval!.observer = (u) => {
          u.allocatedMips.forEach((a, h) =>
            expect(a).toBeLessThanOrEqual(hostCpuMips(hosts[h]!) * (1 + 1e-12)),
          );
          const seen = new Map<number, string[]>();
          u.hosts.forEach((list, h) =>
            list.forEach(({ vm, role }) => seen.set(vm, [...(seen.get(vm) ?? []), `${role}@${h}`])),
          );
          for (let vm = 0; vm < vms.length; vm++) {
            const got = (seen.get(vm) ?? []).sort();
            let want: string[];
            if (dc.vmEnded[vm] === 1) want = [];
            else if (targets.has(vm) && u.time < ends.get(vm)!) {
              want = [`${VmRole.Out}@${start[vm]}`];
              for (const t of targets.get(vm)!) if (t !== start[vm]) want.push(`${VmRole.In}@${t}`);
            } else want = [`${VmRole.Resident}@${dc.vmHost[vm]}`];
            expect(got).toEqual(want.sort());
          }
        };
        for (let s = 0; s < steps; s++) {
          dc.beginStep(s, Float64Array.from(w.trace[s]!));
          start = Int32Array.from(dc.vmHost);
          targets = new Map();
          ends = new Map();
          for (const [vm, to] of w.moves[s]!) {
            const from = dc.vmHost[vm]!;
            if (from === to) continue;
            if (dc.awake[to] === 0) dc.onWake(to);
            dc.onMigration(vm, from, to);
            if (dc.vmEnded[vm] === 1) continue; // a ghost: nothing physical moves
            targets.set(vm, (targets.get(vm) ?? new Set()).add(to));
            ends.set(vm, 300 * s + 0.1 + vms[vm]!.ramMb / 62.5);
          }
          dc.endStep();
        }
      }),
      { numRuns: 150 },
    );
  });
});
