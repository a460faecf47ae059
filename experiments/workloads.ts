/**
 * Turns a `--workload` spec into a Workload: `synthetic:<kind>`, `planetlab:<dir>` or
 * `bitbrains:<dir>`. Under the `cloudsim` profile a PlanetLab day is read in the order CloudSim
 * listed it, when a `<dir>.cloudsim-order.txt` file sits beside the directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../src/core/errors.ts';
import {
  SYNTHETIC_KINDS,
  WorkloadSynthetic,
  type SyntheticKind,
} from '../src/workload/workload-synthetic.ts';
import { WorkloadPlanetLab } from '../src/workload/workload-planetlab.ts';
import { WorkloadBitbrains } from '../src/workload/workload-bitbrains.ts';
import type { Workload } from '../src/workload/workload.ts';
import type { ExperimentConfig } from './config.ts';

export interface WorkloadRequest {
  spec: string;
  /** Requested VM count, or null to scale with PMs (synthetic) / use every file (traces). */
  vms: number | null;
  pms: number;
  vmsPerPm: number;
  seed: number;
  /** Datacenter profile (`cloudsim` reads PlanetLab days in CloudSim's file order); default `default`. */
  profile?: string;
}

/** The workload request of a resolved config (another `seed` for e.g. training episodes). */
export function workloadRequest(c: ExperimentConfig, seed = c.seed): WorkloadRequest {
  return {
    spec: c.workload,
    vms: c.vms,
    pms: c.pms,
    vmsPerPm: c.vmsPerPm,
    seed,
    profile: c.profile,
  };
}

export function makeWorkload(r: WorkloadRequest): Workload {
  const colon = r.spec.indexOf(':');
  const kind = colon < 0 ? r.spec : r.spec.slice(0, colon);
  const arg = colon < 0 ? '' : r.spec.slice(colon + 1);
  switch (kind) {
    case 'synthetic': {
      if (!(SYNTHETIC_KINDS as readonly string[]).includes(arg)) {
        throw new ConfigError(
          `unknown synthetic workload '${arg}' in --workload ${r.spec}; expected synthetic:<${SYNTHETIC_KINDS.join('|')}>`,
        );
      }
      const vms = r.vms ?? Math.max(1, Math.round(r.pms * r.vmsPerPm));
      return new WorkloadSynthetic(arg as SyntheticKind, vms, r.seed);
    }
    case 'planetlab': {
      if (arg === '')
        throw new ConfigError('--workload planetlab:<dir> needs a directory of trace files');
      const order = r.profile === 'cloudsim' ? cloudSimOrder(arg) : undefined;
      const w = new WorkloadPlanetLab(arg, {
        ...(r.vms === null ? {} : { maxVms: r.vms }),
        ...(order ? { order } : {}),
      });
      if (r.vms !== null && w.vmCount < r.vms) {
        throw new ConfigError(
          `--vms ${r.vms} asks for more VMs than the ${w.vmCount} trace files in ${arg}`,
        );
      }
      return w;
    }
    case 'bitbrains': {
      if (arg === '')
        throw new ConfigError(
          '--workload bitbrains:<dir> needs a directory of GWA-T-12 .csv files',
        );
      const w = new WorkloadBitbrains(arg, r.vms === null ? {} : { maxVms: r.vms });
      if (r.vms !== null && w.vmCount < r.vms) {
        throw new ConfigError(
          `--vms ${r.vms} asks for more VMs than the ${w.vmCount} trace files in ${arg}`,
        );
      }
      return w;
    }
    default:
      throw new ConfigError(
        `unknown workload '${r.spec}'; expected synthetic:<${SYNTHETIC_KINDS.join('|')}>, planetlab:<dir> or bitbrains:<dir>`,
      );
  }
}

/**
 * File names of a PlanetLab day in CloudSim's listing order, from `<dir>.cloudsim-order.txt`
 * (`index filename` per line), or undefined when there is no such file.
 */
export function cloudSimOrder(dir: string): string[] | undefined {
  const file = `${dir.replace(/[\\/]+$/, '')}.cloudsim-order.txt`;
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => l.slice(l.indexOf(' ') + 1).trim());
}
