/**
 * Named configurations (`--preset NAME`, and a `compare --policies` entry of that name): each is a
 * config file `experiments/presets/NAME.json` that names its policy, read as `--config` reads a
 * file (a layer over the profile's defaults, under any config file and flags). `thesis` is GLAP as
 * the thesis describes it, without this project's tuned extras (README, "Differences from the
 * thesis" lists each default that departs from it).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../src/core/errors.ts';
import type { ConfigOverrides } from './config.ts';
import { readConfigFile } from './config-file.ts';
import { PROJECT_ROOT } from './results.ts';

// From the project root: the compiled bundle (dist/) runs these modules from another directory.
const DIR = join(PROJECT_ROOT, 'experiments', 'presets');

/** The names of the presets shipped in experiments/presets/. */
export function presetNames(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function isPreset(name: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(name) && existsSync(join(DIR, `${name}.json`));
}

/** The config layer of preset `name`; an unknown name fails with the list of presets. */
export function presetLayer(name: string): ConfigOverrides {
  if (!isPreset(name))
    throw new UserError(`unknown preset '${name}'; expected one of ${presetNames().join(', ')}`);
  return readConfigFile(join(DIR, `${name}.json`));
}
