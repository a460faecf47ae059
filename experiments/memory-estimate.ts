/**
 * Refuses up front a run too large for this machine's memory, with an estimate, instead of
 * letting set-up grind for minutes and die of an out-of-memory crash. The estimate is linear in
 * PMs and VMs, with slopes measured from real runs (Node 20, this repository as of issue 14):
 *
 *   in-process `Simulation.create` + 6 steps, synthetic:diurnal, process.memoryUsage() after:
 *     qlearning 1,000 PMs: RSS 168 MB, ArrayBuffers 103 MB; 4,000: 323 / 406 MB; 8,000: 596 / 809 MB
 *       → Q-tables and the like: ~101 KB per Q-learning PM (allocated; the run touches them all:
 *         `npm run bench`'s 10,000-PM day peaks at 1,050–1,068 MB RSS)
 *     none 4,000 PMs: RSS 136 MB, heap 44 MB; 16,000: 218 / 107 MB → heap ~5.3 KB per PM
 *     none 4,000 PMs with 2,000 vs 10,000 VMs: RSS 138 vs 150 MB → ~1.5 KB per VM
 *     dqn 100 PMs shared: 201 MB peak; per-pm 100: 195 MB, 400: 216 MB → TensorFlow.js ~110 MB,
 *       ~70 KB per network
 *
 * The slopes below round those up (a whole day adds rows, rewards and messages in flight), so
 * the estimate errs on the large side. Two limits apply: all memory against the machine's (or
 * the cgroup's), and the JavaScript heap against V8's heap limit, past which Node crashes.
 */
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { UserError } from '../src/core/errors.ts';
import type { ExperimentConfig } from './config.ts';

const MB = 2 ** 20;
const KB = 2 ** 10;

/** Node, the bundled code and a run's fixed structures, before any PM. */
const BASE_BYTES = 120 * MB;
/** JavaScript heap per PM (agent, views, sessions, messages in flight) and per VM. */
const HEAP_PER_PM = 12 * KB;
const HEAP_PER_VM = 2 * KB;
/**
 * Tables per PM of the policies that keep Q-tables (φout and φin and their companions), by
 * `--qtables`: dense 2 × 26 KB zeroed and touched; sparse rows of 324 B as states are visited
 * (issue 12: 12,000 PMs × 1 step peaked at 172 MB RSS sparse, 978 MB dense). Sparse, measured by
 * `bytes()` after a day: qlearning 0.7 KB per PM (a few states visited); glap's local training
 * visits more, about 64 rows in all (21 KB). With them, 1,000,000 Q-learning PMs × 12 steps (sparse,
 * `--max-old-space-size=18432`) peaked at 12,951 MB RSS, under the 17.9 GB this estimates.
 */
const TABLES_PER_PM: Record<string, Record<'dense' | 'sparse', number>> = {
  qlearning: { dense: 110 * KB, sparse: 4 * KB },
  glap: { dense: 110 * KB, sparse: 24 * KB },
};
/** TensorFlow.js with its wasm memory, and each DQN network. */
const DQN_BASE = 110 * MB;
const DQN_PER_NETWORK = 100 * KB;

export interface MemoryEstimate {
  /** Everything: heap, tables, Node itself, bytes. */
  totalBytes: number;
  /** The JavaScript heap alone, bytes. */
  heapBytes: number;
}

export function estimateMemory(config: ExperimentConfig, vms: number): MemoryEstimate {
  const heapBytes = 40 * MB + HEAP_PER_PM * config.pms + HEAP_PER_VM * vms;
  const tables = TABLES_PER_PM[config.policy]?.[config.qlearning.tables] ?? 0;
  let totalBytes = BASE_BYTES + heapBytes + tables * config.pms;
  if (config.policy === 'dqn') {
    const networks =
      config.dqn.mode === 'per-pm' ? Math.min(config.pms, config.dqn.maxNetworks) : 1;
    totalBytes += DQN_BASE + DQN_PER_NETWORK * networks;
  }
  return { totalBytes, heapBytes };
}

export interface MemoryLimits {
  /** Memory this process may use: the machine's, or its cgroup's when lower, bytes. */
  machineBytes: number;
  /** V8's heap size limit, bytes. */
  heapLimitBytes: number;
}

export function memoryLimits(): MemoryLimits {
  const constrained = process.constrainedMemory?.() ?? 0;
  const machine = totalmem();
  return {
    machineBytes: constrained > 0 && constrained < machine ? constrained : machine,
    heapLimitBytes: getHeapStatistics().heap_size_limit,
  };
}

/** The Node flag that gives a run of this estimate its heap: a quarter above it, in whole GB. */
export function heapLimitFlag(e: MemoryEstimate): string {
  return `--max-old-space-size=${Math.ceil((e.heapBytes * 1.25) / MB / 1024) * 1024}`;
}

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GB`;

/** Throws a one-sentence UserError when the run would not fit. */
export function checkMemory(
  config: ExperimentConfig,
  vms: number,
  limits: MemoryLimits = memoryLimits(),
): void {
  const e = estimateMemory(config, vms);
  const fleet = `${config.pms} PMs and ${vms} VMs with ${config.policy}`;
  if (e.totalBytes > limits.machineBytes) {
    throw new UserError(
      `${fleet} would need about ${gb(e.totalBytes)} of memory, more than the ${gb(limits.machineBytes)} here; use fewer --pms`,
    );
  }
  if (e.heapBytes > limits.heapLimitBytes) {
    throw new UserError(
      `${fleet} would need about ${gb(e.heapBytes)} of JavaScript heap, more than Node's limit of ${gb(limits.heapLimitBytes)}; use fewer --pms, or raise the limit with NODE_OPTIONS=${heapLimitFlag(e)}`,
    );
  }
}
