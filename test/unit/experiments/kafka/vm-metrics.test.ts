/**
 * vm-metrics carries only what the workload measures: memory and network from a Bitbrains trace,
 * neither for a synthetic or PlanetLab workload (no constant pretending to be a measurement), and
 * the RAM a VM counts against its host, which node hosts feed their agents.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { VmMetricsRecords, type VmMetrics } from '../../../../experiments/kafka/vm-metrics.ts';
import { buildWorld } from '../../../../experiments/simulation.ts';
import { makeWorkload, workloadRequest } from '../../../../experiments/workloads.ts';
import { testConfig } from '../../../helpers/fixtures.ts';

function firstStep(over: Parameters<typeof testConfig>[0]) {
  const config = testConfig(over);
  const workload = makeWorkload(workloadRequest(config));
  const dc = buildWorld(config, workload).datacenter;
  const cpu = new Float64Array(workload.vmCount);
  const ram = new Float64Array(workload.vmCount);
  workload.cpuUtilAt(0, cpu);
  if (workload.ramUtilAt) workload.ramUtilAt(0, ram);
  dc.beginStep(0, cpu, workload.ramUtilAt ? ram : undefined);
  const records = new VmMetricsRecords(workload, 'qossip.r.vm-metrics').at(0, dc);
  return { dc, ram, records, parsed: records.map((r) => JSON.parse(r.value) as VmMetrics) };
}

describe('vm-metrics records', () => {
  it('Bitbrains: memory_usage is the traced memory use; network from the traced KB/s; keyed by VM id', () => {
    const dir = resolve(import.meta.dirname, '../../../fixtures/bitbrains-ok');
    const { dc, ram, records, parsed } = firstStep({ pms: 4, workload: `bitbrains:${dir}` });
    expect(parsed).toHaveLength(dc.vmCount);
    parsed.forEach((r, vm) => {
      expect(records[vm]!.key).toBe(String(vm));
      expect(r.vm_id).toBe(vm);
      expect(r.memory_usage).toBeCloseTo(100 * ram[vm]!, 9);
      expect(r.ram_mb).toBe(dc.vmRamUsedMb[vm]);
      expect(r.network_kbps).toBeGreaterThanOrEqual(0);
    });
    // 2.csv's first row: 0.25 KB/s in + 1.5 out on a 1 Gbit/s (125,000 KB/s) link.
    const vm2 = parsed.find((r) => r.network_kbps === 1.75);
    expect(vm2?.network_usage).toBeCloseTo((100 * 1.75) / 125_000, 12);
    // Memory really varies with the trace: not one constant for every VM.
    expect(new Set(parsed.map((r) => r.memory_usage)).size).toBeGreaterThan(1);
  });

  it('synthetic (like PlanetLab): no memory_usage or network_usage at all', () => {
    const { dc, parsed } = firstStep({ pms: 10 });
    for (const r of parsed) {
      expect(Object.keys(r).sort()).toEqual(['cpu_mips', 'cpu_usage', 'ram_mb', 'step', 'vm_id']);
      expect(r.cpu_usage).toBeCloseTo((100 * dc.vmCpuMips[r.vm_id]!) / dc.vmMips[r.vm_id]!, 9);
    }
  });

  it('cloudsim profile: ram_mb is 0, the RAM that binds there, as in-process agents read it', () => {
    const { parsed } = firstStep({ pms: 10, profile: 'cloudsim' });
    expect(parsed.every((r) => r.ram_mb === 0)).toBe(true);
  });
});
