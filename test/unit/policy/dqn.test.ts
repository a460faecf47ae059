/**
 * The DQN policy: it learns (rejects offers that would overload it, after training on the thesis
 * rewards), it is deterministic for a seed, it leaks no tensors, its replay memory is seeded,
 * and a small simulation runs with it and repeats exactly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import { pairOf } from '../../../src/model/levels.ts';
import type { DecisionInput } from '../../../src/policy/policy.ts';
import type { DqnPolicyOptions } from '../../../src/policy/dqn/dqn-entry.ts';
import {
  createDqn,
  disposeDqn,
  prepareDqn,
  type DqnPrepared,
} from '../../../src/policy/dqn/dqn-entry.ts';
import { defaultDqnOptions, type DqnOptions } from '../../../src/policy/dqn/dqn-options.ts';
import { ReplayMemory, type Transition } from '../../../src/policy/dqn/replay-memory.ts';
import { Role } from '../../../src/policy/dqn/features.ts';
import type { PolicyDqn } from '../../../src/policy/dqn/policy-dqn.ts';
import { defaultConfig } from '../../../experiments/config.ts';
import { simulate } from '../../../experiments/simulation.ts';
import { makeWorkload } from '../../../experiments/workloads.ts';
import { testConfig } from '../../helpers/fixtures.ts';

const live: DqnPrepared[] = [];
afterEach(() => {
  for (const p of live.splice(0)) disposeDqn(p);
});

async function dqnPolicy(over: Partial<DqnOptions> = {}, seed = 1) {
  const options: DqnPolicyOptions = {
    qlearning: defaultConfig().qlearning,
    dqn: { ...defaultDqnOptions(), ...over },
  };
  const prepared = await prepareDqn({ pms: 1, rng: new Rng(seed).fork('policy'), options });
  live.push(prepared);
  const policy = createDqn({ nodeId: 0, rng: new Rng(seed).fork('node') }, options, prepared);
  return { policy, prepared };
}

const input = (cpuUtil: number, ramUtil: number): DecisionInput => ({
  state: pairOf(cpuUtil, ramUtil),
  cpuUtil,
  ramUtil,
});

/** A recipient's offers: RAM always fits (≤ 0.9 after the move), CPU may overload. */
function offer(rng: Rng) {
  const self = input(0.9 * rng.next(), 0.5 * rng.next());
  const c = 0.05 + 0.55 * rng.next();
  const r = 0.1 + 0.3 * rng.next();
  return { self, c, r, post: self.cpuUtil + c };
}

/** Decision tokens, as a node's protocol would hand them out. */
let tokens = 0;

/** Offers the policy as the protocol would: accept, and if accepted commit (learnIn). */
function receive(p: PolicyDqn, rng: Rng, n: number): void {
  for (let k = 0; k < n; k++) {
    const o = offer(rng);
    const action = pairOf(o.c, o.r);
    const token = ++tokens;
    if (p.accept(o.self, action, o.c, o.r, token)) {
      p.learnIn(token, o.self.state, action, pairOf(o.self.cpuUtil + o.c, o.self.ramUtil + o.r));
    }
  }
}

/** Greedy πin (accept iff Q_in ≥ 0) on fresh offers: rejection rate of overloading and of safe ones. */
function rejectRates(p: PolicyDqn, seed: number) {
  const rng = new Rng(seed);
  let over = 0;
  let overRejected = 0;
  let safe = 0;
  let safeRejected = 0;
  while (over < 300 || safe < 300) {
    const o = offer(rng);
    const rejected = p.qIn(o.self, o.c, o.r) < 0;
    if (o.post >= 1.05) {
      over++;
      if (rejected) overRejected++;
    } else if (o.post <= 0.9) {
      safe++;
      if (rejected) safeRejected++;
    }
  }
  return { overloading: overRejected / over, safe: safeRejected / safe };
}

