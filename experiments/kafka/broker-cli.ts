// CLI around broker.ts: `npm run kafka:start|stop|restart|status|topics|consume`.
// Jars are cached in <root>/.cache/kafka, the broker runs from <root>/.cache/kafka/run (or
// --data-dir); `start` leaves it running in the background. `status` exits 0 when running, 3 when
// not. `topics` and `consume` run Kafka's console tools against the running broker.
import { hideBin } from 'yargs/helpers';
import { cliParser, runCli } from '../cli-support.ts';
import {
  isBrokerAlive,
  readBrokerState,
  removeBrokerState,
  restartBroker,
  startBroker,
  stopBrokerByPid,
  type BrokerHandle,
  type BrokerState,
} from './broker.ts';
import { BrokerError } from './kafka-jars.ts';
import { runKafkaTool, type KafkaTool } from './kafka-tools.ts';
import { KAFKA_CACHE_DIR, KAFKA_DATA_DIR } from './local-broker.ts';

const cacheDir = KAFKA_CACHE_DIR;
const USAGE =
  'usage: npm run kafka:start | kafka:stop | kafka:restart | kafka:status | kafka:topics | kafka:consume';

/** The running broker per broker.json, dropping a stale file whose pid is gone. */
function running(dataDir: string) {
  const state = readBrokerState(dataDir);
  if (state && isBrokerAlive(state.pid)) return state;
  if (state) removeBrokerState(dataDir);
  return undefined;
}

const describe = (s: BrokerState) =>
  `${s.bootstrap} (pid ${s.pid}, log ${s.logFile})` +
  (s.users
    ? `, SASL/SCRAM-SHA-512: pass --kafka-sasl scram-sha-512:${s.users.qossip.username}:${s.users.qossip.passwordFile}`
    : '');

async function brokerCommand(command: string, argv: string[]): Promise<number> {
  const args = await cliParser(
    argv,
    `npm run kafka:${command} --`,
    `$0 [--keep-storage] [--secure] [--data-dir DIR]\n\nThe local Kafka broker: ${command}.`,
  )
    .option('keep-storage', {
      type: 'boolean',
      describe: 'start: on the ports and storage of the last broker (topics survive)',
    })
    .option('secure', {
      type: 'boolean',
      describe: 'start: SASL/SCRAM-SHA-512 and ACLs (only qossip may write)',
    })
    .option('data-dir', {
      type: 'string',
      default: KAFKA_DATA_DIR,
      describe: "the broker's working directory",
    })
    .parseAsync();
  const dataDir = args['data-dir'];
  const onProgress = (m: string) => console.error(`qossip: ${m}`);
  const opts = {
    cacheDir,
    dataDir,
    onProgress,
    ...(args.secure === undefined ? {} : { secure: args.secure }),
  };
  if ((args['keep-storage'] || args.secure) && command !== 'start') {
    throw new BrokerError(
      `--keep-storage and --secure belong to kafka:start, not kafka:${command}`,
    );
  }
  const ready = (b: BrokerHandle, what: string, t0: number) =>
    console.log(
      `Kafka broker ${what} at ${describe(b)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  const t0 = Date.now();
  const state = running(dataDir);
  switch (command) {
    case 'start': {
      if (state && args.secure !== undefined && args.secure !== (state.users !== undefined)) {
        throw new BrokerError(
          `a Kafka broker ${state.users ? 'with' : 'without'} --secure already runs at ${state.bootstrap}; stop it first`,
        );
      }
      if (state) {
        console.log(`Kafka broker already running at ${describe(state)}`);
        return 0;
      }
      const b = await startBroker({ ...opts, keepStorage: args['keep-storage'] ?? false });
      ready(b, 'ready', t0);
      return 0;
    }
    case 'restart': {
      ready(await restartBroker(opts), 'restarted on the same ports and storage', t0);
      return 0;
    }
    case 'stop': {
      if (!state) {
        console.log('No Kafka broker is running.');
        return 0;
      }
      await stopBrokerByPid(state.pid);
      removeBrokerState(dataDir);
      console.log(`Kafka broker stopped (pid ${state.pid}); its storage stays for --keep-storage.`);
      return 0;
    }
    default: {
      console.log(
        state ? `Kafka broker running at ${describe(state)}` : 'No Kafka broker is running.',
      );
      return state ? 0 : 3;
    }
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'topics' || command === 'consume') {
    // Everything after the command goes to Kafka's tool as is.
    const state = running(KAFKA_DATA_DIR);
    if (!state) {
      throw new BrokerError(
        `kafka:${command} needs the local broker: start it with \`npm run kafka:start\``,
      );
    }
    return runKafkaTool(command as KafkaTool, rest, state, KAFKA_DATA_DIR, cacheDir);
  }
  if (command === 'start' || command === 'stop' || command === 'restart' || command === 'status') {
    return brokerCommand(command, rest);
  }
  console.error(USAGE);
  return 2;
}

runCli(() => main(hideBin(process.argv)));
