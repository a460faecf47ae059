/**
 * Helpers for Kafka tests that control a broker of their own (in a temporary data dir) through
 * `experiments/kafka/broker-cli.ts`, as an operator would with `npm run kafka:*`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBrokerState, type BrokerState } from '../../../experiments/kafka/broker.ts';
import { simulate, type SimulationResult } from '../../../experiments/simulation.ts';
import { makeWorkload, workloadRequest } from '../../../experiments/workloads.ts';
import type { ConfigOverrides } from '../../../experiments/config.ts';
import { ROOT, testConfig } from '../../helpers/fixtures.ts';

/** Runs `broker-cli.ts <args>` to completion; rejects with its output when it fails. */
export function brokerCli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'experiments/kafka/broker-cli.ts', ...args],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`broker-cli ${args.join(' ')}: ${out}`)),
    );
  });
}

/** A broker of the test's own, started through the CLI in a fresh data dir. */
export async function ownBroker(...startFlags: string[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'qossip-test-broker-'));
  await brokerCli('start', '--data-dir', dataDir, ...startFlags);
  const state = (): BrokerState => readBrokerState(dataDir)!;
  return {
    dataDir,
    state,
    bootstrap: state().bootstrap,
    cli: (command: string, ...flags: string[]) =>
      brokerCli(command, '--data-dir', dataDir, ...flags),
    stop: () => brokerCli('stop', '--data-dir', dataDir),
  };
}

export async function runSim(
  over: ConfigOverrides,
  hooks: Parameters<typeof simulate>[2] = {},
): Promise<SimulationResult> {
  const config = testConfig(over);
  return simulate(config, makeWorkload(workloadRequest(config)), hooks);
}
