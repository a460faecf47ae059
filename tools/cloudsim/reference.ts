/**
 * `npm run cloudsim:reference`: rebuilds CloudSim 3.0.3's own figures for PlanetLab 20110303, the
 * numbers qossip's `cloudsim` profile is validated against (Beloglazov & Buyya 2012; DESIGN §8).
 * It clones CloudSim from a git mirror into .cache/cloudsim, builds modules/cloudsim and the power
 * examples with javac (commons-math3 3.0, CloudSim's own dependency, from Maven Central), runs each
 * PlanetLab heuristic through QossipPlanetLabRunner.java (CloudSim's PlanetLabRunner with the trace
 * files in CloudSim's listing order, plus a per-step tracer) and writes the summary of every run to
 * experiments/compare/cloudsim-reference/20110303.json, and per-step traces to .cache/cloudsim/traces.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { hideBin } from 'yargs/helpers';
import { UserError } from '../../src/core/errors.ts';
import { cliParser, runCli } from '../../experiments/cli-support.ts';
import {
  CLOUDSIM_HEURISTICS,
  type CloudSimHeuristic,
} from '../../src/policy/centralised/cloudsim-heuristics.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TAG = 'cloudsim-3.0.3';
const DEFAULT_MIRROR = '/work/.mirror/Cloudslab+cloudsim/repo';
const MATH3 = 'commons-math3-3.0.jar';

/** A stored reference run: CloudSim's summary at full precision, plus how it was made. */
export interface ReferenceRun {
  energyKWh: number;
  migrations: number;
  slatah: number;
  pdm: number;
  slav: number;
  /** energyKWh × slav (Beloglazov & Buyya's ESV; CloudSim does not print it). */
  esv: number;
  hostShutdowns: number;
  overallSlaViolation: number;
  averageSlaViolation: number;
  vmsAtEnd: number;
  wallSeconds: number;
}

function run(cmd: string, args: string[], what: string, cwd = ROOT): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new UserError(`cannot run \`${cmd}\` (${r.error.message}): ${what}`);
  if (r.status !== 0) {
    const tail = `${r.stdout}${r.stderr}`.trimEnd().split('\n').slice(-15).join('\n');
    throw new UserError(`\`${cmd} ${args[0]}\` failed (exit ${r.status}) ${what}:\n${tail}`);
  }
  return `${r.stdout}${r.stderr}`;
}

/** Clones the mirror into `src` and checks out the 3.0.3 tag, once; returns its commit. */
function checkout(cache: string, mirror: string): string {
  const src = path.join(cache, 'src');
  if (!fs.existsSync(path.join(src, '.git'))) {
    if (!fs.existsSync(mirror)) {
      throw new UserError(
        `CloudSim's repository is not at ${mirror}: set CLOUDSIM_MIRROR to a clone of it ` +
          "(`git clone https://github.com/Cloudslab/cloudsim`, or the search tool's fetch of github:Cloudslab/cloudsim)",
      );
    }
    fs.rmSync(src, { recursive: true, force: true });
    run('git', ['clone', '-q', mirror, src], `cloning ${mirror}`);
  }
  run('git', ['-C', src, 'checkout', '-q', TAG], `checking out ${TAG}`);
  return run('git', ['-C', src, 'rev-parse', 'HEAD'], 'reading the commit').trim();
}

