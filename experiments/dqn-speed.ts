/**
 * The DQN's raw speed on the backend that loads here, for `npm run bench` and
 * `npm run dqn-compare -- --bench`: greedy decisions per second and minibatch updates per second.
 */
import { performance } from 'node:perf_hooks';
import { Rng } from '../src/core/rng.ts';
import { pairOf } from '../src/model/levels.ts';
import { createDqn, disposeDqn, prepareDqn } from '../src/policy/dqn/dqn-entry.ts';
import type { DqnOptions } from '../src/policy/dqn/dqn-options.ts';
import { resolveConfig } from './config.ts';

/** Greedy decisions/s (3 candidate VMs, and single offers) and minibatch updates/s. */
export async function dqnSpeed(options: DqnOptions): Promise<string[][]> {
  const o = {
    qlearning: resolveConfig({}).qlearning,
    dqn: { ...options, mode: 'shared' as const },
  };
  const prepared = await prepareDqn({ pms: 1, rng: new Rng(1), options: o });
  const policy = createDqn({ nodeId: 0, rng: new Rng(2) }, o, prepared);
  const agent = prepared.shared!;
  const rng = new Rng(3);
  const cpu = Float64Array.of(0.1, 0.3, 0.5);
  const ram = Float64Array.of(0.2, 0.1, 0.4);
  const actions = Int32Array.from([0, 1, 2], (i) => pairOf(cpu[i]!, ram[i]!));
  const self = { cpuUtil: 0.6, ramUtil: 0.7, state: pairOf(0.6, 0.7) };
  // Fill the replay memory with real transitions, then time each part alone.
  for (let k = 0, token = 0; k < 500; k++) {
    const c = 0.6 * rng.next();
    if (policy.accept(self, pairOf(c, 0.2), c, 0.2, ++token)) {
      policy.learnIn(token, self.state, pairOf(c, 0.2), pairOf(0.6 + c, 0.9));
    }
    const i = policy.chooseVm(self, actions, cpu, ram, 3, ++token);
    policy.learnOut(token, self.state, actions[i]!, pairOf(0.6 - cpu[i]!, 0.7 - ram[i]!), false);
  }
  const timeIt = (n: number, f: () => void) => {
    const t0 = performance.now();
    for (let k = 0; k < n; k++) f();
    return n / ((performance.now() - t0) / 1000);
  };
  const x3 = new Float32Array(3 * 8).fill(0.3);
  const x1 = new Float32Array(8).fill(0.3);
  const choose = timeIt(5000, () => agent.q(x3, 3));
  const accept = timeIt(5000, () => agent.q(x1, 1));
  const updates = timeIt(1000, () => agent.train());
  disposeDqn(prepared);
  return [
    ['backend', prepared.runtime.backend],
    ['πout decisions/s (3 VMs, one forward pass)', choose.toFixed(0)],
    ['πin decisions/s (one offer)', accept.toFixed(0)],
    [`updates/s (batch ${options.batchSize}, Adam, target bootstrap)`, updates.toFixed(0)],
  ];
}
