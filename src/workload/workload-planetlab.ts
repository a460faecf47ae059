/**
 * PlanetLab CPU traces as distributed with CloudSim (Beloglazov & Buyya 2012): one file per VM,
 * one integer CPU percentage (0–100) per 5-minute interval, 288 lines for a day. Files are read in
 * sorted name order, or in the order given by an order file (`index filename` per line).
 */
import { join } from 'node:path';
import { TraceFormatError } from '../core/errors.ts';
import { checkSameLength, listTraceFiles, readTraceLines } from './trace-file.ts';
import type { Workload } from './workload.ts';

export interface PlanetLabOptions {
  /** Read at most this many VM files (the first ones in order). */
  maxVms?: number;
  /** File names in the order to read them (e.g. CloudSim's listing order); default sorted. */
  order?: readonly string[];
}

export class WorkloadPlanetLab implements Workload {
  readonly name: string;
  readonly stepSeconds = 300;
  readonly vmCount: number;
  readonly maxSteps: number;
  readonly files: readonly string[];
  /** Percent values, VM-major: data[vm * maxSteps + step]. */
  private readonly data: Uint8Array;

  constructor(dir: string, options: PlanetLabOptions = {}) {
    this.name = `planetlab:${dir}`;
    const names = listTraceFiles(
      dir,
      'PlanetLab',
      (entries) =>
        options.order ? [...options.order] : entries.filter((f) => !f.startsWith('.')).sort(),
      options.maxVms,
    );
    this.files = names;
    this.vmCount = names.length;

    const series = names.map((n) => parseTraceFile(join(dir, n)));
    const steps = checkSameLength(
      dir,
      names,
      series.map((x) => x.length),
      0,
    );
    this.maxSteps = steps;
    this.data = new Uint8Array(this.vmCount * steps);
    series.forEach((s, vm) => this.data.set(s, vm * steps));
  }

  cpuUtilAt(step: number, out: Float64Array): void {
    const n = this.maxSteps;
    for (let vm = 0; vm < this.vmCount; vm++) out[vm] = this.data[vm * n + step]! / 100;
  }
}

/** Parses one trace file: integer percentages 0–100, one per line; blank trailing lines allowed. */
export function parseTraceFile(path: string): Uint8Array {
  const lines = readTraceLines(path);
  if (lines.length === 0)
    throw new TraceFormatError(path, 1, 'file is empty; expected one CPU percentage per line');
  const out = new Uint8Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!/^\d{1,3}$/.test(raw) || Number(raw) > 100) {
      const shown = raw.length > 20 ? `${raw.slice(0, 20)}…` : raw;
      throw new TraceFormatError(
        path,
        i + 1,
        `expected an integer CPU percentage 0–100, got '${shown}'`,
      );
    }
    out[i] = Number(raw);
  }
  return out;
}
