// Local single-node Apache Kafka 3.9.1 broker (KRaft, no ZooKeeper) for qossip experiments.
// Jars are resolved once with Maven into a cache dir; the broker runs as a detached JVM whose
// state (bootstrap, pid, log) is kept in <dataDir>/broker.json so another process can stop it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { UserError } from '../../src/core/errors.ts';

export const KAFKA_VERSION = '3.9.1';
const JAVA = 'a Java 17+ runtime';
const ARTIFACTS: [group: string, artifact: string, version: string][] = [
  ['org.apache.kafka', 'kafka_2.13', KAFKA_VERSION],
  ['org.slf4j', 'slf4j-reload4j', '1.7.36'],
  ['ch.qos.reload4j', 'reload4j', '1.2.25'],
];

/** A user-facing failure (missing tool, failed resolution or startup): print its message only. */
export class BrokerError extends UserError {}

/** Contents of `<dataDir>/broker.json`. */
export interface BrokerState {
  /** `host:port` of the PLAINTEXT listener, for a client's `brokers` list. */
  bootstrap: string;
  pid: number;
  /** Combined log4j + stdout/stderr log of the broker JVM. */
  logFile: string;
}

/** A running broker started by {@link startBroker}. */
export interface BrokerHandle extends BrokerState {
  dataDir: string;
  /** SIGTERM, wait up to 15 s for exit, then SIGKILL; removes broker.json. */
  stop(): Promise<void>;
}

