/*
 * A CloudSim 3.0.3 PowerDatacenter that also records what qossip's `cloudsim` profile is diffed
 * against, step by step: when each update ran, the energy it added, each migration it started
 * (VM, source, target, duration in s) and how many VMs were still alive. writeTrace() turns that,
 * plus the hosts' and VMs' state histories (the very data CloudSim's Helper computes SLATAH and
 * PDM from), into one CSV row per 300 s interval. Part of qossip, not of CloudSim.
 */
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.cloudbus.cloudsim.DatacenterCharacteristics;
import org.cloudbus.cloudsim.Host;
import org.cloudbus.cloudsim.HostDynamicWorkload;
import org.cloudbus.cloudsim.HostStateHistoryEntry;
import org.cloudbus.cloudsim.Storage;
import org.cloudbus.cloudsim.Vm;
import org.cloudbus.cloudsim.VmAllocationPolicy;
import org.cloudbus.cloudsim.VmStateHistoryEntry;
import org.cloudbus.cloudsim.core.CloudSim;
import org.cloudbus.cloudsim.core.CloudSimTags;
import org.cloudbus.cloudsim.power.PowerDatacenter;

public class TracingPowerDatacenter extends PowerDatacenter {
	/** Step length, s (Constants.SCHEDULING_INTERVAL). */
	static final double STEP = 300;
	static final int STEPS = 288;

	private final double[] energyWs = new double[STEPS + 1];
	private final int[] migrations = new int[STEPS + 1];
	private final int[] vmsAlive = new int[STEPS + 1];
	private final List<String> migrationLog = new ArrayList<String>();
	private double lastPower;
	/** "vm,host" at the first update, before any migration: CloudSim's initial allocation. */
	private final List<String> initialPlacement = new ArrayList<String>();

	public TracingPowerDatacenter(String name, DatacenterCharacteristics characteristics,
			VmAllocationPolicy vmAllocationPolicy, List<Storage> storageList, double schedulingInterval)
			throws Exception {
		super(name, characteristics, vmAllocationPolicy, storageList, schedulingInterval);
	}

	/** CloudSim's updates run at k·300 + 0.1 s: step k is the interval [k·300 + 0.1, (k+1)·300 + 0.1). */
	static final double OFFSET = 0.1;

	/** Step of an event (or of a state that starts) at time t. */
	static int stepOf(double t) {
		int k = (int) Math.floor((t - OFFSET + 1e-6) / STEP);
		return Math.max(0, Math.min(STEPS, k));
	}

	/** Step of an energy increment computed at time t: it covers the time up to t. */
	static int stepEndingAt(double t) {
		int k = (int) Math.ceil((t - OFFSET - 1e-6) / STEP) - 1;
		return Math.max(0, Math.min(STEPS, k));
	}

	@Override
	protected void setPower(double power) {
		if (energyWs == null) { // called by PowerDatacenter's constructor, before our fields exist
			super.setPower(power);
			return;
		}
		energyWs[stepEndingAt(CloudSim.clock())] += power - lastPower;
		lastPower = power;
		super.setPower(power);
	}

	@Override
	protected void updateCloudletProcessing() {
		if (initialPlacement.isEmpty()) {
			for (Vm vm : getVmList()) initialPlacement.add(vm.getId() + "," + vm.getHost().getId());
		}
		super.updateCloudletProcessing();
		vmsAlive[stepOf(CloudSim.clock())] = getVmList().size();
	}

	@Override
	protected void send(int entityId, double delay, int cloudSimTag, Object data) {
		if (cloudSimTag == CloudSimTags.VM_MIGRATE && data instanceof Map<?, ?>) {
			Map<?, ?> m = (Map<?, ?>) data;
			Vm vm = (Vm) m.get("vm");
			Host to = (Host) m.get("host");
			double t = CloudSim.clock();
			migrations[stepOf(t)]++;
			migrationLog.add(String.format("%.2f,%d,%d,%d,%.3f", t, vm.getId(), vm.getHost().getId(),
					to.getId(), delay));
		}
		super.send(entityId, delay, cloudSimTag, data);
	}

	void writeTrace(PrintStream out, List<Vm> vms) {
		double[] activeS = new double[STEPS + 1];
		double[] violS = new double[STEPS + 1];
		int[] activeAtStart = new int[STEPS + 1];
		int[] overAtStart = new int[STEPS + 1];
		double[] allocAtStart = new double[STEPS + 1];
		double[] reqAtStart = new double[STEPS + 1];
		int[] shutdowns = new int[STEPS + 1];
		for (Host h : this.<Host> getHostList()) {
			List<HostStateHistoryEntry> hist = ((HostDynamicWorkload) h).getStateHistory();
			HostStateHistoryEntry prev = null;
			boolean wasActive = true;
			for (HostStateHistoryEntry e : hist) {
				if (prev != null && prev.isActive()) {
					double dt = e.getTime() - prev.getTime();
					int k = stepOf(prev.getTime());
					activeS[k] += dt;
					if (prev.getAllocatedMips() < prev.getRequestedMips()) violS[k] += dt;
				}
				if (wasActive && !e.isActive()) shutdowns[stepOf(e.getTime())]++;
				wasActive = e.isActive();
				prev = e;
			}
			// The state at each step's opening update (its last entry at that time).
			int j = 0;
			for (int k = 0; k <= STEPS; k++) {
				HostStateHistoryEntry at = null;
				while (j < hist.size() && hist.get(j).getTime() < k * STEP + OFFSET + 1e-6) {
					if (hist.get(j).getTime() >= k * STEP + OFFSET - 1e-6) at = hist.get(j);
					j++;
				}
				if (at == null) continue;
				if (at.isActive()) activeAtStart[k]++;
				if (at.getAllocatedMips() < at.getRequestedMips()) overAtStart[k]++;
				allocAtStart[k] += at.getAllocatedMips();
				reqAtStart[k] += at.getRequestedMips();
			}
		}
		double[] reqMi = new double[STEPS + 1];
		double[] lostMi = new double[STEPS + 1];
		for (Vm vm : vms) {
			VmStateHistoryEntry prev = null;
			for (VmStateHistoryEntry e : vm.getStateHistory()) {
				if (prev != null) {
					double dt = e.getTime() - prev.getTime();
					int k = stepOf(prev.getTime());
					reqMi[k] += prev.getRequestedMips() * dt;
					if (prev.isInMigration() && prev.getAllocatedMips() < prev.getRequestedMips())
						lostMi[k] += (prev.getRequestedMips() - prev.getAllocatedMips()) * dt;
				}
				prev = e;
			}
		}
		out.println("step,vms,active_hosts,overloaded_hosts,allocated_mips,requested_mips,migrations,"
				+ "energy_kwh,active_s,violation_s,requested_mi,migration_lost_mi,shutdowns");
		for (int k = 0; k <= STEPS; k++) {
			out.println(String.format("%d,%d,%d,%d,%.2f,%.2f,%d,%.6f,%.3f,%.3f,%.1f,%.1f,%d", k,
					vmsAlive[k], activeAtStart[k], overAtStart[k], allocAtStart[k], reqAtStart[k],
					migrations[k], energyWs[k] / 3.6e6, activeS[k], violS[k], reqMi[k], lostMi[k],
					shutdowns[k]));
		}
		out.println("# placement: vm,host");
		for (String p : initialPlacement) out.println("# p " + p);
		out.println("# migrations: time,vm,from,to,seconds");
		for (String m : migrationLog) out.println("# m " + m);
	}
}
