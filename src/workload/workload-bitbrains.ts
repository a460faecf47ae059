/**
 * Bitbrains GWA-T-12 traces (Shen et al., CCGrid 2015), as published by the Grid Workloads
 * Archive: one `;`-separated CSV file per VM with a header line, one row per 5-minute sample:
 * timestamp, CPU cores, CPU capacity provisioned [MHz], CPU usage [MHz], CPU usage [%], memory
 * capacity provisioned [KB], memory usage [KB], disk read/write [KB/s], network received /
 * transmitted [KB/s]. Numbers may use exponent form (`1.6703488E7`).
 *
 * A Bitbrains VM (1 to 32 cores, up to 512 GB) does not fit our 2-core, 4 GB hosts, so each trace
 * drives one of the four VM types (assigned as for PlanetLab) through its *utilisations*: CPU use
 * as a fraction of its provisioned CPU, and memory use as a fraction of its provisioned memory.
 * Unlike PlanetLab, memory therefore varies per step. Files are read in numeric name order
 * (`1.csv`, `2.csv`, … `10.csv`), other names after them in sorted order.
 */
import { join } from 'node:path';
import { TraceFormatError } from '../core/errors.ts';
import { checkSameLength, listTraceFiles, readTraceLines } from './trace-file.ts';
import type { VmLifetimes, Workload } from './workload.ts';

export interface BitbrainsOptions {
  /** Read at most this many VM files (the first ones in order). */
  maxVms?: number;
}

/** Columns of a GWA-T-12 row, by index. */
const COL = {
  cpuCapMhz: 2,
  cpuUsageMhz: 3,
  cpuUsagePct: 4,
  memCapKb: 5,
  memUsageKb: 6,
  netInKBps: 9,
  netOutKBps: 10,
} as const;
const COLUMNS = 11;

/** One VM's series, as fractions (CPU, RAM) and KB/s (network). */
interface Series {
  cpu: Float32Array;
  ram: Float32Array;
  net: Float32Array;
}

export class WorkloadBitbrains implements Workload {
  readonly name: string;
  readonly stepSeconds = 300;
  readonly vmCount: number;
  readonly maxSteps: number;
  readonly files: readonly string[];
  /** VM-major: data[vm * maxSteps + step]. */
  private readonly cpu: Float32Array;
  private readonly ram: Float32Array;
  private readonly net: Float32Array;

  constructor(dir: string, options: BitbrainsOptions = {}) {
    this.name = `bitbrains:${dir}`;
    const names = listTraceFiles(
      dir,
      'Bitbrains',
      (entries) =>
        entries
          .filter((f) => !f.startsWith('.') && f.toLowerCase().endsWith('.csv'))
          .sort(byNumericName),
      options.maxVms,
      '.csv trace files',
    );
    this.files = names;
    this.vmCount = names.length;
    const series = names.map((n) => parseBitbrainsFile(join(dir, n)));
    const steps = checkSameLength(
      dir,
      names,
      series.map((x) => x.cpu.length),
      1,
    );
    this.maxSteps = steps;
    this.cpu = new Float32Array(this.vmCount * steps);
    this.ram = new Float32Array(this.vmCount * steps);
    this.net = new Float32Array(this.vmCount * steps);
    series.forEach((s, vm) => {
      this.cpu.set(s.cpu, vm * steps);
      this.ram.set(s.ram, vm * steps);
      this.net.set(s.net, vm * steps);
    });
  }

  cpuUtilAt(step: number, out: Float64Array): void {
    this.read(this.cpu, step, out);
  }

  ramUtilAt(step: number, out: Float64Array): void {
    this.read(this.ram, step, out);
  }

  networkKBpsAt(step: number, out: Float64Array): void {
    this.read(this.net, step, out);
  }

  vmLifetimes(): VmLifetimes {
    const n = this.maxSteps;
    const first = new Int32Array(this.vmCount).fill(-1);
    const last = new Int32Array(this.vmCount).fill(-1);
    for (let vm = 0; vm < this.vmCount; vm++) {
      for (let s = 0; s < n; s++) {
        if (this.cpu[vm * n + s]! === 0 && this.ram[vm * n + s]! === 0) continue; // an empty sample
        if (first[vm] === -1) first[vm] = s;
        last[vm] = s;
      }
    }
    return { first, last };
  }

  private read(data: Float32Array, step: number, out: Float64Array): void {
    const n = this.maxSteps;
    for (let vm = 0; vm < this.vmCount; vm++) out[vm] = data[vm * n + step]!;
  }
}

/** `12.csv` after `2.csv`; names that are not numbers after all numbered ones, sorted. */
function byNumericName(a: string, b: string): number {
  const na = Number.parseInt(a, 10);
  const nb = Number.parseInt(b, 10);
  const fa = Number.isFinite(na) && /^\d+\./.test(a);
  const fb = Number.isFinite(nb) && /^\d+\./.test(b);
  if (fa && fb && na !== nb) return na - nb;
  if (fa !== fb) return fa ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const clamp01 = (x: number) => (x <= 0 ? 0 : x >= 1 ? 1 : x);

/** Parses one GWA-T-12 file: a header line, then one row of 11 numbers per sample. */
export function parseBitbrainsFile(path: string): Series {
  const lines = readTraceLines(path);
  if (lines.length < 2)
    throw new TraceFormatError(path, 1, 'expected a header line and at least one sample row');
  const rows = lines.length - 1;
  const s: Series = {
    cpu: new Float32Array(rows),
    ram: new Float32Array(rows),
    net: new Float32Array(rows),
  };
  for (let i = 0; i < rows; i++) {
    const fields = lines[i + 1]!.split(';');
    if (fields.length !== COLUMNS) {
      throw new TraceFormatError(
        path,
        i + 2,
        `expected ${COLUMNS} ';'-separated columns, got ${fields.length}`,
      );
    }
    const v = fields.map((f) => Number(f.trim()));
    const bad = v.findIndex((x, k) => k > 0 && !(Number.isFinite(x) && x >= 0));
    if (bad >= 0) {
      const raw = fields[bad]!.trim();
      const shown = raw.length > 20 ? `${raw.slice(0, 20)}…` : raw;
      throw new TraceFormatError(
        path,
        i + 2,
        `column ${bad + 1}: expected a non-negative number, got '${shown}'`,
      );
    }
    const pct = v[COL.cpuUsagePct]!;
    const capMhz = v[COL.cpuCapMhz]!;
    // The percentage is what the VM used of what it was given; MHz / capacity when it is missing.
    s.cpu[i] = clamp01(pct > 0 || capMhz === 0 ? pct / 100 : v[COL.cpuUsageMhz]! / capMhz);
    const memCap = v[COL.memCapKb]!;
    s.ram[i] = memCap > 0 ? clamp01(v[COL.memUsageKb]! / memCap) : 0;
    s.net[i] = v[COL.netInKBps]! + v[COL.netOutKBps]!;
  }
  return s;
}
