/**
 * The broker of this test run, from the Kafka project's global set-up (test/setup/kafka-broker.ts):
 * QOSSIP_KAFKA_BROKERS, the `npm run kafka:start` broker, or one the set-up started.
 */
import { inject } from 'vitest';

const broker = inject('kafka');

export const KAFKA_BROKERS: string[] = broker.brokers;
/** Data directory of the local broker (restartable by a test), or null for an external cluster. */
export const KAFKA_DATA_DIR: string | null = broker.dataDir;

let counter = 0;
/** A run id unique to this test process and call, so tests never share topics. */
export const uniqueRun = (label: string) =>
  `test-${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
