/**
 * Builds dist/: each command-line entry bundled by esbuild into one ES module, with npm packages
 * left as imports (so kafkajs and TensorFlow.js still load only when used). Plain JavaScript, so
 * that it runs before anything is built: `npm install` runs it (`prepare`), and every npm script
 * that runs a command goes through launch.mjs, which rebuilds first whenever a source is newer
 * than the build; an edited source is never run stale. `node experiments/build.mjs` forces it.
 * Type errors are `npm run lint`'s job (tsc); esbuild only strips the types.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** dist/<name>.js ← its source. `compare` stays on tsx: its worker threads load TypeScript. */
export const ENTRIES = {
  experiment: 'experiments/experiment.ts',
  plot: 'experiments/plot.ts',
  'node-host': 'experiments/node-host.ts',
  'kafka-broker': 'experiments/kafka/broker-cli.ts',
  train: 'experiments/train.ts',
  'dqn-compare': 'experiments/dqn-compare.ts',
  bench: 'experiments/bench.ts',
};

const EXTERNAL = [
  'yargs',
  'yargs/*',
  'kafkajs',
  '@tensorflow/*',
  '@resvg/*',
  'vega',
  'vega-lite',
  'playwright-core',
  'esbuild',
  'tsx',
  'tsx/*',
];
// Bundled CommonJS packages (cli-table3, cli-progress) call require() for Node's modules.
const REQUIRE_SHIM =
  "import { createRequire as __qossipCreateRequire } from 'node:module'; const require = __qossipCreateRequire(import.meta.url);";

/** What a build reads: these folders' TypeScript and this script, plus these files. */
const SOURCE_DIRS = ['src', 'nodes', 'protocols', 'experiments'];
const SOURCE_FILES = ['package.json', 'tsconfig.json'];
const STAMP = 'build.json';

/**
 * The newest modification time (ms) among the sources and their folders (a folder's time
 * changes when a file in it is added, removed or renamed). About 2 ms for this tree.
 */
export function newestSourceMs(root = ROOT) {
  let newest = 0;
  const visit = (dir) => {
    newest = Math.max(newest, statSync(dir).mtimeMs);
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (/\.(ts|mjs)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCE_DIRS) visit(join(root, d));
  for (const f of SOURCE_FILES) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return newest;
}

/** Why dist/ must be rebuilt before running `entry`, or null when it is up to date. */
export function staleness(entry, root = ROOT) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, 'dist', STAMP), 'utf8'));
  } catch {
    return 'dist/ has not been built';
  }
  if (!stamp.entries?.includes(entry)) return `dist/ has no ${entry}`;
  if (newestSourceMs(root) > stamp.sourcesMs) return 'a source changed since the last build';
  return null;
}

/**
 * Bundles every entry into dist/. Each file is written beside its final name and renamed over
 * it, so a command starting meanwhile reads either the old build or the new one, never half.
 */
export async function buildDist(root = ROOT) {
  const sourcesMs = newestSourceMs(root); // before reading: an edit during the build is not missed
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir: 'dist',
    bundle: true,
    // Loaded on demand or native: kafkajs and TensorFlow.js only when a run uses them, resvg's
    // binding, vega for plots; yargs is required at run time (cli-support.ts says why). The
    // small pure-JS packages (zod, cli-table3, …) are bundled: loading zod's hundred-odd
    // modules from node_modules alone took ~0.15 s of a 0.8 s command.
    external: EXTERNAL,
    banner: { js: REQUIRE_SHIM },
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    write: false,
    logLevel: 'silent',
  });
  const dist = join(root, 'dist');
  mkdirSync(dist, { recursive: true });
  const put = (file, contents) => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, contents);
    renameSync(tmp, file);
  };
  for (const f of result.outputFiles) put(f.path, f.contents);
  put(join(dist, STAMP), `${JSON.stringify({ sourcesMs, entries: Object.keys(ENTRIES) })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await buildDist();
  } catch (e) {
    // esbuild's message lists each error as file:line:column.
    process.stderr.write(`qossip: the build failed: ${e.message}\n`);
    process.exit(1);
  }
}
