/**
 * A datacenter profile is a layer of config defaults between the built-in defaults and the user's
 * config file and flags: `--profile cloudsim` sets what CloudSim's PlanetLab runs use (800 hosts,
 * CloudSim's initial allocation), the model quirks of src/model/profile.ts and every CloudSim
 * behaviour of config section `cloudsim`; anything set in a config file or by a flag still wins.
 */
import { ConfigError } from '../src/core/errors.ts';
import { PROFILES, type ProfileName } from '../src/model/profile.ts';
import type { PolicyKind } from '../src/policy/registry.ts';
import { CLOUDSIM_PHYSICS } from '../src/model/cloudsim-physics.ts';
import { CLOUDSIM_ALLOCATION_QUIRKS } from '../src/policy/centralised/controller-cloudsim.ts';
import { POLICIES } from './policies.ts';
import type { ConfigOverrides } from './config.ts';

/** The config defaults a profile brings. */
export function profileDefaults(name: ProfileName): ConfigOverrides {
  if (name === 'cloudsim')
    return {
      profile: 'cloudsim',
      pms: 800,
      placement: 'cloudsim',
      cloudsim: { ...CLOUDSIM_PHYSICS, ...CLOUDSIM_ALLOCATION_QUIRKS },
    };
  return { profile: 'default' };
}

/** The profile named by a flag, else by a config file's `profile` key, else `default`. */
export function chooseProfile(flag: string | undefined, fromFile: unknown): ProfileName {
  const fileProfile =
    typeof fromFile === 'object' && fromFile !== null
      ? (fromFile as Record<string, unknown>).profile
      : undefined;
  const name = flag ?? fileProfile ?? 'default';
  if (!(PROFILES as readonly unknown[]).includes(name)) {
    throw new ConfigError(`unknown profile '${String(name)}'; expected ${PROFILES.join(' or ')}`);
  }
  return name as ProfileName;
}

/** How a policy runs, for output: gossip, centralised, or a reference (e.g. the FFD repack). */
export function policyKind(policy: string): PolicyKind {
  return POLICIES.get(policy).kind;
}
