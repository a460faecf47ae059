/*
 * qossip's runner for CloudSim 3.0.3's PlanetLab power examples (Beloglazov & Buyya 2012): the
 * same set-up as org.cloudbus.cloudsim.examples.power.planetlab.PlanetLabRunner, except that the
 * trace files are read in the order a list file gives (File.listFiles() order is not portable), and
 * that a tracer datacenter records, per 300 s interval, what qossip's `cloudsim` profile is checked
 * against (see tools/cloudsim/README.md). Part of qossip, not of CloudSim; run by
 * tools/cloudsim/reference.ts.
 *
 * Usage: java -cp <cloudsim classes>:<commons-math3>:<this> QossipPlanetLabRunner
 *          <trace dir> <order file> <policy> <selection> <parameter> <trace csv or ->
 */
import java.io.BufferedReader;
import java.io.File;
import java.io.FileReader;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.cloudbus.cloudsim.Cloudlet;
import org.cloudbus.cloudsim.Host;
import org.cloudbus.cloudsim.Log;
import org.cloudbus.cloudsim.UtilizationModel;
import org.cloudbus.cloudsim.UtilizationModelNull;
import org.cloudbus.cloudsim.UtilizationModelPlanetLabInMemory;
import org.cloudbus.cloudsim.VmAllocationPolicy;
import org.cloudbus.cloudsim.core.CloudSim;
import org.cloudbus.cloudsim.examples.power.Constants;
import org.cloudbus.cloudsim.examples.power.Helper;
import org.cloudbus.cloudsim.examples.power.RunnerAbstract;
import org.cloudbus.cloudsim.examples.power.planetlab.PlanetLabConstants;

public class QossipPlanetLabRunner extends RunnerAbstract {
	static String orderFile;
	static String traceCsv;

	public QossipPlanetLabRunner(String inputFolder, String policy, String selection, String parameter) {
		// enableOutput true: CloudSim prints its summary (what reference.ts parses); its per-event
		// log stays off (Log is disabled again in init).
		super(true, false, inputFolder, "output", "", policy, selection, parameter);
	}

	@Override
	protected void initLogOutput(boolean enableOutput, boolean outputToFile, String outputFolder,
			String workload, String vmAllocationPolicy, String vmSelectionPolicy, String parameter) {
		setEnableOutput(true);
		Log.setDisabled(true);
	}

	@Override
	protected void init(String inputFolder) {
		try {
			CloudSim.init(1, Calendar.getInstance(), false);
			broker = Helper.createBroker();
			cloudletList = cloudlets(broker.getId(), inputFolder);
			vmList = Helper.createVmList(broker.getId(), cloudletList.size());
			hostList = Helper.createHostList(PlanetLabConstants.NUMBER_OF_HOSTS);
		} catch (Exception e) {
			throw new RuntimeException(e);
		}
	}

	/** PlanetLabHelper.createCloudletListPlanetLab, with the files in the list file's order. */
	static List<Cloudlet> cloudlets(int brokerId, String inputFolder) throws IOException {
		List<Cloudlet> list = new ArrayList<Cloudlet>();
		UtilizationModel none = new UtilizationModelNull();
		BufferedReader order = new BufferedReader(new FileReader(orderFile));
		String line;
		int i = 0;
		while ((line = order.readLine()) != null) {
			line = line.trim();
			if (line.isEmpty()) continue;
			String name = line.substring(line.indexOf(' ') + 1);
			Cloudlet c = new Cloudlet(i, Constants.CLOUDLET_LENGTH, Constants.CLOUDLET_PES, 300, 300,
					new UtilizationModelPlanetLabInMemory(new File(inputFolder, name).getPath(),
							Constants.SCHEDULING_INTERVAL), none, none);
			c.setUserId(brokerId);
			c.setVmId(i);
			list.add(c);
			i++;
		}
		order.close();
		return list;
	}

	@Override
	protected void start(String experimentName, String outputFolder, VmAllocationPolicy policy) {
		System.out.println("Starting " + experimentName);
		try {
			TracingPowerDatacenter datacenter = (TracingPowerDatacenter) Helper.createDatacenter(
					"Datacenter", TracingPowerDatacenter.class, hostList, policy);
			datacenter.setDisableMigrations(false);
			broker.submitVmList(vmList);
			broker.submitCloudletList(cloudletList);
			CloudSim.terminateSimulation(Constants.SIMULATION_LIMIT);
			double lastClock = CloudSim.startSimulation();
			CloudSim.stopSimulation();
			Helper.printResults(datacenter, vmList, lastClock, experimentName, false, outputFolder);
			System.out.println(Metrics.json(datacenter, lastClock));
			if (traceCsv != null) {
				PrintStream out = new PrintStream(traceCsv);
				datacenter.writeTrace(out, vmList);
				out.close();
			}
		} catch (Exception e) {
			throw new RuntimeException(e);
		}
	}

	/**
	 * The summary CloudSim prints, at full precision (its own printout rounds PDM to 0.01 %), from
	 * the very functions Helper.printResults uses.
	 */
	static class Metrics extends Helper {
		static String json(TracingPowerDatacenter dc, double lastClock) {
			List<Host> hosts = dc.getHostList();
			double energy = dc.getPower() / (3600 * 1000);
			Map<String, Double> sla = getSlaMetrics(vmList);
			double slatah = getSlaTimePerActiveHost(hosts);
			double pdm = sla.get("underallocated_migration");
			return String.format(Locale.ROOT,
					"QOSSIP-RESULT {\"energyKWh\":%.17g,\"migrations\":%d,\"slatah\":%.17g,\"pdm\":%.17g,"
							+ "\"slav\":%.17g,\"overallSlaViolation\":%.17g,\"averageSlaViolation\":%.17g,"
							+ "\"hostShutdowns\":%d,\"simulatedSeconds\":%.17g,\"vmsAtEnd\":%d}",
					energy, dc.getMigrationCount(), slatah, pdm, slatah * pdm, sla.get("overall"),
					sla.get("average"), getTimesBeforeHostShutdown(hosts).size(), lastClock,
					dc.getVmList().size());
		}
	}

	public static void main(String[] args) {
		if (args.length != 6) {
			System.err.println("usage: QossipPlanetLabRunner <trace dir> <order file> <policy> <selection> <parameter> <trace csv or ->");
			System.exit(2);
		}
		orderFile = args[1];
		traceCsv = args[5].equals("-") ? null : args[5];
		new QossipPlanetLabRunner(args[0], args[2], args[3], args[4]);
	}
}
