/**
 * What the npm scripts run: `node experiments/launch.mjs <entry> [args…]` runs dist/<entry>.js
 * (see build.mjs), rebuilding dist/ first when a source is newer than the last build, so the
 * JavaScript that runs always matches the TypeScript. Plain JavaScript: it runs before any build.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ENTRIES, ROOT, buildDist, staleness } from './build.mjs';

const entry = process.argv[2];
if (!(entry in ENTRIES)) {
  process.stderr.write(`qossip: launch.mjs runs one of ${Object.keys(ENTRIES).join(', ')}\n`);
  process.exit(2);
}
process.argv.splice(2, 1); // the entry sees its own arguments, as if run directly
if (staleness(entry) !== null) {
  try {
    await buildDist();
  } catch (e) {
    process.stderr.write(`qossip: cannot build dist/ from the TypeScript sources: ${e.message}\n`);
    process.exit(1);
  }
}
// Stack traces of internal errors then name the TypeScript source lines, not dist/'s.
process.setSourceMapsEnabled(true);
await import(pathToFileURL(join(ROOT, 'dist', `${entry}.js`)).href);
