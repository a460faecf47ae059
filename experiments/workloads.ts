/**
 * Turns a `--workload` spec into a Workload: `synthetic:<kind>` or `planetlab:<dir>`.
 */
import { ConfigError } from '../src/core/errors.ts';
import {
  SYNTHETIC_KINDS,
  WorkloadSynthetic,
  type SyntheticKind,
} from '../src/workload/workload-synthetic.ts';
import { WorkloadPlanetLab } from '../src/workload/workload-planetlab.ts';
import type { Workload } from '../src/workload/workload.ts';

export interface WorkloadRequest {
  spec: string;
  /** Requested VM count, or null to scale with PMs (synthetic) / use every file (traces). */
  vms: number | null;
  pms: number;
  vmsPerPm: number;
  seed: number;
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
      const w = new WorkloadPlanetLab(arg, r.vms === null ? {} : { maxVms: r.vms });
      if (r.vms !== null && w.vmCount < r.vms) {
        throw new ConfigError(
          `--vms ${r.vms} asks for more VMs than the ${w.vmCount} trace files in ${arg}`,
        );
      }
      return w;
    }
    default:
      throw new ConfigError(
        `unknown workload '${r.spec}'; expected synthetic:<${SYNTHETIC_KINDS.join('|')}> or planetlab:<dir>`,
      );
  }
}