/** commons-math3 3.0 (CloudSim 3.0.3's pinned version) from Maven Central into `lib`, once. */
function commonsMath(cache: string): string {
  const lib = path.join(cache, 'lib');
  const jar = path.join(lib, MATH3);
  if (fs.existsSync(jar)) return jar;
  fs.mkdirSync(lib, { recursive: true });
  fs.writeFileSync(
    path.join(lib, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>qossip.local</groupId><artifactId>cloudsim-classpath</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies><dependency><groupId>org.apache.commons</groupId>
    <artifactId>commons-math3</artifactId><version>3.0</version></dependency></dependencies>
  <build><plugins><plugin><groupId>org.apache.maven.plugins</groupId>
    <artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin></plugins></build>
</project>
`,
  );
  run(
    'mvn',
    ['-B', '-q', '-ntp', '-f', 'pom.xml', 'dependency:copy-dependencies', `-DoutputDirectory=.`],
    'resolving commons-math3 3.0 from Maven Central (needs Maven and network access)',
    lib,
  );
  return jar;
}

function javaFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.java'))
    .map((f) => path.join(dir, f));
}

/** Compiles CloudSim (once per commit) and qossip's runner (every time); returns the classpath. */
function build(cache: string, commit: string, math3: string): string {
  const classes = path.join(cache, 'classes');
  const marker = path.join(classes, '.commit');
  const src = path.join(cache, 'src', 'modules');
  if (!fs.existsSync(marker) || fs.readFileSync(marker, 'utf8') !== commit) {
    fs.rmSync(classes, { recursive: true, force: true });
    const files = [
      ...javaFiles(path.join(src, 'cloudsim/src/main/java')),
      ...javaFiles(
        path.join(src, 'cloudsim-examples/src/main/java/org/cloudbus/cloudsim/examples/power'),
      ),
    ];
    const list = path.join(cache, 'sources.txt');
    fs.writeFileSync(list, files.join('\n'));
    run(
      'javac',
      ['-nowarn', '-encoding', 'UTF-8', '-d', classes, '-cp', math3, `@${list}`],
      'compiling CloudSim (needs a JDK 17)',
    );
    fs.writeFileSync(marker, commit);
  }
  const tools = path.join(cache, 'tools-classes');
  fs.rmSync(tools, { recursive: true, force: true });
  const cp = [classes, math3].join(path.delimiter);
  run(
    'javac',
    ['-nowarn', '-d', tools, '-cp', cp, ...javaFiles(path.join(ROOT, 'tools/cloudsim'))],
    'compiling tools/cloudsim',
  );
  return [cp, tools].join(path.delimiter);
}

/** One CloudSim run; resolves with its summary (the runner's QOSSIP-RESULT line). */
function runHeuristic(
  cp: string,
  h: CloudSimHeuristic,
  traceDir: string,
  orderFile: string,
  traceCsv: string,
): Promise<ReferenceRun> {
  const args = [
    '-Xmx3g',
    '-cp',
    cp,
    'QossipPlanetLabRunner',
    traceDir,
    orderFile,
    h.detector,
    h.selector,
    String(h.parameter),
    traceCsv,
  ];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let out = '';
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => reject(new UserError(`cannot run java: ${e.message}`)));
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('QOSSIP-RESULT '));
      if (code !== 0 || line === undefined) {
        const tail = out.trimEnd().split('\n').slice(-10).join('\n');
        reject(new UserError(`CloudSim's ${h.name} run failed (exit ${code}):\n${tail}`));
        return;
      }
      const r = JSON.parse(line.slice('QOSSIP-RESULT '.length)) as Omit<
        ReferenceRun,
        'esv' | 'wallSeconds'
      >;
      resolve({ ...r, esv: r.energyKWh * r.slav, wallSeconds: (performance.now() - t0) / 1000 });
    });
  });
}

