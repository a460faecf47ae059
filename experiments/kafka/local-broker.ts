/**
 * Where `npm run kafka:start` keeps its jars and its broker (under the project's .cache/), and
 * how other commands find that broker (and, when it is secure, qossip's login) when no --brokers
 * is given.
 */
import path from 'node:path';
import { PROJECT_ROOT } from '../results.ts';
import { isBrokerAlive, readBrokerState, type BrokerState } from './broker.ts';

export const KAFKA_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'kafka');
export const KAFKA_DATA_DIR = path.join(KAFKA_CACHE_DIR, 'run');

function localBroker(): BrokerState | undefined {
  const state = readBrokerState(KAFKA_DATA_DIR);
  return state && isBrokerAlive(state.pid) ? state : undefined;
}

/** `[bootstrap]` of the broker `npm run kafka:start` left running, else undefined. */
export function localBrokerIfRunning(): string[] | undefined {
  const state = localBroker();
  return state ? [state.bootstrap] : undefined;
}

/** The SCRAM users of the running local broker when it was started with --secure. */
export function localBrokerUsers(): BrokerState['users'] {
  return localBroker()?.users;
}
