/**
 * Each step's `vm-metrics` records: the seed report's JSON shape `{vm_id, cpu_usage,
 * memory_usage, network_usage}` with only what the workload really measures (memory and network
 * where the trace has them, as Bitbrains does; absent otherwise, never a constant), plus the
 * exact readings node hosts feed their agents (`cpu_mips`, `ram_mb`). Keyed by VM id, so a VM's
 * records stay in order on one partition of the topic.
 */
import type { Datacenter } from '../../src/model/datacenter.ts';
import type { Workload } from '../../src/workload/workload.ts';
import type { KafkaRecord } from '../../src/transport/kafka/kafka-io.ts';
import type { VmMetricsRecord } from '../../nodes/run-control.ts';

/** A VM's metrics for one step: the record node hosts validate (nodes/run-control.ts). */
export type VmMetrics = VmMetricsRecord;

/** Builds the records of each step, reusing its buffers across steps. */
export class VmMetricsRecords {
  private readonly ramUtil: Float64Array | undefined;
  private readonly networkKBps: Float64Array | undefined;

  constructor(
    private readonly workload: Workload,
    private readonly topic: string,
  ) {
    const n = workload.vmCount;
    this.ramUtil = workload.ramUtilAt ? new Float64Array(n) : undefined;
    this.networkKBps = workload.networkKBpsAt ? new Float64Array(n) : undefined;
  }

  /** The step's records; `dc` has begun the step (its demand and RAM are the step's). */
  at(step: number, dc: Datacenter): KafkaRecord[] {
    const { ramUtil, networkKBps } = this;
    if (ramUtil) this.workload.ramUtilAt!(step, ramUtil);
    if (networkKBps) this.workload.networkKBpsAt!(step, networkKBps);
    const records: KafkaRecord[] = [];
    for (let vm = 0; vm < dc.vmCount; vm++) {
      const r: VmMetrics = {
        step,
        vm_id: vm,
        cpu_usage: (100 * dc.vmCpuMips[vm]!) / dc.vmMips[vm]!,
        cpu_mips: dc.vmCpuMips[vm]!,
        ram_mb: dc.vmRamUsedMb[vm]!,
      };
      if (dc.vmEnded[vm] === 1) r.ended = true;
      if (ramUtil) r.memory_usage = 100 * ramUtil[vm]!;
      if (networkKBps) {
        const linkKBps = (dc.hosts[dc.vmHost[vm]!]!.bandwidthMbps * 1000) / 8;
        r.network_usage = (100 * networkKBps[vm]!) / linkKBps;
        r.network_kbps = networkKBps[vm]!;
      }
      records.push({ topic: this.topic, key: String(vm), value: JSON.stringify(r) });
    }
    return records;
  }
}