async function main(argv: string[]): Promise<number> {
  const args = await cliParser(
    argv,
    'npm run cloudsim:reference --',
    "$0 [options]\n\nRuns CloudSim 3.0.3 on PlanetLab 20110303 and stores its figures as qossip's reference.",
  )
    .option('only', {
      type: 'string',
      describe: 'comma-separated heuristics, e.g. thr-mmt,lr-mmt (default: all 20)',
    })
    .option('rs-runs', {
      type: 'number',
      default: 3,
      describe: 'runs of each RS heuristic (CloudSim draws them from an unseeded Random)',
    })
    .option('jobs', {
      type: 'number',
      default: 1,
      describe: 'CloudSim runs at once (each needs ~2 GiB and one core)',
    })
    .option('workload', {
      type: 'string',
      default: path.join(ROOT, '../shared/data/planetlab/20110303'),
      describe: 'the PlanetLab 20110303 trace directory',
    })
    .option('order', {
      type: 'string',
      describe: "CloudSim's file order (default: <workload>.cloudsim-order.txt)",
    })
    .option('out', {
      type: 'string',
      default: path.join(ROOT, 'experiments/compare/cloudsim-reference/20110303.json'),
      describe: 'reference JSON to write (runs merge into it)',
    })
    .parseAsync();

  const names =
    args.only === undefined
      ? CLOUDSIM_HEURISTICS.map((h) => h.name)
      : args.only.split(',').map((s) => s.trim());
  const chosen = names.map((n) => {
    const h = CLOUDSIM_HEURISTICS.find((x) => x.name === n);
    if (!h)
      throw new UserError(
        `--only: unknown heuristic '${n}'; expected some of ${CLOUDSIM_HEURISTICS.map((x) => x.name).join(', ')}`,
      );
    return h;
  });
  if (!Number.isInteger(args['rs-runs']) || args['rs-runs'] < 1)
    throw new UserError(`--rs-runs must be a positive integer, got ${args['rs-runs']}`);
  if (!Number.isInteger(args.jobs) || args.jobs < 1)
    throw new UserError(`--jobs must be a positive integer, got ${args.jobs}`);
  const traceDir = path.resolve(args.workload);
  const orderFile = path.resolve(
    args.order ?? `${traceDir.replace(/[\\/]+$/, '')}.cloudsim-order.txt`,
  );
  for (const [p, what] of [
    [traceDir, 'trace directory'],
    [orderFile, 'order file'],
  ] as const)
    if (!fs.existsSync(p)) throw new UserError(`the PlanetLab ${what} ${p} does not exist`);

  const cache = path.join(ROOT, '.cache/cloudsim');
  const mirror = process.env.CLOUDSIM_MIRROR ?? DEFAULT_MIRROR;
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`CloudSim ${TAG} from ${mirror} into ${cache}`);
  const commit = checkout(cache, mirror);
  const cp = build(cache, commit, commonsMath(cache));
  const javaVersion = run('java', ['-version'], 'reading the Java version').split('\n')[0]!.trim();
  const traces = path.join(cache, 'traces');
  fs.mkdirSync(traces, { recursive: true });

  const out = path.resolve(args.out);
  const stored = fs.existsSync(out)
    ? (JSON.parse(fs.readFileSync(out, 'utf8')) as { heuristics?: Record<string, unknown> })
    : {};
  const heuristics: Record<string, unknown> = { ...(stored.heuristics ?? {}) };
  const save = () => {
    const ordered: Record<string, unknown> = {};
    for (const h of CLOUDSIM_HEURISTICS)
      if (heuristics[h.name]) ordered[h.name] = heuristics[h.name];
    const doc = {
      about:
        "CloudSim 3.0.3's own figures for PlanetLab 20110303 (800 hosts, 1052 VMs, 24 h): its PlanetLab power examples run on this day, trace files in CloudSim's listing order. Rebuilt by the command below; each heuristic's javaCommand is the run itself. RS heuristics: CloudSim's random selection is unseeded, so each was run several times (runs) and every figure is the median over them. wallSeconds is the run's wall time where it was made (with --jobs, runs share the cores).",
      command: 'npm run cloudsim:reference',
      cloudsim: { repository: 'https://github.com/Cloudslab/cloudsim', tag: TAG, commit },
      java: javaVersion,
      day: '20110303',
      heuristics: ordered,
    };
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  };

  const queue = chosen.flatMap((h) =>
    Array.from({ length: h.selector === 'rs' ? args['rs-runs'] : 1 }, (_, i) => ({ h, i })),
  );
  const samples = new Map<string, ReferenceRun[]>();
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const { h, i } = queue[next++]!;
      const csv = path.join(traces, `${h.name}${h.selector === 'rs' ? `-${i + 1}` : ''}.csv`);
      log(`running ${h.runner} (${h.name}${h.selector === 'rs' ? ` #${i + 1}` : ''})…`);
      const r = await runHeuristic(cp, h, traceDir, orderFile, csv);
      log(
        `  ${h.name}: ${r.energyKWh.toFixed(2)} kWh, ${r.migrations} migrations, SLATAH ${(100 * r.slatah).toFixed(2)} %, ${r.wallSeconds.toFixed(1)} s`,
      );
      const list = samples.get(h.name) ?? [];
      list.push(r);
      samples.set(h.name, list);
      const expected = h.selector === 'rs' ? args['rs-runs'] : 1;
      if (list.length === expected) {
        const javaCommand = `java -Xmx3g -cp <cloudsim classes>:${MATH3}:<tools/cloudsim classes> QossipPlanetLabRunner ../shared/data/planetlab/20110303 ../shared/data/planetlab/20110303.cloudsim-order.txt ${h.detector} ${h.selector} ${h.parameter} -`;
        heuristics[h.name] =
          expected === 1
            ? { runner: h.runner, parameter: h.parameter, javaCommand, ...list[0]! }
            : {
                runner: h.runner,
                parameter: h.parameter,
                javaCommand,
                ...medianRun(list),
                runs: list,
              };
        save();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.jobs, queue.length) }, worker));
  log(`wrote ${path.relative(ROOT, out)}; per-step traces in ${path.relative(ROOT, traces)}/`);
  return 0;
}

/** Per metric, the median over runs (RS heuristics, whose CloudSim runs differ). */
function medianRun(runs: readonly ReferenceRun[]): ReferenceRun {
  const med = (k: keyof ReferenceRun) => {
    const xs = runs.map((r) => r[k]).sort((a, b) => a - b);
    const m = xs.length >> 1;
    return xs.length % 2 === 1 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
  };
  const keys = Object.keys(runs[0]!) as (keyof ReferenceRun)[];
  return Object.fromEntries(keys.map((k) => [k, med(k)])) as unknown as ReferenceRun;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename))
  runCli(() => main(hideBin(process.argv)));
