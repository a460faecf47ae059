// Local single-node Apache Kafka 3.9.1 broker (KRaft, no ZooKeeper) for qossip experiments.
// The broker runs as a detached JVM whose state (bootstrap, pid, log) is kept in
// <dataDir>/broker.json so another process can stop it; its storage and ports are kept in
// <dataDir>/storage.json across stops, so it can start again in place (same ports, same topics).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  OBSERVER_USER,
  clientProperties,
  hasStorage,
  log4jProperties,
  newUsers,
  readLayout,
  scramFormatArgs,
  serverProperties,
  writeLayout,
  type BrokerLayout,
  type BrokerUser,
} from './broker-config.ts';
import { BrokerError, JAVA, resolveKafkaClasspath, runCommand, tail } from './kafka-jars.ts';

export { BrokerError, KAFKA_VERSION, resolveKafkaClasspath } from './kafka-jars.ts';

/** Contents of `<dataDir>/broker.json`. */
export interface BrokerState {
  /** `host:port` of the client listener, for a client's `brokers` list. */
  bootstrap: string;
  pid: number;
  /** Combined log4j + stdout/stderr log of the broker JVM. */
  logFile: string;
  /** A secure broker's SCRAM-SHA-512 users (qossip's own is a super user); absent: no security. */
  users?: { qossip: BrokerUser; observer: BrokerUser };
}

/** A running broker started by {@link startBroker}. */
export interface BrokerHandle extends BrokerState {
  dataDir: string;
  /** SIGTERM, wait up to 15 s for exit, then SIGKILL; removes broker.json (storage stays). */
  stop(): Promise<void>;
}

