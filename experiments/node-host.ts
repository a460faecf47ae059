/**
 * `npm run node-host`: hosts a range of PM agents in this OS process (or on this machine) and
 * joins a Kafka run started by `npm run experiment -- --transport kafka --remote-nodes …`.
 */
import { hostname } from 'node:os';
import { hideBin } from 'yargs/helpers';
import { UserError } from '../src/core/errors.ts';
import { realClock } from '../src/engine/clock.ts';
import { NodeHost } from '../nodes/node-host.ts';
import { parseRange } from '../nodes/run-control.ts';
import { cliParser, runCli } from './cli-support.ts';
import { localBrokerIfRunning } from './kafka/local-broker.ts';
import {
  kafkaSecurityOverrides,
  readKafkaSecurity,
  withKafkaSecurityFlags,
} from './kafka/kafka-security.ts';
import { POLICIES } from './policies.ts';
import { RUN_SECRET_ENV, readRunSecret } from './kafka/run-secret.ts';
import type { TopicLayout } from '../src/transport/kafka/topic-layout.ts';

async function main(argv: string[]): Promise<number> {
  const args = await withKafkaSecurityFlags(
    cliParser(
      argv,
      'npm run node-host --',
      '$0 --run <id> --nodes <lo-hi> [--brokers host:port]\n\nHosts PM agents for a Kafka run.',
    ),
  )
    .option('run', {
      type: 'string',
      demandOption: true,
      describe: 'run id given to (or printed by) the experiment',
    })
    .option('nodes', {
      type: 'string',
      demandOption: true,
      describe: 'node range to host, e.g. 50-99',
    })
    .option('brokers', {
      type: 'string',
      describe: 'Kafka bootstrap brokers, host:port[,host:port]',
    })
    .option('join-timeout-ms', {
      type: 'number',
      default: 120_000,
      describe: 'longest wait for the run to start',
    })
    .option('topic-layout', {
      type: 'string',
      choices: ['node', 'partitioned'],
      default: 'node',
      describe: "where node inboxes are: the driver's layout (it prints it when it is partitioned)",
    })
    .option('secret-file', {
      type: 'string',
      describe: "file with the run's secret (64 hex digits; default: $QOSSIP_RUN_SECRET)",
    })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
    .parseAsync();
  const nodes = parseRange(args.nodes);
  if (!nodes) throw new UserError(`--nodes must be a range like 50-99, got '${args.nodes}'`);
  const local = args.brokers === undefined ? localBrokerIfRunning() : undefined;
  const brokers = args.brokers?.split(',').map((b) => b.trim()) ?? local ?? ['127.0.0.1:9092'];
  const security = readKafkaSecurity(kafkaSecurityOverrides(args, local !== undefined));
  const secret = readRunSecret(args['secret-file']);
  if (!secret)
    throw new UserError(
      `a node host needs the run's secret: pass --secret-file (the driver prints its path) or set ${RUN_SECRET_ENV}`,
    );
  const host = new NodeHost({
    secret,
    layout: args['topic-layout'] as TopicLayout,
    brokers,
    run: args.run,
    nodes,
    hostName: `${hostname()}:${process.pid}`,
    joinTimeoutMs: args['join-timeout-ms'],
    clock: realClock,
    security,
    policies: POLICIES,
    ...(args.quiet ? {} : { log: (line: string) => process.stderr.write(`node-host: ${line}\n`) }),
  });
  await host.run();
  return 0;
}

runCli(() => main(hideBin(process.argv)));
