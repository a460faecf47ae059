/**
 * Utilisation levels of the GLAP thesis (Khelghatdoust 2018, §4.4): each resource's utilisation
 * u (0..1, may exceed 1 for CPU) maps to one of 9 levels; a PM state or a VM action is the pair
 * (cpuLevel, ramLevel), i.e. one of 81 indices.
 */

export const LEVEL_COUNT = 9;
export const PAIR_COUNT = LEVEL_COUNT * LEVEL_COUNT;

export const enum Level {
  Low = 0,
  Medium = 1,
  High = 2,
  XHigh = 3,
  X2High = 4,
  X3High = 5,
  X4High = 6,
  X5High = 7,
  Overload = 8,
}

export const LEVEL_NAMES = [
  'Low',
  'Medium',
  'High',
  'xHigh',
  '2xHigh',
  '3xHigh',
  '4xHigh',
  '5xHigh',
  'Overload',
] as const;

/** Upper bounds (inclusive) of the first 7 levels; 5xHigh is (0.9, 1); Overload is u ≥ 1. */
const UPPER = [0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Level of a utilisation u (fraction of capacity, 0..∞). NaN is a bug and maps to Overload. */
export function levelOf(u: number): Level {
  if (!(u < 1)) return Level.Overload;
  for (let i = 0; i < UPPER.length; i++) if (u <= UPPER[i]!) return i as Level;
  return Level.X5High;
}

/** Index 0..80 of the pair (cpuLevel, ramLevel). */
export function pairIndex(cpuLevel: Level, ramLevel: Level): number {
  return cpuLevel * LEVEL_COUNT + ramLevel;
}

/** Pair index of utilisations (cpuUtil, ramUtil). */
export function pairOf(cpuUtil: number, ramUtil: number): number {
  return levelOf(cpuUtil) * LEVEL_COUNT + levelOf(ramUtil);
}

export function describePair(pair: number): string {
  return `(${LEVEL_NAMES[Math.floor(pair / LEVEL_COUNT)]}, ${LEVEL_NAMES[pair % LEVEL_COUNT]})`;
}
