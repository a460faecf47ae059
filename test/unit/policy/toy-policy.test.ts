/**
 * Adding a policy is one module (README, "Adding a policy"): the toy policy below declares its
 * name, kind, options (a zod section with its default) and factory, and nothing else in the code
 * changes. Registered beside the built-in ones, its options become part of the config (defaulted,
 * validated, written to config.json) and a run uses it; the built-in registry knows nothing of it.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePolicy, optionsSection, PolicyRegistry } from '../../../src/policy/registry.ts';
import type { DecisionInput, NodePolicy } from '../../../src/policy/policy.ts';
import { POLICIES, POLICY_LIST } from '../../../experiments/policies.ts';
import { resolveConfig, resolveConfigWith } from '../../../experiments/config.ts';
import { simulate } from '../../../experiments/simulation.ts';
import { makeWorkload, workloadRequest } from '../../../experiments/workloads.ts';

// ---- the whole policy: what a new module would hold -------------------------------------------

/** Toy: send the smallest VM; accept while CPU stays below `acceptBelowCpu` (a greedy packer). */
const TOY_OPTIONS = optionsSection(
  'toy',
  z
    .object({
      /** Accept an offer while the PM's CPU utilisation with it stays below this (0..1). */
      acceptBelowCpu: z.number().min(0).max(1).default(0.7),
    })
    .strict()
    .prefault({}),
);

class PolicyToy implements NodePolicy {
  readonly gossips = true;
  constructor(private readonly acceptBelowCpu: number) {}
  chooseVm(_s: DecisionInput, _a: Int32Array, cpu: Float64Array, _r: Float64Array, n: number) {
    let best = -1;
    for (let i = 0; i < n; i++) if (best < 0 || cpu[i]! < cpu[best]!) best = i;
    return best;
  }
  accept(self: DecisionInput, _a: number, cpuFrac: number): boolean {
    return self.cpuUtil + cpuFrac < this.acceptBelowCpu;
  }
  learnOut = () => 0;
  learnIn = () => 0;
}

const TOY_POLICY = definePolicy({
  name: 'toy',
  description: 'toy: the smallest VM moves to a peer that stays under a CPU threshold',
  kind: 'gossip',
  sections: [TOY_OPTIONS],
  create: (_ctx, o) => new PolicyToy(o.toy.acceptBelowCpu),
});

// -----------------------------------------------------------------------------------------------

const registry = new PolicyRegistry([...POLICY_LIST, TOY_POLICY]);

describe('adding a policy as one module', () => {
  it('its options join the config: defaulted, validated, and only where it is registered', () => {
    const c = resolveConfigWith(registry, { policy: 'toy' }) as Record<string, unknown>;
    expect(c.toy).toEqual({ acceptBelowCpu: 0.7 });
    expect(Object.keys(c).indexOf('toy')).toBeLessThan(Object.keys(c).indexOf('protocol'));
    expect(() => resolveConfigWith(registry, { toy: { acceptBelowCpu: 2 } })).toThrow(
      /^invalid toy\.acceptBelowCpu: /,
    );
    expect(() => resolveConfig({ toy: {} })).toThrow(/unknown key 'toy'/);
    expect(POLICIES.has('toy')).toBe(false);
    expect(registry.names()).toEqual([...POLICIES.names(), 'toy']);
  });

  it('a run uses it, with the options from the config', async () => {
    const run = async (acceptBelowCpu: number) => {
      const config = resolveConfigWith(registry, {
        policy: 'toy',
        toy: { acceptBelowCpu },
        pms: 20,
        steps: 6,
        out: '/dev/null',
      });
      const w = makeWorkload(workloadRequest(config));
      return (await simulate(config, w, { policies: registry })).summary.migrations;
    };
    const eager = await run(0.9);
    expect(eager).toBeGreaterThan(0);
    expect(await run(0)).toBe(0); // accepts nothing: nothing moves
  });
});
