/**
 * Reward tables of GLAP (Khelghatdoust 2018, §4.4). The thesis fixes only their shape: for the
 * sender, Rout strictly decreases with the level reached (emptying yourself pays most); for the
 * recipient, Rin is positive and grows towards 5xHigh (greedy packing pays) and is negative at
 * Overload. Values are ours and configurable; the reward of a transition is summed over resources.
 */
import { ConfigError } from '../core/errors.ts';
import { LEVEL_COUNT } from '../model/levels.ts';

export interface RewardTables {
  /** Sender's reward by the level it reaches, Low … Overload (9 values, strictly decreasing). */
  out: readonly number[];
  /** Recipient's reward by the level it reaches, Low … Overload (9 values; first 8 > 0, last < 0). */
  in: readonly number[];
}

/**
 * Tuned (README, "Tuned defaults"): a sender is paid only for reaching Low or Medium, so a PM
 * holds its VMs rather than shuffle them between busy hosts; the Overload penalty makes φin
 * refuse a VM once roughly 1 in 20 such acceptances overloads the PM at the next step.
 * The thesis's shapes hold: out strictly decreasing, in positive up to 5xHigh, negative at Overload.
 */
export const DEFAULT_REWARDS: RewardTables = {
  out: [8, 4, -1, -2, -3, -4, -5, -6, -8],
  in: [1, 2, 3, 4, 5, 6, 7, 8, -160],
};

/** Checks the shape the thesis requires; throws ConfigError naming the offending entry. */
export function validateRewards(r: RewardTables): void {
  for (const [name, t] of [['out', r.out] as const, ['in', r.in] as const]) {
    if (t.length !== LEVEL_COUNT || t.some((x) => !Number.isFinite(x))) {
      throw new ConfigError(
        `rewards.${name} must be ${LEVEL_COUNT} finite numbers (Low … Overload)`,
      );
    }
  }
  for (let i = 1; i < LEVEL_COUNT; i++) {
    if (!(r.out[i]! < r.out[i - 1]!)) {
      throw new ConfigError(
        `rewards.out must strictly decrease from Low to Overload (entry ${i} breaks it)`,
      );
    }
  }
  if (r.in.slice(0, LEVEL_COUNT - 1).some((x) => x <= 0) || !(r.in[LEVEL_COUNT - 1]! < 0)) {
    throw new ConfigError('rewards.in must be positive for Low … 5xHigh and negative for Overload');
  }
}

/** Reward for reaching the state pair (cpuLevel, ramLevel): table[cpuLevel] + table[ramLevel]. */
export function pairReward(table: readonly number[], pair: number): number {
  return table[Math.floor(pair / LEVEL_COUNT)]! + table[pair % LEVEL_COUNT]!;
}
