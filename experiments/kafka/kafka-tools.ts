/**
 * Kafka's own console tools (from the `kafka-tools` jar resolved with the broker) pointed at the
 * local broker: `kafka-topics` and `kafka-console-consumer` as `npm run kafka:topics` and
 * `npm run kafka:consume -- <topic>`. On a secure broker they log in as qossip's user.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { clientPropertiesPath, type BrokerState } from './broker.ts';
import { BrokerError, JAVA, resolveKafkaClasspath } from './kafka-jars.ts';

export type KafkaTool = 'topics' | 'consume';

const MAIN_CLASS: Record<KafkaTool, string> = {
  topics: 'org.apache.kafka.tools.TopicCommand',
  consume: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
};

/**
 * The tool's arguments: the broker and its login first, then `args` (for `topics`, `--list` when
 * empty; for `consume`, the topic, read from its beginning, then any console-consumer flags).
 */
export function toolArgs(
  tool: KafkaTool,
  args: readonly string[],
  broker: BrokerState,
  dataDir: string,
): string[] {
  const login = broker.users ? clientPropertiesPath(dataDir) : undefined;
  const out = ['--bootstrap-server', broker.bootstrap];
  if (tool === 'topics') {
    if (login) out.push('--command-config', login);
    return [...out, ...(args.length === 0 ? ['--list'] : args)];
  }
  const [topic, ...rest] = args;
  if (topic === undefined || topic.startsWith('-')) {
    throw new BrokerError(
      'kafka:consume needs a topic first, e.g. `npm run kafka:consume -- qossip.<run>.vm-metrics`',
    );
  }
  if (login) out.push('--consumer.config', login);
  return [...out, '--topic', topic, '--from-beginning', ...rest];
}

/** Runs a console tool with the terminal's stdio; resolves with its exit code. */
export async function runKafkaTool(
  tool: KafkaTool,
  args: readonly string[],
  broker: BrokerState,
  dataDir: string,
  cacheDir: string,
): Promise<number> {
  const cp = await resolveKafkaClasspath(cacheDir, (m) => process.stderr.write(`qossip: ${m}\n`));
  // The tools' own log lines (warnings only) go to stderr, apart from the records on stdout.
  const log4j = path.join(cacheDir, 'tools-log4j.properties');
  fs.writeFileSync(
    log4j,
    'log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\n' +
      'log4j.appender.stderr.Target=System.err\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\n' +
      'log4j.appender.stderr.layout.ConversionPattern=%p %m%n\n',
  );
  const argv = [
    `-Dlog4j.configuration=file:${log4j.split(path.sep).join('/')}`,
    '-cp',
    cp,
    MAIN_CLASS[tool],
    ...toolArgs(tool, args, broker, dataDir),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('java', argv, { stdio: 'inherit' });
    child.on('error', () =>
      reject(new BrokerError(`\`java\` was not found: install ${JAVA} on PATH.`)),
    );
    child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}
