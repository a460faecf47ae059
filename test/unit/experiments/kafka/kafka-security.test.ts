/**
 * Broker security options: the --kafka-sasl flag's shape, the files it names (the password never
 * enters config.json), TLS files, and what reaches kafkajs; the console tools' login.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  kafkaSecurityOverrides,
  parseSaslFlag,
  readKafkaSecurity,
} from '../../../../experiments/kafka/kafka-security.ts';
import { kafkaSecurityConfig } from '../../../../src/transport/kafka/kafka-io.ts';
import { toolArgs } from '../../../../experiments/kafka/kafka-tools.ts';
import { resolveConfig } from '../../../../experiments/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'qossip-sec-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('Kafka security options', () => {
  it('parses mechanism:user:password-file and reads the password from its file', () => {
    const pw = file('pw', 's3cret:with:colons\n');
    const sasl = parseSaslFlag(`SCRAM-SHA-512:qossip:${pw}`);
    expect(sasl).toEqual({ mechanism: 'scram-sha-512', username: 'qossip', passwordFile: pw });
    expect(readKafkaSecurity({ sasl })).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'qossip', password: 's3cret:with:colons' },
    });
  });

  it('rejects a malformed flag, a missing or empty password file, in one sentence', () => {
    expect(() => parseSaslFlag('scram:qossip')).toThrow(
      "--kafka-sasl must be mechanism:user:password-file with mechanism plain, scram-sha-256, scram-sha-512, got 'scram:qossip'",
    );
    expect(() => parseSaslFlag('gssapi:u:f')).toThrow(/^--kafka-sasl must be/);
    const missing = join(dir, 'nope');
    expect(() =>
      readKafkaSecurity({ sasl: { mechanism: 'plain', username: 'u', passwordFile: missing } }),
    ).toThrow(`cannot read --kafka-sasl password file ${missing}: ENOENT`);
    const empty = file('empty', '\n');
    expect(() =>
      readKafkaSecurity({ sasl: { mechanism: 'plain', username: 'u', passwordFile: empty } }),
    ).toThrow(`--kafka-sasl password file ${empty} is empty`);
  });

  it('TLS: the PEM files given, or the system CAs with --kafka-tls alone', () => {
    const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n');
    const over = kafkaSecurityOverrides({ 'kafka-ca': ca }, false);
    expect(over).toEqual({ tls: { caFile: ca } });
    const security = readKafkaSecurity(over);
    expect(security?.tls?.ca).toEqual([
      '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
    ]);
    expect(kafkaSecurityConfig(security)).toEqual({ ssl: { ca: security!.tls!.ca } });
    expect(kafkaSecurityOverrides({ 'kafka-tls': true }, false)).toEqual({ tls: {} });
    expect(kafkaSecurityConfig(readKafkaSecurity({ tls: {} }))).toEqual({ ssl: {} });
    expect(kafkaSecurityOverrides({}, false)).toEqual({});
    expect(readKafkaSecurity({})).toBeUndefined();
  });

  it('the config schema names the flag of a bad value, and keeps configs without security unchanged', () => {
    expect(() =>
      resolveConfig({ kafka: { sasl: { mechanism: 'md5', username: 'u', passwordFile: 'f' } } }),
    ).toThrow(/^invalid kafka\.sasl\.mechanism/);
    expect(Object.keys(resolveConfig({}).kafka)).not.toContain('sasl');
  });

  it('the console tools log in to a secure broker with its client properties', () => {
    const plain = { bootstrap: 'h:1', pid: 1, logFile: 'l' };
    expect(toolArgs('topics', [], plain, '/d')).toEqual(['--bootstrap-server', 'h:1', '--list']);
    const user = { username: 'qossip', passwordFile: '/d/qossip.password' };
    const secure = { ...plain, users: { qossip: user, observer: user } };
    expect(toolArgs('consume', ['t', '--max-messages', '2'], secure, '/d')).toEqual([
      '--bootstrap-server',
      'h:1',
      '--consumer.config',
      '/d/client.properties',
      '--topic',
      't',
      '--from-beginning',
      '--max-messages',
      '2',
    ]);
    expect(() => toolArgs('consume', [], plain, '/d')).toThrow(
      /^kafka:consume needs a topic first/,
    );
  });
});
