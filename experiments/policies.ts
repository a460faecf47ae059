/**
 * The policies a run can name with `--policy`, in the order help texts list them. This is where
 * the registry is composed (src/ never imports the DQN, which loads TensorFlow.js): adding a
 * policy is writing its module (README, "Adding a policy") and listing it here; its options
 * become part of the config schema (experiments/config.ts) on their own.
 */
import { PolicyRegistry } from '../src/policy/registry.ts';
import { QLEARNING_POLICY } from '../src/policy/policy-q-learning.ts';
import { NONE_POLICY } from '../src/policy/policy-none.ts';
import { GLAP_POLICY } from '../src/policy/policy-glap.ts';
import { VMAN_POLICY } from '../src/policy/policy-vman.ts';
import { CENTRALISED_POLICIES } from '../src/policy/centralised/baselines.ts';
import { DQN_POLICY } from '../src/policy/dqn/dqn-entry.ts';

export const POLICY_LIST = [
  QLEARNING_POLICY,
  NONE_POLICY,
  DQN_POLICY,
  GLAP_POLICY,
  VMAN_POLICY,
  ...CENTRALISED_POLICIES,
] as const;

export const POLICIES = new PolicyRegistry(POLICY_LIST);
