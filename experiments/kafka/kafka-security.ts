/**
 * Broker-level security from the command line and config: `--kafka-sasl mechanism:user:file`
 * (the password stays in its file, never in config.json) and TLS files, shared by the experiment
 * and node-host CLIs; read into the kafkajs options the Kafka edge takes.
 */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { UserError } from '../../src/core/errors.ts';
import type { KafkaSecurity } from '../../src/transport/kafka/kafka-io.ts';
import type { ExperimentConfig } from '../config.ts';
import { localBrokerUsers } from './local-broker.ts';

type KafkaConfig = ExperimentConfig['kafka'];
const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** Adds the security flags to a CLI parser. */
export function withKafkaSecurityFlags<T>(y: Argv<T>) {
  return y
    .option('kafka-sasl', {
      type: 'string',
      describe:
        "SASL login, mechanism:user:password-file (mechanism plain, scram-sha-256 or scram-sha-512; default: the secure local broker's, else none)",
    })
    .option('kafka-tls', {
      type: 'boolean',
      describe: 'TLS to the brokers, checked against the system CAs',
    })
    .option('kafka-ca', {
      type: 'string',
      describe: 'TLS: PEM file of the CA that signed the brokers (implies --kafka-tls)',
    })
    .option('kafka-cert', {
      type: 'string',
      describe: 'TLS: PEM client certificate (implies --kafka-tls)',
    })
    .option('kafka-key', { type: 'string', describe: 'TLS: PEM client key (implies --kafka-tls)' });
}

/** `mechanism:user:password-file` as a config value; one sentence when malformed. */
export function parseSaslFlag(text: string): NonNullable<KafkaConfig['sasl']> {
  const m = /^([^:]+):([^:]+):(.+)$/.exec(text);
  const mechanism = m?.[1]?.toLowerCase() as (typeof MECHANISMS)[number] | undefined;
  if (!m || !mechanism || !MECHANISMS.includes(mechanism)) {
    throw new UserError(
      `--kafka-sasl must be mechanism:user:password-file with mechanism ${MECHANISMS.join(', ')}, got '${text}'`,
    );
  }
  return { mechanism, username: m[2]!, passwordFile: m[3]! };
}

interface SecurityArgs {
  'kafka-sasl'?: string | undefined;
  'kafka-tls'?: boolean | undefined;
  'kafka-ca'?: string | undefined;
  'kafka-cert'?: string | undefined;
  'kafka-key'?: string | undefined;
}

/**
 * The config overrides of the security flags. Without `--kafka-sasl`, a secure local broker
 * that also provides the brokers (`fromLocalBroker`) provides qossip's login too.
 */
export function kafkaSecurityOverrides(
  args: SecurityArgs,
  fromLocalBroker: boolean,
): Pick<Partial<KafkaConfig>, 'sasl' | 'tls'> {
  const out: Pick<Partial<KafkaConfig>, 'sasl' | 'tls'> = {};
  const local = fromLocalBroker ? localBrokerUsers()?.qossip : undefined;
  if (args['kafka-sasl'] !== undefined) out.sasl = parseSaslFlag(args['kafka-sasl']);
  else if (local) out.sasl = { mechanism: 'scram-sha-512', ...local };
  const files = {
    ...(args['kafka-ca'] === undefined ? {} : { caFile: args['kafka-ca'] }),
    ...(args['kafka-cert'] === undefined ? {} : { certFile: args['kafka-cert'] }),
    ...(args['kafka-key'] === undefined ? {} : { keyFile: args['kafka-key'] }),
  };
  if (args['kafka-tls'] || Object.keys(files).length > 0) out.tls = files;
  return out;
}

function readSecret(file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(
      `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  if (text.trim() === '') throw new UserError(`${what} ${file} is empty`);
  return text;
}

/** Reads the files the config names into the Kafka edge's security options; undefined: none. */
export function readKafkaSecurity(k: Pick<KafkaConfig, 'sasl' | 'tls'>): KafkaSecurity | undefined {
  if (!k.sasl && !k.tls) return undefined;
  const out: KafkaSecurity = {};
  if (k.sasl) {
    const { mechanism, username, passwordFile } = k.sasl;
    const password = readSecret(passwordFile, '--kafka-sasl password file').trim();
    out.sasl = { mechanism, username, password };
  }
  if (k.tls) {
    const t = k.tls;
    out.tls = {
      ...(t.caFile === undefined ? {} : { ca: [readSecret(t.caFile, '--kafka-ca file')] }),
      ...(t.certFile === undefined ? {} : { cert: readSecret(t.certFile, '--kafka-cert file') }),
      ...(t.keyFile === undefined ? {} : { key: readSecret(t.keyFile, '--kafka-key file') }),
      ...(t.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: t.rejectUnauthorized }),
    };
  }
  return out;
}
