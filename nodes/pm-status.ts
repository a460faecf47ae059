/**
 * What the world's scheduler and operator (experiments/lifecycle.ts) see of a PM and do to it,
 * as data, so that the PM may live in another process. A PM's hypervisor reports its `PmStatus`
 * (the VMs it runs, what it has reserved for VMs on their way in, a VM still leaving, whether it
 * is asleep, draining or coming up); the scheduler answers with `FleetOp`s (a crash, a return, a
 * drain, a VM started or moved away, a power-on), which the PM's own process applies to its agent
 * (nodes/fleet-ops.ts), in order, at the step's start. Over Kafka the statuses travel as node
 * events and the ops in the driver's step record (nodes/run-control-records.ts).
 */
import { z } from 'zod';

export interface PmStatus {
  vms: number[];
  /** Σ CPU (MIPS) and RAM (MB) reserved for VMs on their way in. */
  reservedCpu: number;
  reservedRam: number;
  /** Open reservations. */
  reservations: number;
  /** Its open outgoing exchange: none, one not yet moving a VM, or one with `leavingVm` in escrow. */
  session: 'none' | 'open' | 'transferring';
  leavingVm: number;
  leavingCpu: number;
  leavingRam: number;
  asleep: boolean;
  draining: boolean;
  comingUp: boolean;
  /** Messages that reached it while it was crashed (cumulative). */
  lost: number;
}

const nat = z.number().int().min(0);
/** MIPS or MB; sums of floats may drift a hair below zero. */
const amount = z.number().min(-1e12).max(1e12);

export const PmStatusSchema = z
  .object({
    vms: z.array(nat),
    reservedCpu: amount,
    reservedRam: amount,
    reservations: nat,
    session: z.enum(['none', 'open', 'transferring']),
    leavingVm: z.number().int().min(-1),
    leavingCpu: amount,
    leavingRam: amount,
    asleep: z.boolean(),
    draining: z.boolean(),
    comingUp: z.boolean(),
    lost: nat,
  })
  .strict();

export type FleetOp =
  | ['crash', number]
  | ['recover', number]
  | ['drain', number]
  | ['woke', number]
  | ['arrived', number, number]
  | ['left', number, number];

export const FleetOpSchema = z.union([
  z.tuple([z.enum(['crash', 'recover', 'drain', 'woke']), nat]),
  z.tuple([z.enum(['arrived', 'left']), nat, nat]),
]);

/** The PM an op acts on. */
export const opPm = (op: FleetOp): number => op[1];

/**
 * `op` carried out on a reported status, exactly as applyFleetOp changes the agent: the
 * scheduler's picture of a PM in another process between two reports.
 */
export function applyToStatus(s: PmStatus, op: FleetOp): void {
  switch (op[0]) {
    case 'crash':
      Object.assign(s, { ...initialStatus([]), lost: s.lost }); // off, empty, forgetting all
      return;
    case 'recover':
      s.draining = false;
      return;
    case 'drain':
      s.draining = true;
      return;
    case 'woke':
      s.asleep = false;
      return;
    case 'arrived':
      if (s.session === 'transferring' && s.leavingVm === op[2]) {
        Object.assign(s, { session: 'none', leavingVm: -1, leavingCpu: 0, leavingRam: 0 });
      }
      s.vms.push(op[2]);
      return;
    case 'left':
      s.vms.splice(s.vms.indexOf(op[2]), 1);
      return;
  }
}

/**
 * Whether a PM in status `s`, awake, can take a VM of `cpuMips` and `ramMb` without overload,
 * counting its VMs' demand now (`cpuOf`, `ramOf`), what it has reserved, and a VM in escrow on
 * its way out (it still runs here until its recipient commits).
 */
export function admits(
  s: Pick<
    PmStatus,
    | 'vms'
    | 'reservedCpu'
    | 'reservedRam'
    | 'leavingCpu'
    | 'leavingRam'
    | 'asleep'
    | 'draining'
    | 'comingUp'
  >,
  cap: { cpuMips: number; ramMb: number },
  cpuOf: (vm: number) => number,
  ramOf: (vm: number) => number,
  cpuMips: number,
  ramMb: number,
): boolean {
  if (s.asleep || s.draining || s.comingUp) return false; // a PM coming up hosts nothing yet
  let cpu = cpuMips + s.reservedCpu;
  let ram = ramMb + s.reservedRam;
  for (const vm of s.vms) {
    cpu += cpuOf(vm);
    ram += ramOf(vm);
  }
  cpu += s.leavingCpu;
  ram += s.leavingRam;
  return ram <= cap.ramMb && cpu < cap.cpuMips;
}

/** A PM with nothing left (no VM, no open exchange, no reservation): a drained PM may leave. */
export const isIdle = (s: Pick<PmStatus, 'vms' | 'session' | 'reservations'>): boolean =>
  s.vms.length === 0 && s.session === 'none' && s.reservations === 0;

/** A PM's status before the first step: the VMs placed on it, asleep when it has none. */
export function initialStatus(vms: number[]): PmStatus {
  return {
    vms,
    reservedCpu: 0,
    reservedRam: 0,
    reservations: 0,
    session: 'none',
    leavingVm: -1,
    leavingCpu: 0,
    leavingRam: 0,
    asleep: vms.length === 0,
    draining: false,
    comingUp: false,
    lost: 0,
  };
}
