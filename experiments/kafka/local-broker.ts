/**
 * Where `npm run kafka:start` keeps its jars and its broker (under the project's .cache/), and
 * how other commands find that broker when no --brokers is given.
 */
import path from 'node:path';
import { PROJECT_ROOT } from '../results.ts';
import { isBrokerAlive, readBrokerState } from './broker.ts';

export const KAFKA_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'kafka');
export const KAFKA_DATA_DIR = path.join(KAFKA_CACHE_DIR, 'run');

/** `[bootstrap]` of the broker `npm run kafka:start` left running, else undefined. */
export function localBrokerIfRunning(): string[] | undefined {
  const state = readBrokerState(KAFKA_DATA_DIR);
  return state && isBrokerAlive(state.pid) ? [state.bootstrap] : undefined;
}
