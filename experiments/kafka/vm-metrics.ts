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

/** A VM's metrics for one step. */
export interface VmMetrics {
  step: number;
  vm_id: number;
  /** CPU used, % of the VM's requested MIPS. */
  cpu_usage: number;
  /** Memory used, % of the VM's RAM, from the trace; absent when the trace has none (PlanetLab). */
  memory_usage?: number;
  /**
   * Network used (in + out), % of its host's link, from the trace's KB/s (1 KB = 1000 bytes);
   * absent when the trace has none.
   */
  network_usage?: number;
  /** The trace's network throughput (in + out), KB/s; absent with network_usage. */
  network_kbps?: number;
  /** CPU demand, MIPS: what the VM's hypervisor reports to its PM's agent. */
  cpu_mips: number;
  /** RAM the VM counts against its host, MB (0 when RAM does not bind): the hypervisor's reading. */
  ram_mb: number;
}

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