describe('DQN policy', () => {
  it('learns to reject offers that would overload the recipient (and keeps accepting safe ones)', async () => {
    const { policy, prepared } = await dqnPolicy({ trainEvery: 1, epsilonInStart: 0.2 });
    const before = rejectRates(policy, 99);
    // Optimistic start, like zeroed Q-tables: everything is accepted before training.
    expect(before.overloading).toBeLessThan(0.1);
    receive(policy, new Rng(5), 1500);
    expect(prepared.shared!.updates).toBeGreaterThan(1000);
    const after = rejectRates(policy, 99);
    expect(after.overloading).toBeGreaterThan(0.9);
    expect(after.safe).toBeLessThan(0.1);
  });

  it('same seed ⇒ same decisions and weights; another seed ⇒ different weights', async () => {
    async function script(seed: number) {
      const { policy, prepared } = await dqnPolicy({ trainEvery: 2, minReplay: 8 }, seed);
      const rng = new Rng(42);
      const decisions: number[] = [];
      for (let k = 0; k < 300; k++) {
        const o = offer(rng);
        const action = pairOf(o.c, o.r);
        const ok = policy.accept(o.self, action, o.c, o.r, ++tokens);
        decisions.push(ok ? 1 : 0);
        if (ok) policy.learnIn(tokens, o.self.state, action, pairOf(o.post, o.self.ramUtil + o.r));
        const cpu = Float64Array.of(0.1, 0.3, o.c);
        const ram = Float64Array.of(0.2, 0.1, o.r);
        const actions = Int32Array.from([0, 1, 2], (i) => pairOf(cpu[i]!, ram[i]!));
        const self = input(0.2 + 0.5 * rng.next(), 0.5 + 0.4 * rng.next());
        const i = policy.chooseVm(self, actions, cpu, ram, 3, ++tokens);
        decisions.push(i);
        const next = pairOf(self.cpuUtil - cpu[i]!, 0.1);
        policy.learnOut(tokens, self.state, actions[i]!, next, false);
      }
      return { decisions, weights: prepared.shared!.online.readWeights().map((w) => [...w]) };
    }
    const a = await script(3);
    const b = await script(3);
    expect(b.decisions).toEqual(a.decisions);
    expect(b.weights).toEqual(a.weights);
    expect((await script(4)).weights).not.toEqual(a.weights);
  });

  it('keeps the tensor count flat over many decisions, updates and target syncs', async () => {
    const { policy, prepared } = await dqnPolicy({
      trainEvery: 2,
      minReplay: 8,
      targetSyncEvery: 25,
    });
    const tf = prepared.runtime.tf;
    const rng = new Rng(8);
    const cpu = Float64Array.of(0.1, 0.3, 0.5, 0.2);
    const ram = Float64Array.of(0.2, 0.1, 0.4, 0.15);
    const actions = Int32Array.from([0, 1, 2, 3], (i) => pairOf(cpu[i]!, ram[i]!));
    const session = (n: number) => {
      for (let k = 0; k < n; k++) {
        const self = input(0.3 + 0.7 * rng.next(), 0.5 + 0.4 * rng.next());
        const i = policy.chooseVm(self, actions, cpu, ram, 4, ++tokens);
        const next = pairOf(self.cpuUtil - cpu[i]!, 0.3);
        policy.learnOut(tokens, self.state, actions[i]!, next, k % 7 === 0);
      }
      receive(policy, rng, n);
    };
    session(50); // creates Adam's slots
    const agent = prepared.shared!;
    const updates = agent.updates;
    const tensors = tf.memory().numTensors;
    session(1000);
    expect(agent.updates - updates).toBeGreaterThan(900);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('samples its replay memory from the injected Rng only, and overwrites the oldest entries', () => {
    const t = (reward: number): Transition => ({
      x: new Float32Array(8),
      role: Role.In,
      reward,
      terminal: false,
      next: new Float32Array(0),
      nextRows: 0,
    });
    const m = new ReplayMemory(4);
    for (let k = 0; k < 6; k++) m.push(t(k));
    expect(m.size).toBe(4);
    const a = m.sample(50, new Rng(1)).map((x) => x.reward);
    expect(m.sample(50, new Rng(1)).map((x) => x.reward)).toEqual(a);
    expect(new Set(a)).toEqual(new Set([2, 3, 4, 5]));
  });

  it('runs a small simulation, consolidates, and repeats it exactly for the same seed', async () => {
    const run = async (seed: number) => {
      const config = testConfig({ pms: 20, steps: 40, seed, policy: 'dqn', roundsPerStep: 2 });
      const w = makeWorkload({ spec: config.workload, vms: null, pms: 20, vmsPerPm: 1.3, seed });
      const r = await simulate(config, w);
      (r.agents[0]!.policy as PolicyDqn).agent.dispose(); // the run's shared network
      return r.summary;
    };
    const a = await run(11);
    expect(a.migrations).toBeGreaterThan(0);
    expect(a.sleepingPmsFinal).toBeGreaterThan(0);
    expect(await run(11)).toEqual(a);
    expect(await run(12)).not.toEqual(a);
  });
});
