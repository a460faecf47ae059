/**
 * `npm run plot -- <run dir>...`: charts (SVG and PNG) and a self-contained report.html from one
 * or several run directories' result files. Reads results only; never reruns the simulator.
 * Several runs are overlaid in one set of charts, written to the first run's directory by default.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hideBin } from 'yargs/helpers';
import { UserError, errnoWords } from '../src/core/errors.ts';
import { cliParser, runCli } from './cli-support.ts';
import { buildCharts } from './plot/charts.ts';
import { fontCheck, renderSvg, svgToPng } from './plot/render.ts';
import { reportHtml, type RenderedChart } from './plot/report.ts';
import { labelRuns, loadRun } from './plot/run-data.ts';

async function main(argv: string[]): Promise<number> {
  const args = await cliParser(argv, 'npm run plot --')
    .command(
      '$0 <runs..>',
      'Plots one or several run directories (overlaid) and writes plots/*.svg, plots/*.png and report.html.',
      (y) =>
        y.positional('runs', {
          type: 'string',
          array: true,
          demandOption: true,
          describe: 'run directories written by npm run experiment',
        }),
    )
    .option('out', {
      type: 'string',
      describe: "output directory (default: the first run's directory)",
    })
    .option('labels', {
      type: 'string',
      describe: 'comma-separated run labels, one per run (default: "<policy> s<seed>")',
    })
    .option('node', {
      type: 'number',
      describe: "PM whose φin heat map is drawn (default: each run's first saved node)",
    })
    .option('png-scale', {
      type: 'number',
      default: 2,
      describe: 'PNG size as a multiple of the SVG size',
    })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
    .parseAsync();

  const dirs = (args.runs as unknown[]).map(String);
  const scale = args['png-scale'];
  if (!(scale > 0 && scale <= 8)) {
    throw new UserError(`--png-scale must be a number above 0 and at most 8, got ${scale}`);
  }
  if (args.node !== undefined && !(Number.isInteger(args.node) && args.node >= 0)) {
    throw new UserError(`--node must be a PM id (an integer ≥ 0), got ${args.node}`);
  }
  const labels = args.labels?.split(',').map((s) => s.trim());
  if (labels?.some((l) => l === '')) throw new UserError(`--labels has an empty label`);

  const t0 = performance.now();
  const runs = labelRuns(dirs.map(loadRun), labels);
  const { charts, notes } = buildCharts(runs, { node: args.node });

  const out = args.out ?? dirs[0]!;
  const plotsDir = join(out, 'plots');
  try {
    mkdirSync(plotsDir, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot create ${plotsDir}: ${errnoWords(e)}`);
  }
  // A chart skipped now may have been drawn by an earlier plot into the same directory.
  const drawn = new Set(charts.map((c) => c.name));
  for (const n of notes.filter((n) => !drawn.has(n.chart))) {
    for (const ext of ['svg', 'png']) rmSync(join(plotsDir, `${n.chart}.${ext}`), { force: true });
  }
  const rendered: RenderedChart[] = [];
  for (const c of charts) {
    const svg = await renderSvg(c.spec);
    const { png } = svgToPng(svg, scale);
    write(join(plotsDir, `${c.name}.svg`), svg);
    write(join(plotsDir, `${c.name}.png`), png);
    rendered.push({ name: c.name, title: c.title, caption: c.caption, svg });
  }
  const report = join(out, 'report.html');
  write(report, reportHtml(runs, rendered, notes, relative(out, plotsDir)));
  const seconds = (performance.now() - t0) / 1000;

  if (!fontCheck()) {
    process.stderr.write(
      'qossip: warning: no system font found, so the PNGs have no text; install one (Debian: apt-get install fonts-dejavu-core)\n',
    );
  }
  if (!args.quiet) {
    for (const n of notes) process.stdout.write(`note: ${n.chart}: ${n.note}\n`);
    process.stdout.write(
      `${charts.length} charts in ${seconds.toFixed(1)} s → ${plotsDir}, ${report}\n`,
    );
  }
  return 0;
}

function write(file: string, data: string | Buffer): void {
  try {
    writeFileSync(file, data);
  } catch (e) {
    throw new UserError(`cannot write ${file}: ${errnoWords(e)}`);
  }
}

runCli(() => main(hideBin(process.argv)));