export interface StartBrokerOptions {
  /** Where jars are cached (`<cacheDir>/kafka-3.9.1/lib`); shared between runs. */
  cacheDir: string;
  /** Broker working dir: config, log, broker.json, storage.json and the storage `logs/`. */
  dataDir: string;
  /** Interface to bind and advertise; default 127.0.0.1. */
  host?: string;
  /** Max wait, in milliseconds, from spawning the broker JVM until it serves; default 60000. */
  startTimeoutMs?: number;
  /** Called with one-line progress messages (e.g. the slow first jar download). */
  onProgress?: (message: string) => void;
  /**
   * Start on the storage and ports `dataDir` already has (topics and records survive); default
   * false: format fresh storage on free ports. Without storage to keep, formats fresh storage.
   */
  keepStorage?: boolean;
  /** SASL/SCRAM-SHA-512 and ACLs (see broker-config.ts); a kept storage keeps its own setting. */
  secure?: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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

/** True when `port` on `host` can be bound now (nobody listens on it). */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
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

/** Path of the console tools' client config of a secure broker (logs in as qossip). */
export const clientPropertiesPath = (dataDir: string) => path.join(dataDir, 'client.properties');

/**
 * Starts a single-node KRaft broker+controller and resolves once its port accepts connections
 * and the log says "Kafka Server started". By default on two free ports of `host` with fresh
 * storage under `<dataDir>/logs`; with `keepStorage`, on the ports and storage `dataDir` has.
 * Throws BrokerError (with the log's last 30 lines) on failure or timeout.
 */
export async function startBroker(opts: StartBrokerOptions): Promise<BrokerHandle> {
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const dataDir = path.resolve(opts.dataDir);
  const prev = readBrokerState(dataDir);
  if (prev && isBrokerAlive(prev.pid)) {
    throw new BrokerError(`A Kafka broker already runs at ${prev.bootstrap} (pid ${prev.pid}).`);
  }
  const cp = await resolveKafkaClasspath(opts.cacheDir, opts.onProgress);
  const kept = opts.keepStorage && hasStorage(dataDir) ? readLayout(dataDir) : undefined;
  if (opts.keepStorage && !kept) {
    opts.onProgress?.(`no broker storage to keep in ${dataDir}: formatting fresh storage`);
  }
  if (kept) {
    if (opts.secure !== undefined && opts.secure !== (kept.secure !== undefined)) {
      throw new BrokerError(
        `the broker storage in ${dataDir} was formatted ${kept.secure ? 'with' : 'without'} --secure; ` +
          `start it ${kept.secure ? 'with' : 'without'} --secure, or without --keep-storage to format it anew`,
      );
    }
    for (const port of [kept.port, kept.controllerPort]) {
      if (!(await portFree(kept.host, port))) {
        throw new BrokerError(
          `port ${port} of the kept broker in ${dataDir} is in use by another process; ` +
            'free it, or start without --keep-storage to format fresh storage on new ports',
        );
      }
    }
    // Rewritten from storage.json, so a config written by an older qossip cannot drift.
    fs.writeFileSync(path.join(dataDir, 'server.properties'), serverProperties(kept, dataDir));
    return launch(cp, dataDir, kept, timeoutMs);
  }
  return launch(cp, dataDir, await formatStorage(cp, dataDir, opts), timeoutMs, true);
}

/** Writes a fresh layout, config and KRaft storage (with SCRAM users when secure) to `dataDir`. */
async function formatStorage(
  cp: string,
  dataDir: string,
  opts: StartBrokerOptions,
): Promise<BrokerLayout> {
  const host = opts.host ?? '127.0.0.1';
  const port = await freePort(host);
  let controllerPort = await freePort(host);
  while (controllerPort === port) controllerPort = await freePort(host);
  fs.rmSync(path.join(dataDir, 'logs'), { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const layout: BrokerLayout = { host, port, controllerPort };
  if (opts.secure) {
    layout.secure = newUsers(dataDir);
    const props = clientPropertiesPath(dataDir);
    fs.writeFileSync(props, clientProperties(layout.secure.qossip), { mode: 0o600 });
  }
  const propsFile = path.join(dataDir, 'server.properties');
  fs.writeFileSync(propsFile, serverProperties(layout, dataDir), { mode: 0o600 });
  const logFile = path.join(dataDir, 'broker.log');
  fs.writeFileSync(path.join(dataDir, 'log4j.properties'), log4jProperties(logFile));
  fs.writeFileSync(logFile, '');
  const fmt = await runCommand(
    'java',
    [
      '-cp',
      cp,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId(),
      '-c',
      propsFile,
      ...scramFormatArgs(layout),
    ],
    dataDir,
  );
  if (fmt.code === null) throw new BrokerError(`\`java\` was not found: install ${JAVA} on PATH.`);
  if (fmt.code !== 0) {
    throw new BrokerError(`Formatting Kafka storage failed:\n${tail(fmt.output, 30)}`);
  }
  writeLayout(dataDir, layout);
  return layout;
}

/**
 * Restarts the broker of `dataDir` on the same ports with the same storage (topics and records
 * survive): stops it if it runs, then starts it again. Throws when `dataDir` has no storage.
 */
export async function restartBroker(opts: StartBrokerOptions): Promise<BrokerHandle> {
  const dataDir = path.resolve(opts.dataDir);
  if (!hasStorage(dataDir)) {
    throw new BrokerError(
      `no Kafka broker storage in ${dataDir} to restart; start one with \`npm run kafka:start\``,
    );
  }
  const prev = readBrokerState(dataDir);
  if (prev) await stopBrokerByPid(prev.pid);
  removeBrokerState(dataDir);
  return startBroker({ ...opts, keepStorage: true });
}

/** Spawns the broker JVM on the config in `dataDir` and waits until it serves. */
async function launch(
  cp: string,
  dataDir: string,
  layout: BrokerLayout,
  timeoutMs: number,
  fresh = false,
): Promise<BrokerHandle> {
  const logFile = path.join(dataDir, 'broker.log');
  const propsFile = path.join(dataDir, 'server.properties');
  const log4jFile = path.join(dataDir, 'log4j.properties');
  const slash = (p: string) => p.split(path.sep).join('/');
  // Only this start's lines count: a kept broker's log already says "Kafka Server started".
  const logStart = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
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
  const { host, port } = layout;
  const bootstrap = `${host}:${port}`;
  const state: BrokerState = {
    bootstrap,
    pid,
    logFile,
    ...(layout.secure ? { users: layout.secure } : {}),
  };
  if (pid > 0) writeBrokerState(dataDir, state);

  const newLog = () => fs.readFileSync(logFile, 'utf8').slice(logStart);
  const fail = async (why: string): Promise<never> => {
    if (pid > 0) await stopBrokerByPid(pid, 0).catch(() => {});
    removeBrokerState(dataDir);
    throw new BrokerError(`${why}; last 30 lines of ${logFile}:\n${tail(newLog(), 30)}`);
  };
  for (const deadline = Date.now() + timeoutMs; ; await sleep(200)) {
    if (exited !== null) return fail(`The Kafka broker exited during startup (${exited})`);
    if (Date.now() > deadline) return fail(`The Kafka broker was not up within ${timeoutMs} ms`);
    const started = newLog().includes('Kafka Server started');
    if (started && (await canConnect(host, port))) break;
  }
  if (fresh && layout.secure) {
    const acl = await grantObserverRead(cp, dataDir, bootstrap);
    if (acl) return fail(`Granting the ${OBSERVER_USER} user read access failed:\n${acl}`);
  }
  return {
    ...state,
    dataDir,
    async stop() {
      await stopBrokerByPid(pid);
      removeBrokerState(dataDir);
    },
  };
}

/**
 * ACLs of a fresh secure broker (kept in its metadata log, so once): the observer may describe
 * and read every qossip topic and use consumer groups named `observer…`; it may not write.
 * Returns the tool's output on failure, else undefined.
 */
async function grantObserverRead(
  cp: string,
  dataDir: string,
  bootstrap: string,
): Promise<string | undefined> {
  const base = ['-cp', cp, 'kafka.admin.AclCommand', '--bootstrap-server', bootstrap];
  const auth = ['--command-config', clientPropertiesPath(dataDir)];
  const grant = [
    '--add',
    '--allow-principal',
    `User:${OBSERVER_USER}`,
    '--operation',
    'Read',
    '--operation',
    'Describe',
    '--resource-pattern-type',
    'prefixed',
  ];
  const resources = ['--topic', 'qossip.', '--group', OBSERVER_USER];
  const r = await runCommand('java', [...base, ...auth, ...grant, ...resources], dataDir);
  if (r.code !== 0) return tail(r.output, 20);
  return undefined;
}