export interface StartBrokerOptions {
  /** Where jars are cached (`<cacheDir>/kafka-3.9.1/lib`); shared between runs. */
  cacheDir: string;
  /** Broker working dir: config, log, broker.json and `logs/` (wiped at every start). */
  dataDir: string;
  /** Interface to bind and advertise; default 127.0.0.1. */
  host?: string;
  /** Max wait, in milliseconds, from spawning the broker JVM until it serves; default 60000. */
  startTimeoutMs?: number;
  /** Called with one-line progress messages (e.g. the slow first jar download). */
  onProgress?: (message: string) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** The last `n` lines of `text`, without ANSI colour codes. */
function tail(text: string, n: number): string {
  const lines = text
    .replace(/\x1b\[[0-9;]*m/g, '')
    .trimEnd()
    .split('\n');
  return lines.slice(-n).join('\n');
}

/** Runs a command to completion; `code` is null when the executable could not be started. */
function run(cmd: string, args: string[], cwd?: string) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => resolve({ code: null, output: String(e) }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

async function requireTool(cmd: string, versionArg: string, what: string): Promise<void> {
  const { code } = await run(cmd, [versionArg]);
  if (code !== 0) {
    throw new BrokerError(`\`${cmd}\` was not found or failed: install ${what} on PATH.`);
  }
}

/** The generated throwaway pom: the three artifacts with their runtime deps, plugin pinned. */
function pomXml(): string {
  const deps = ARTIFACTS.map(
    ([g, a, v]) =>
      `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId>` +
      `<version>${v}</version></dependency>`,
  ).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>qossip.local</groupId><artifactId>kafka-classpath</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId>
    <version>3.8.1</version>
  </plugin></plugins></build>
</project>
`;
}

function classpathOf(libDir: string): string {
  const jars = fs.readdirSync(libDir).filter((f) => f.endsWith('.jar'));
  jars.sort();
  return jars.map((f) => path.join(libDir, f)).join(path.delimiter);
}

/**
 * Resolves Kafka 3.9.1 (Scala 2.13) plus the reload4j logging binding and their transitive
 * runtime deps into `<cacheDir>/kafka-3.9.1/lib/` with Maven, once (a `.resolved` marker makes
 * later calls instant), and returns the Java classpath string.
 */
export async function resolveKafkaClasspath(
  cacheDir: string,
  onProgress?: (message: string) => void,
): Promise<string> {
  const home = path.resolve(cacheDir, `kafka-${KAFKA_VERSION}`);
  const libDir = path.join(home, 'lib');
  const marker = path.join(libDir, '.resolved');
  if (fs.existsSync(marker)) return classpathOf(libDir);

  await requireTool('java', '-version', JAVA);
  await requireTool('mvn', '-v', 'Apache Maven 3.6.3+');
  onProgress?.(`resolving Kafka ${KAFKA_VERSION} jars with Maven into ${libDir} (first run only)`);
  fs.rmSync(libDir, { recursive: true, force: true });
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, 'pom.xml'), pomXml());
  const mvnArgs = '-B -q -ntp -Dstyle.color=never -f pom.xml dependency:copy-dependencies';
  const { code, output } = await run(
    'mvn',
    [...mvnArgs.split(' '), '-DincludeScope=runtime', `-DoutputDirectory=${libDir}`],
    home,
  );
  if (code !== 0 || !fs.existsSync(libDir)) {
    throw new BrokerError(
      `Maven could not resolve the Kafka jars (exit ${code}); its last lines:\n${tail(output, 20)}`,
    );
  }
  fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
  return classpathOf(libDir);
}

/** Path of the state file that {@link startBroker} writes in `dataDir`. */
export const brokerStatePath = (dataDir: string) => path.join(dataDir, 'broker.json');

/** Reads `<dataDir>/broker.json`, or returns undefined when it is missing or unreadable. */
export function readBrokerState(dataDir: string): BrokerState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(brokerStatePath(dataDir), 'utf8')) as BrokerState;
    return typeof s.pid === 'number' && typeof s.bootstrap === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

export function writeBrokerState(dataDir: string, state: BrokerState): void {
  fs.writeFileSync(brokerStatePath(dataDir), `${JSON.stringify(state, null, 2)}\n`);
}

export function removeBrokerState(dataDir: string): void {
  fs.rmSync(brokerStatePath(dataDir), { force: true });
}

/** True when `pid` is a live (non-zombie) process; on Linux it must also be a Kafka JVM. */
export function isBrokerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return false;
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka');
  } catch {
    return process.platform !== 'linux';
  }
}

/** Stops a broker by pid: SIGTERM, wait up to `graceMs` (default 15000 ms), then SIGKILL. */
export async function stopBrokerByPid(pid: number, graceMs = 15_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  if (!isBrokerAlive(pid)) return;
  signal('SIGTERM');
  for (const deadline = Date.now() + graceMs; Date.now() < deadline; await sleep(100)) {
    if (!isBrokerAlive(pid)) return;
  }
  signal('SIGKILL');
  for (let i = 0; i < 50 && isBrokerAlive(pid); i++) await sleep(100);
  if (isBrokerAlive(pid)) throw new BrokerError(`Kafka broker pid ${pid} survived SIGKILL.`);
}

/** A free TCP port on `host`, chosen by the OS. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => (sock.destroy(), resolve(ok));
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** A Kafka cluster id: 16 random bytes, base64url without padding, not starting with '-'. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * Starts a single-node KRaft broker+controller on two free ports of `host`, with fresh storage
 * under `<dataDir>/logs`, and resolves once the port accepts connections and the log says
 * "Kafka Server started". Throws BrokerError (with the log's last 30 lines) on failure/timeout.
 */
export async function startBroker(opts: StartBrokerOptions): Promise<BrokerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const dataDir = path.resolve(opts.dataDir);
  const prev = readBrokerState(dataDir);
  if (prev && isBrokerAlive(prev.pid)) {
    throw new BrokerError(`A Kafka broker already runs at ${prev.bootstrap} (pid ${prev.pid}).`);
  }
  const cp = await resolveKafkaClasspath(opts.cacheDir, opts.onProgress);

  const port = await freePort(host);
  let cport = await freePort(host);
  while (cport === port) cport = await freePort(host);
  fs.rmSync(path.join(dataDir, 'logs'), { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dataDir, 'broker.log');
  const propsFile = path.join(dataDir, 'server.properties');
  const log4jFile = path.join(dataDir, 'log4j.properties');
  const slash = (p: string) => p.split(path.sep).join('/');
  fs.writeFileSync(
    propsFile,
    `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${host}:${cport}
listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${cport}
advertised.listeners=PLAINTEXT://${host}:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${slash(path.join(dataDir, 'logs'))}
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
num.partitions=1
`,
  );
  // reload4j (log4j 1.x) config: all to logFile, which also gets the JVM's stdout/stderr.
  fs.writeFileSync(
    log4jFile,
    `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${slash(logFile)}
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
`,
  );
  fs.writeFileSync(logFile, '');

  const fmt = await run(
    'java',
    ['-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', propsFile],
    dataDir,
  );
  if (fmt.code === null) throw new BrokerError(`\`java\` was not found: install ${JAVA} on PATH.`);
  if (fmt.code !== 0) {
    throw new BrokerError(`Formatting Kafka storage failed:\n${tail(fmt.output, 30)}`);
  }

  return launch(cp, dataDir, host, port, timeoutMs);
}

/**
 * Restarts the broker of `dataDir` on the same ports with the same storage (topics and records
 * survive): stops the running JVM, then starts `kafka.Kafka` again. For fault-injection tests.
 */
export async function restartBroker(opts: StartBrokerOptions): Promise<BrokerHandle> {
  const dataDir = path.resolve(opts.dataDir);
  const prev = readBrokerState(dataDir);
  if (!prev) throw new BrokerError(`No Kafka broker state in ${dataDir} to restart.`);
  await stopBrokerByPid(prev.pid);
  const [host, port] = prev.bootstrap.split(':') as [string, string];
  const cp = await resolveKafkaClasspath(opts.cacheDir, opts.onProgress);
  return launch(cp, dataDir, host, Number(port), opts.startTimeoutMs ?? 60_000);
}

/** Spawns the broker JVM on the config in `dataDir` and waits until it serves. */
async function launch(
  cp: string,
  dataDir: string,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<BrokerHandle> {
  const logFile = path.join(dataDir, 'broker.log');
  const propsFile = path.join(dataDir, 'server.properties');
  const log4jFile = path.join(dataDir, 'log4j.properties');
  const slash = (p: string) => p.split(path.sep).join('/');
  const fd = fs.openSync(logFile, 'a');
  const log4jOpt = `-Dlog4j.configuration=file:${slash(log4jFile)}`;
  const child = spawn(
    'java',
    ['-Xmx512m', '-Djava.awt.headless=true', log4jOpt, '-cp', cp, 'kafka.Kafka', propsFile],
    { cwd: dataDir, detached: true, stdio: ['ignore', fd, fd] },
  );
  fs.closeSync(fd);
  let exited: number | string | null = null;
  child.on('exit', (code, sig) => (exited = code ?? sig ?? 'unknown'));
  child.on('error', (e) => (exited = e.message));
  child.unref();
  const pid = child.pid ?? -1;
  const bootstrap = `${host}:${port}`;
  if (pid > 0) writeBrokerState(dataDir, { bootstrap, pid, logFile });

  const fail = async (why: string): Promise<never> => {
    if (pid > 0) await stopBrokerByPid(pid, 0).catch(() => {});
    removeBrokerState(dataDir);
    throw new BrokerError(
      `${why}; last 30 lines of ${logFile}:\n${tail(fs.readFileSync(logFile, 'utf8'), 30)}`,
    );
  };
  for (const deadline = Date.now() + timeoutMs; ; await sleep(200)) {
    if (exited !== null) return fail(`The Kafka broker exited during startup (${exited})`);
    if (Date.now() > deadline) return fail(`The Kafka broker was not up within ${timeoutMs} ms`);
    const started = fs.readFileSync(logFile, 'utf8').includes('Kafka Server started');
    if (started && (await canConnect(host, port))) break;
  }
  return {
    bootstrap,
    pid,
    logFile,
    dataDir,
    async stop() {
      await stopBrokerByPid(pid);
      removeBrokerState(dataDir);
    },
  };
}
