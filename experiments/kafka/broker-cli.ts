// CLI around broker.ts: `tsx experiments/kafka/broker-cli.ts start|stop|status`.
// Jars are cached in <root>/.cache/kafka, the broker runs from <root>/.cache/kafka/run; `start`
// leaves it running in the background. `status` exits 0 when running, 3 when not.
import { runCli } from '../cli-support.ts';
import {
  isBrokerAlive,
  readBrokerState,
  removeBrokerState,
  startBroker,
  stopBrokerByPid,
} from './broker.ts';
import { KAFKA_CACHE_DIR, KAFKA_DATA_DIR } from './local-broker.ts';

const cacheDir = KAFKA_CACHE_DIR;
const dataDir = KAFKA_DATA_DIR;
const USAGE = 'usage: npm run kafka:start | kafka:stop | kafka:status';

/** The running broker per broker.json, dropping a stale file whose pid is gone. */
function running() {
  const state = readBrokerState(dataDir);
  if (state && isBrokerAlive(state.pid)) return state;
  if (state) removeBrokerState(dataDir);
  return undefined;
}

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'start': {
      const state = running();
      if (state) {
        console.log(
          `Kafka broker already running at ${state.bootstrap} (pid ${state.pid}, log ${state.logFile})`,
        );
        return 0;
      }
      const t0 = Date.now();
      const b = await startBroker({
        cacheDir,
        dataDir,
        onProgress: (m) => console.error(`qossip: ${m}`),
      });
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      console.log(
        `Kafka broker ready at ${b.bootstrap} (pid ${b.pid}, log ${b.logFile}) in ${secs} s`,
      );
      return 0;
    }
    case 'stop': {
      const state = running();
      if (!state) {
        console.log('No Kafka broker is running.');
        return 0;
      }
      await stopBrokerByPid(state.pid);
      removeBrokerState(dataDir);
      console.log(`Kafka broker stopped (pid ${state.pid}).`);
      return 0;
    }
    case 'status': {
      const state = running();
      console.log(
        state
          ? `Kafka broker running at ${state.bootstrap} (pid ${state.pid}, log ${state.logFile})`
          : 'No Kafka broker is running.',
      );
      return state ? 0 : 3;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

runCli(() => main(process.argv[2]));
