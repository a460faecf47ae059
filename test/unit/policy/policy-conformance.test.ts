/** The NodePolicy conformance suite against the Q-table policy and the DQN policy. */
import { afterAll, beforeAll, describe } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import { pairOf } from '../../../src/model/levels.ts';
import { PolicyQLearning } from '../../../src/policy/policy-q-learning.ts';
import { DEFAULT_REWARDS } from '../../../src/policy/rewards.ts';
import type { DqnPolicyOptions } from '../../../src/policy/dqn/dqn-entry.ts';
import {
  createDqn,
  disposeDqn,
  prepareDqn,
  type DqnPrepared,
} from '../../../src/policy/dqn/dqn-entry.ts';
import { defaultDqnOptions } from '../../../src/policy/dqn/dqn-options.ts';
import type { PolicyDqn } from '../../../src/policy/dqn/policy-dqn.ts';
import { defaultConfig } from '../../../experiments/config.ts';
import { policyConformance } from './policy-conformance.ts';

describe('conformance: qlearning', () => {
  let seed = 0;
  const options = { ...defaultConfig().qlearning, epsilon: 0.3, epsilonIn: 0.3 };
  policyConformance({
    make: () => new PolicyQLearning(new Rng(++seed), options),
    rewards: DEFAULT_REWARDS,
    values: (p, self, cpu, ram) => {
      const q = p as PolicyQLearning;
      return cpu.flatMap((c, i) => {
        const a = pairOf(c, ram[i]!);
        return [q.phiOut.get(self.state, a), q.phiIn.get(self.state, a)];
      });
    },
    numRuns: 100,
  });
});

describe('conformance: dqn', () => {
  // Per-PM mode makes a fresh agent per node id; updates on every decision exercise training.
  const options: DqnPolicyOptions = {
    qlearning: defaultConfig().qlearning,
    dqn: {
      ...defaultDqnOptions(),
      mode: 'per-pm',
      hiddenUnits: [16, 16],
      trainEvery: 1,
      minReplay: 1,
      batchSize: 8,
      targetSyncEvery: 5,
      epsilonInStart: 0.3,
    },
  };
  let prepared: DqnPrepared;
  let node = 0;
  beforeAll(async () => {
    prepared = await prepareDqn({ pms: 1, rng: new Rng(7), options });
  });
  afterAll(() => disposeDqn(prepared));
  policyConformance({
    make: () => {
      disposeDqn(prepared); // the previous subject's agent: keeps the tensor count flat
      node++;
      return createDqn({ nodeId: node, rng: new Rng(node) }, options, prepared);
    },
    rewards: DEFAULT_REWARDS,
    values: (p, self, cpu, ram) => {
      const d = p as PolicyDqn;
      return [...d.qOut(self, cpu, ram), ...cpu.map((c, i) => d.qIn(self, c, ram[i]!))];
    },
    pending: (p) => (p as PolicyDqn).pending,
    numRuns: 25,
  });
});
