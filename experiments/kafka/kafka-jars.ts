/**
 * Apache Kafka 3.9.1's jars, resolved once from Maven Central into a cache dir: the broker
 * (`kafka_2.13`), its logging binding, and the console tools (`kafka-tools`: topic listing, the
 * console consumer), so stock tools can read qossip's topics without a Kafka download.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../src/core/errors.ts';

export const KAFKA_VERSION = '3.9.1';
export const JAVA = 'a Java 17+ runtime';
const ARTIFACTS: [group: string, artifact: string, version: string][] = [
  ['org.apache.kafka', 'kafka_2.13', KAFKA_VERSION],
  ['org.apache.kafka', 'kafka-tools', KAFKA_VERSION],
  ['org.slf4j', 'slf4j-reload4j', '1.7.36'],
  ['ch.qos.reload4j', 'reload4j', '1.2.25'],
];
/** What a resolved cache holds; a cache resolved for another list (e.g. before kafka-tools) is redone. */
const MANIFEST = ARTIFACTS.map((a) => a.join(':')).join('\n');

/** A user-facing failure (missing tool, failed resolution or startup): print its message only. */
export class BrokerError extends UserError {}

/** The last `n` lines of `text`, without ANSI colour codes. */
export function tail(text: string, n: number): string {
  const lines = text
    .replace(/\x1b\[[0-9;]*m/g, '')
    .trimEnd()
    .split('\n');
  return lines.slice(-n).join('\n');
}

/** Runs a command to completion; `code` is null when the executable could not be started. */
export function runCommand(cmd: string, args: string[], cwd?: string) {
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
  const { code } = await runCommand(cmd, [versionArg]);
  if (code !== 0) {
    throw new BrokerError(`\`${cmd}\` was not found or failed: install ${what} on PATH.`);
  }
}

/** The generated throwaway pom: the artifacts with their runtime deps, plugin pinned. */
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
 * Resolves the artifacts above and their transitive runtime deps into
 * `<cacheDir>/kafka-3.9.1/lib/` with Maven, once (a `.resolved` manifest makes later calls
 * instant), and returns the Java classpath string.
 */
export async function resolveKafkaClasspath(
  cacheDir: string,
  onProgress?: (message: string) => void,
): Promise<string> {
  const home = path.resolve(cacheDir, `kafka-${KAFKA_VERSION}`);
  const libDir = path.join(home, 'lib');
  const marker = path.join(libDir, '.resolved');
  const resolved = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '';
  if (resolved.startsWith(`${MANIFEST}\n`)) return classpathOf(libDir);

  await requireTool('java', '-version', JAVA);
  await requireTool('mvn', '-v', 'Apache Maven 3.6.3+');
  onProgress?.(`resolving Kafka ${KAFKA_VERSION} jars with Maven into ${libDir} (first run only)`);
  fs.rmSync(libDir, { recursive: true, force: true });
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, 'pom.xml'), pomXml());
  const mvnArgs = '-B -q -ntp -Dstyle.color=never -f pom.xml dependency:copy-dependencies';
  const { code, output } = await runCommand(
    'mvn',
    [...mvnArgs.split(' '), '-DincludeScope=runtime', `-DoutputDirectory=${libDir}`],
    home,
  );
  if (code !== 0 || !fs.existsSync(libDir)) {
    throw new BrokerError(
      `Maven could not resolve the Kafka jars (exit ${code}); its last lines:\n${tail(output, 20)}`,
    );
  }
  fs.writeFileSync(marker, `${MANIFEST}\n${new Date().toISOString()}\n`);
  return classpathOf(libDir);
}
