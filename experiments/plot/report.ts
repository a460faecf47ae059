/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, fonts or network) with a
 * summary table of every run's summary.json and every chart with a caption on how to read it.
 */
import type { ChartNote } from './chart-kit.ts';
import type { LabelledRun } from './run-data.ts';

export interface RenderedChart {
  name: string;
  title: string;
  caption: string;
  svg: string;
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * Prefixes every id in an SVG (and its `url(#…)` and `href="#…"` references): vega numbers its
 * clip paths clip1, clip2… in every SVG, and ids must be unique in one HTML page.
 */
export function namespaceIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

const pct = (x: number) => `${(100 * x).toFixed(3)} %`;

/** Rows of the summary table: a metric name and its value for a run. */
export const SUMMARY_ROWS: readonly [string, (r: LabelledRun) => string][] = [
  ['run directory', (r) => r.dir],
  ['workload', (r) => `${r.config.workload} · ${r.summary.pms} PMs · ${r.summary.steps} steps`],
  ['policy', (r) => `${r.config.policy} (seed ${r.config.seed})`],
  ['energy', (r) => `${r.summary.energyKWh.toFixed(2)} kWh`],
  [
    'active PMs (mean)',
    (r) =>
      `${r.summary.activePmsMean.toFixed(1)} = ${r.summary.activeToLowerBound.toFixed(3)} × lower bound ${r.summary.lowerBoundMean.toFixed(1)}`,
  ],
  ['sleeping PMs (mean)', (r) => r.summary.sleepingPmsMean.toFixed(1)],
  ['migrations', (r) => `${r.summary.migrations}`],
  ['SLATAH', (r) => pct(r.summary.slatah)],
  ['PDM', (r) => pct(r.summary.pdm)],
  ['SLAV', (r) => r.summary.slav.toExponential(3)],
  ['ESV', (r) => r.summary.esv.toExponential(3)],
  ['messages', (r) => `${r.summary.messages}`],
];

const CSS = `
body { font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 2rem auto; max-width: 1400px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.7rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { font-variant-numeric: tabular-nums; }
.caption { max-width: 60rem; color: #444; }
.note { color: #8a4b00; }
figure { margin: 0.5rem 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
nav a { margin-right: 0.8rem; }
`;

export function reportHtml(
  runs: readonly LabelledRun[],
  charts: readonly RenderedChart[],
  notes: readonly ChartNote[],
  plotsHref: string,
): string {
  const e = escapeHtml;
  const head = `<tr><th>metric</th>${runs.map((r) => `<th>${e(r.label)}</th>`).join('')}</tr>`;
  const rows = SUMMARY_ROWS.map(
    ([name, f]) =>
      `<tr><th>${e(name)}</th>${runs.map((r) => `<td class="num">${e(f(r))}</td>`).join('')}</tr>`,
  ).join('\n');
  const truncated = runs.filter((r) => r.summary.truncated === true);
  const drawn = new Set(charts.map((c) => c.name));
  const skipped = notes.filter((n) => !drawn.has(n.chart));
  const notesOf = (name: string) =>
    notes
      .filter((n) => n.chart === name)
      .map((n) => `<p class="note">Note: ${e(n.note)}.</p>`)
      .join('\n');
  const sections = charts.map(
    (c, i) => `<section id="${e(c.name)}">
<h2>${e(c.title)}</h2>
<p class="caption">${e(c.caption)}</p>
${notesOf(c.name)}
<figure>${namespaceIds(c.svg, `c${i}`)}</figure>
<p class="files"><a href="${e(plotsHref)}/${e(c.name)}.png">PNG</a> · <a href="${e(plotsHref)}/${e(c.name)}.svg">SVG</a></p>
</section>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>qossip report: ${e(runs.map((r) => r.label).join(', '))}</title>
<style>${CSS}</style>
</head>
<body>
<h1>qossip report</h1>
<p>${runs.length} run${runs.length === 1 ? '' : 's'}: ${runs.map((r) => `<b>${e(r.label)}</b> (${e(r.dir)})`).join(', ')}.</p>
<h2>Summary</h2>
<table>
${head}
${rows}
</table>
${truncated.map((r) => `<p class="note">Note: ${e(r.label)} was interrupted; its results are partial.</p>`).join('\n')}
${
  skipped.length > 0
    ? `<h2>Charts not drawn</h2>\n<ul>${skipped.map((n) => `<li class="note">${e(n.chart)}: ${e(n.note)}</li>`).join('')}</ul>`
    : ''
}
<nav>${charts.map((c) => `<a href="#${e(c.name)}">${e(c.title)}</a>`).join(' ')}</nav>
${sections.join('\n')}
</body>
</html>
`;
}
