/**
 * What a local broker's storage was formatted with (`<dataDir>/storage.json`: address, ports,
 * security) and the files derived from it: `server.properties`, `log4j.properties`, and for a
 * secure broker the users' password files and the console tools' client properties. Kept across
 * stops, so the broker can start again on the same ports and storage (`--keep-storage`, restart).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** SCRAM users of a secure broker: qossip's own (a super user) and a read-only observer. */
export const QOSSIP_USER = 'qossip';
export const OBSERVER_USER = 'observer';
/** The only mechanism the secure local broker offers its clients. */
export const SCRAM_MECHANISM = 'SCRAM-SHA-512';

export interface BrokerUser {
  username: string;
  /** File holding the password (mode 0600), as `--kafka-sasl scram-sha-512:<user>:<file>` takes it. */
  passwordFile: string;
}

export interface BrokerLayout {
  host: string;
  /** Client listener: PLAINTEXT, or SASL_PLAINTEXT when secure. */
  port: number;
  /** KRaft controller listener (PLAINTEXT, or SASL PLAIN when secure: KRaft controllers cannot use SCRAM). */
  controllerPort: number;
  /** SASL/SCRAM-SHA-512 with ACLs (super user qossip, observer may only read); absent: no security. */
  secure?: { qossip: BrokerUser; observer: BrokerUser };
}

const layoutPath = (dataDir: string) => path.join(dataDir, 'storage.json');
const slash = (p: string) => p.split(path.sep).join('/');

export function readLayout(dataDir: string): BrokerLayout | undefined {
  try {
    const l = JSON.parse(fs.readFileSync(layoutPath(dataDir), 'utf8')) as BrokerLayout;
    return typeof l.port === 'number' && typeof l.controllerPort === 'number' ? l : undefined;
  } catch {
    return undefined;
  }
}

export function writeLayout(dataDir: string, layout: BrokerLayout): void {
  fs.writeFileSync(layoutPath(dataDir), `${JSON.stringify(layout, null, 2)}\n`);
}

/** True when `dataDir` holds formatted KRaft storage that a broker can start on again. */
export function hasStorage(dataDir: string): boolean {
  return (
    readLayout(dataDir) !== undefined &&
    fs.existsSync(path.join(dataDir, 'logs', 'meta.properties')) &&
    fs.existsSync(path.join(dataDir, 'server.properties'))
  );
}

export const readPassword = (user: BrokerUser) => fs.readFileSync(user.passwordFile, 'utf8').trim();

/** Creates the users of a secure broker, each with a fresh random password in its own file. */
export function newUsers(dataDir: string): NonNullable<BrokerLayout['secure']> {
  const user = (username: string): BrokerUser => {
    const passwordFile = path.join(dataDir, `${username}.password`);
    fs.writeFileSync(passwordFile, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
    fs.chmodSync(passwordFile, 0o600);
    return { username, passwordFile };
  };
  return { qossip: user(QOSSIP_USER), observer: user(OBSERVER_USER) };
}

/** The `--add-scram` arguments of `StorageTool format`: SCRAM credentials live in the metadata log. */
export function scramFormatArgs(layout: BrokerLayout): string[] {
  if (!layout.secure) return [];
  return Object.values(layout.secure).flatMap((u) => [
    '--add-scram',
    `${SCRAM_MECHANISM}=[name=${u.username},password=${readPassword(u)}]`,
  ]);
}

const jaas = (module: string, fields: Record<string, string>) =>
  `org.apache.kafka.common.security.${module} required ${Object.entries(fields)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ')};`;

/** server.properties of a single-node KRaft broker+controller with topic auto-creation off. */
export function serverProperties(layout: BrokerLayout, dataDir: string): string {
  const { host, port, controllerPort: cport } = layout;
  const common = `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${host}:${cport}
controller.listener.names=CONTROLLER
log.dirs=${slash(path.join(dataDir, 'logs'))}
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
num.partitions=1
`;
  if (!layout.secure) {
    return `${common}listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${cport}
advertised.listeners=PLAINTEXT://${host}:${port}
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
`;
  }
  // Clients and the broker itself authenticate with SCRAM on SASL_PLAINTEXT; the controller
  // listener uses PLAIN with a static user, as KRaft requires. qossip is the super user (the
  // broker acts as it too); everyone else gets only what an ACL grants (nothing, by default).
  const q = layout.secure.qossip;
  const pw = readPassword(q);
  return `${common}listeners=SASL_PLAINTEXT://${host}:${port},CONTROLLER://${host}:${cport}
advertised.listeners=SASL_PLAINTEXT://${host}:${port}
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms=${SCRAM_MECHANISM}
sasl.mechanism.inter.broker.protocol=${SCRAM_MECHANISM}
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${jaas('scram.ScramLoginModule', { username: q.username, password: pw })}
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', { username: q.username, password: pw, [`user_${q.username}`]: pw })}
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:${q.username}
allow.everyone.if.no.acl.found=false
`;
}

/** Client properties for Kafka's console tools: how they log in to a secure broker as `user`. */
export function clientProperties(user: BrokerUser): string {
  return `security.protocol=SASL_PLAINTEXT
sasl.mechanism=${SCRAM_MECHANISM}
sasl.jaas.config=${jaas('scram.ScramLoginModule', { username: user.username, password: readPassword(user) })}
`;
}

/** reload4j (log4j 1.x) config: all to logFile, which also gets the JVM's stdout/stderr. */
export function log4jProperties(logFile: string): string {
  return `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${slash(logFile)}
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
`;
}
