/** SVG/PNG rendering (vega + resvg) and the report page, without the CLI. */
import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { buildCharts, sleepingPmsChart } from '../../../experiments/plot/charts.ts';
import { fontCheck, renderSvg, svgSize, svgToPng } from '../../../experiments/plot/render.ts';
import { namespaceIds, reportHtml } from '../../../experiments/plot/report.ts';
import { labelRuns, loadRun } from '../../../experiments/plot/run-data.ts';
import { decodePng, inkedPixels, pngSize } from './png.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const runs = labelRuns([loadRun(join(ROOT, 'test/fixtures/run-small'))]);

describe('render', () => {
  it('renders a chart to an SVG with its title and axis titles', async () => {
    const svg = await renderSvg(sleepingPmsChart(runs).spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Sleeping PMs per step');
    expect(svg).toContain('sleeping PMs (count)');
    expect(svg).toContain('step (300 s each)');
  });

  it.each(['reward-histogram', 'reward-means', 'reward-boxplot'])(
    '%s: senders (φout) come before recipients (φin)',
    async (name) => {
      const svg = await renderSvg(buildCharts(runs).charts.find((c) => c.name === name)!.spec);
      // vega lays out facet headers and axis labels in document order, left to right.
      const at = (label: string) => svg.indexOf(`>${label}</text>`);
      expect(at('senders (φout)')).toBeGreaterThan(0);
      expect(at('senders (φout)')).toBeLessThan(at('recipients (φin)'));
    },
  );

  it.each([1, 1.25, 2])('rasterises at %d × the SVG size, with ink', async (scale) => {
    const svg = await renderSvg(sleepingPmsChart(runs).spec);
    const { width, height } = svgSize(svg);
    const out = svgToPng(svg, scale);
    expect(pngSize(out.png)).toEqual({ width: out.width, height: out.height });
    expect(out.width).toBe(Math.round(width * scale));
    expect(Math.abs(out.height - height * scale)).toBeLessThanOrEqual(1);
    expect(inkedPixels(decodePng(out.png).rgba)).toBeGreaterThan(1000);
  });

  it('finds a system font, so PNG labels are drawn (Debian: fonts-dejavu-core)', () => {
    expect(fontCheck()).toBe(true);
    const text = (s: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">${s}</svg>`;
    const ink = (s: string) => inkedPixels(decodePng(svgToPng(text(s), 1).png).rgba);
    expect(ink('')).toBe(0);
    expect(
      ink(
        '<text x="4" y="28" font-family="DejaVu Sans, sans-serif" font-size="20">step (s)</text>',
      ),
    ).toBeGreaterThan(100);
  });

  it('reads the size of an SVG root element and rejects one without', () => {
    expect(svgSize('<svg xmlns="x" width="704.5" height="314"><g/></svg>')).toEqual({
      width: 704.5,
      height: 314,
    });
    expect(() => svgSize('<svg><g/></svg>')).toThrow(/without a size/);
  });
});

describe('report', () => {
  it('makes the ids of inlined SVGs unique and rewrites their references', () => {
    const svg =
      '<svg><clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"/><use href="#clip1"/></svg>';
    expect(namespaceIds(svg, 'c7')).toBe(
      '<svg><clipPath id="c7-clip1"><rect/></clipPath><g clip-path="url(#c7-clip1)"/><use href="#c7-clip1"/></svg>',
    );
  });

  it('has the summary figures, every chart inline, the notes, and escapes labels', async () => {
    const run = { ...runs[0]!, label: '<b>mine</b> & co' };
    const { charts } = buildCharts([run]);
    const rendered = await Promise.all(
      charts.slice(0, 2).map(async (c) => ({ ...c, svg: await renderSvg(c.spec) })),
    );
    const html = reportHtml(
      [run],
      rendered,
      [
        { chart: 'phi-in', note: 'mine: no saved φin table' },
        { chart: 'sleeping-pms', note: 'a note under the chart' },
      ],
      'plots',
    );
    expect(html).toContain('&lt;b&gt;mine&lt;/b&gt; &amp; co');
    expect(html).not.toContain('<b>mine</b>');
    expect(html).toContain(`${run.summary.energyKWh.toFixed(2)} kWh`);
    expect(html).toContain(
      `${run.summary.activePmsMean.toFixed(1)} = ${run.summary.activeToLowerBound.toFixed(3)} × lower bound`,
    );
    expect(html.match(/<svg\b/g)).toHaveLength(2);
    expect(html).toMatch(/Charts not drawn[\s\S]*phi-in: mine: no saved φin table/);
    expect(html).toMatch(/id="sleeping-pms"[\s\S]*Note: a note under the chart[\s\S]*<figure>/);
    expect(html).toContain('href="plots/sleeping-pms.png"');
    // Self-contained: nothing to fetch.
    expect(html).not.toMatch(/<script|<link|@import|src=|url\(http/i);
  });
});
