/**
 * Vitest global set-up of the Kafka project: finds the broker the Kafka tests run against and
 * hands it to them (`inject('kafka')`). In order: QOSSIP_KAFKA_BROKERS (an external cluster), the
 * broker `npm run kafka:start` left running, else a fresh local broker from the Maven jars
 * (experiments/kafka/broker.ts) in a temporary directory, stopped and removed at teardown. It
 * never skips: without Java or Maven the run fails with one sentence saying what to install.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import {
  BrokerError,
  readBrokerState,
  startBroker,
  stopBrokerByPid,
} from '../../experiments/kafka/broker.ts';
import {
  KAFKA_CACHE_DIR,
  KAFKA_DATA_DIR,
  localBrokerIfRunning,
} from '../../experiments/kafka/local-broker.ts';

/** The broker of this test run. */
export interface KafkaTestBroker {
  brokers: string[];
  /** Data directory of a local broker the tests may restart; null for an external cluster. */
  dataDir: string | null;
  /** Who provides it, for the log line. */
  source: 'environment' | 'kafka:start' | 'test set-up';
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafka: KafkaTestBroker;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const env = process.env.QOSSIP_KAFKA_BROKERS;
  if (env) {
    project.provide('kafka', { brokers: env.split(','), dataDir: null, source: 'environment' });
    return;
  }
  const running = localBrokerIfRunning();
  if (running) {
    project.provide('kafka', { brokers: running, dataDir: KAFKA_DATA_DIR, source: 'kafka:start' });
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'qossip-test-broker-'));
  let broker;
  try {
    const t0 = Date.now();
    broker = await startBroker({
      cacheDir: KAFKA_CACHE_DIR,
      dataDir,
      onProgress: (m) => process.stderr.write(`kafka set-up: ${m}\n`),
    });
    process.stderr.write(
      `kafka set-up: started a local broker at ${broker.bootstrap} in ${((Date.now() - t0) / 1000).toFixed(1)} s (stopped after the tests)\n`,
    );
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    if (!(e instanceof BrokerError)) throw e;
    // One sentence, no stack: what to install, or how to point the tests at a broker instead.
    const reason = e.message
      .split('\n')[0]!
      .replace(/: install .*$/, '')
      .replace(/[.:]$/, '');
    const why = new Error(
      `Cannot start a Kafka broker for the Kafka tests (${reason}): install Java 17+ and Maven, ` +
        'or run them against a cluster with QOSSIP_KAFKA_BROKERS=host:port.',
    );
    why.stack = why.message;
    throw why;
  }
  project.provide('kafka', { brokers: [broker.bootstrap], dataDir, source: 'test set-up' });
  return async () => {
    // By the pid in broker.json, not the handle's: the restart test replaces the broker's JVM.
    const state = readBrokerState(dataDir);
    await stopBrokerByPid(state?.pid ?? broker.pid);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
