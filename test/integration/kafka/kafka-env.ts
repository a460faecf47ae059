/**
 * Where the Kafka tests find a broker: QOSSIP_KAFKA_BROKERS, else the broker `npm run kafka:start`
 * left running. Under CI a missing broker is an error (CI must start one); elsewhere the Kafka
 * tests are skipped with a loud message.
 */
import { localBrokerIfRunning } from '../../../experiments/kafka/local-broker.ts';

export const KAFKA_BROKERS: string[] | undefined =
  process.env.QOSSIP_KAFKA_BROKERS?.split(',') ?? localBrokerIfRunning();

if (!KAFKA_BROKERS) {
  if (process.env.CI)
    throw new Error('CI=true but no Kafka broker: .ci/run must start one (npm run kafka:start)');
  console.warn(
    '\n*** Kafka tests SKIPPED: no broker. Run `npm run kafka:start` (or set QOSSIP_KAFKA_BROKERS) ***\n',
  );
}

let counter = 0;
/** A run id unique to this test process and call, so tests never share topics. */
export const uniqueRun = (label: string) =>
  `test-${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
