/**
 * The plot CLI as a user meets it: charts and report.html from the fixture runs, overlays with a
 * legend, the report in real headless Chromium, and one-sentence errors for bad run directories.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runScript } from '../helpers/fixtures.ts';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../helpers/chromium.ts';
import { decodePng, distinctColours, inkedPixels, pngSize } from '../unit/plot/png.ts';

const SMALL = join(ROOT, 'test/fixtures/run-small');
const SMALL_B = join(ROOT, 'test/fixtures/run-small-b');

const CHARTS: Record<string, string> = {
  'sleeping-pms': 'Sleeping PMs per step',
  'active-pms': 'Active PMs per step',
  'node-sleep-counts': 'Sleep count per PM',
  migrations: 'Migrations per step',
  'migrations-cumulative': 'Cumulative migrations',
  energy: 'Energy per step',
  'energy-cumulative': 'Cumulative energy',
  sla: 'SLA violation terms per step',
  'reward-means': 'Mean reward per step',
  'phi-in': 'φin accept map',
  'reward-histogram': 'Reward distribution',
  'reward-boxplot': 'Reward box plot',
};

const plot = (...args: string[]) => runScript('experiments/plot.ts', ...args);

const tmp = () => mkdtempSync(join(tmpdir(), 'qossip-plot-'));

function svgWidthHeight(svg: string): [number, number] {
  const root = /<svg\b[^>]*>/.exec(svg)![0];
  return [
    Number(/\swidth="([\d.]+)"/.exec(root)![1]),
    Number(/\sheight="([\d.]+)"/.exec(root)![1]),
  ];
}

describe('plot CLI on one run', () => {
  let out = '';
  let r: ReturnType<typeof plot>;
  beforeAll(() => {
    out = join(tmp(), 'out');
    r = plot(SMALL, '--out', out, '--png-scale', '1.5');
  });

  it('exits 0 and prints the chart count, time and output paths', () => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^12 charts in \\d+\\.\\d s → ${out}/plots, ${out}/report\\.html\\n$`),
    );
  });

  it.each(Object.entries(CHARTS))(
    'writes %s as a titled SVG and a PNG of the right size',
    (name, title) => {
      const svg = readFileSync(join(out, 'plots', `${name}.svg`), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect(svg).toContain(`>${title}</text>`);
      const [w, h] = svgWidthHeight(svg);
      const png = readFileSync(join(out, 'plots', `${name}.png`));
      const size = pngSize(png);
      expect(size.width).toBe(Math.round(w * 1.5));
      expect(Math.abs(size.height - h * 1.5)).toBeLessThanOrEqual(1);
      expect(inkedPixels(decodePng(png).rgba)).toBeGreaterThan(2000);
    },
  );

  it('writes nothing else into plots/', () => {
    expect(readdirSync(join(out, 'plots')).sort()).toEqual(
      Object.keys(CHARTS)
        .flatMap((n) => [`${n}.png`, `${n}.svg`])
        .sort(),
    );
  });

  it('writes a self-contained report with every chart inline', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg\b/g)).toHaveLength(Object.keys(CHARTS).length);
    expect(html).not.toMatch(/<script|<link|@import|src=|url\(http/i);
    expect(html).toContain('qlearning s3');
  });
});

describe('plot CLI on several runs', () => {
  it('overlays two runs with a legend naming both, in the first run’s directory by default', () => {
    const dir = tmp();
    const a = join(dir, 'a');
    cpSync(SMALL, a, { recursive: true });
    const r = plot(a, SMALL_B);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const name of ['sleeping-pms', 'active-pms', 'energy', 'reward-boxplot']) {
      const svg = readFileSync(join(a, 'plots', `${name}.svg`), 'utf8');
      expect(svg, name).toContain('>run</text>');
      expect(svg, name).toContain('>qlearning s3</text>');
      expect(svg, name).toContain('>qlearning s4</text>');
    }
    expect(existsSync(join(a, 'report.html'))).toBe(true);
    expect(existsSync(join(SMALL_B, 'plots'))).toBe(false);
  });

  it('uses --labels, and a single run has no run legend', () => {
    const out = tmp();
    expect(plot(SMALL, SMALL_B, '--labels', 'fast,slow', '--out', out).code).toBe(0);
    const svg = readFileSync(join(out, 'plots', 'sleeping-pms.svg'), 'utf8');
    expect(svg).toContain('>fast</text>');
    expect(svg).toContain('>slow</text>');
    const single = tmp();
    expect(plot(SMALL, '--out', single).code).toBe(0);
    expect(readFileSync(join(single, 'plots', 'sleeping-pms.svg'), 'utf8')).not.toContain(
      '>run</text>',
    );
  });
});

describe('plot CLI on a run without Q-tables', () => {
  it('skips the heat map with a note, and removes one left by an earlier plot', () => {
    const dir = join(tmp(), 'run');
    cpSync(SMALL, dir, { recursive: true });
    expect(plot(dir).code).toBe(0);
    expect(existsSync(join(dir, 'plots', 'phi-in.svg'))).toBe(true);
    rmSync(join(dir, 'qtables'), { recursive: true });
    const r = plot(dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^note: phi-in: qlearning s3: no saved φin table .*\n11 charts in /);
    expect(existsSync(join(dir, 'plots', 'phi-in.svg'))).toBe(false);
    expect(existsSync(join(dir, 'plots', 'phi-in.png'))).toBe(false);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/Charts not drawn[\s\S]*phi-in: qlearning s3: no saved φin table/);
    expect(html.match(/<svg\b/g)).toHaveLength(11);
  });
});

describe('report.html in headless Chromium', () => {
  it('renders offline with no console errors, every chart drawn, and a non-blank screenshot', async () => {
    const out = tmp();
    const dir = join(out, 'a');
    cpSync(SMALL, dir, { recursive: true });
    expect(plot(dir, SMALL_B, '--out', out).code).toBe(0);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
      page.on('request', (q) => {
        if (!q.url().startsWith('file:')) problems.push(`network: ${q.url()}`);
      });
      await page.goto(pathToFileURL(join(out, 'report.html')).href);
      expect(problems).toEqual([]);
      expect(await page.locator('figure > svg').count()).toBe(Object.keys(CHARTS).length);
      // Every chart is laid out with a real size and its title is visible text.
      const boxes = await page
        .locator('figure > svg')
        .evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().width));
      expect(boxes.every((w) => w > 200)).toBe(true);
      for (const title of Object.values(CHARTS)) {
        await expect(page.locator('h2', { hasText: title }).count()).resolves.toBe(1);
      }
      await page.locator('#sleeping-pms figure').scrollIntoViewIfNeeded();
      const shot = await page.screenshot({ fullPage: false });
      const { rgba } = decodePng(shot);
      expect(distinctColours(rgba)).toBeGreaterThan(20);
      expect(inkedPixels(rgba)).toBeGreaterThan(10_000);
      writeFileSync(join(out, 'screenshot.png'), shot);
    } finally {
      await browser.close();
    }
  });
});

describe('plot CLI errors', () => {
  /** A damaged copy of the fixture run. */
  function damaged(damage: (dir: string) => void): string {
    const dir = join(tmp(), 'run');
    cpSync(SMALL, dir, { recursive: true });
    damage(dir);
    return dir;
  }

  it.each<[string, () => string[], RegExp]>([
    [
      'a missing run directory',
      () => ['/nonexistent/run'],
      /^qossip: run directory \/nonexistent\/run does not exist\n$/,
    ],
    [
      'a directory without steps.csv',
      () => [tmp()],
      /^qossip: \/.*\/steps\.csv is missing; is \/.* a run directory\?\n$/,
    ],
    [
      'a non-numeric cell',
      () => [
        damaged((d) => {
          const lines = readFileSync(join(d, 'steps.csv'), 'utf8').split('\n');
          lines[3] = lines[3]!.replace(/,[^,]+$/, ',abc');
          writeFileSync(join(d, 'steps.csv'), lines.join('\n'));
        }),
      ],
      /^qossip: \/.*\/steps\.csv:4: reward_in_count is 'abc', not a number\n$/,
    ],
    [
      'a wrong header',
      () => [damaged((d) => writeFileSync(join(d, 'nodes.csv'), 'id,sleeps\n0,1\n'))],
      /^qossip: \/.*\/nodes\.csv:1: header has no column 'node' \(got 'id,sleeps'\)\n$/,
    ],
    [
      'an unknown --node',
      () => [SMALL, '--node', '77', '--out', tmp()],
      /^qossip: node 77 has no saved Q-tables in .*index\.json; available: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, …\n$/,
    ],
    [
      'too few --labels',
      () => [SMALL, SMALL_B, '--labels', 'x'],
      /^qossip: --labels has 1 label for 2 runs\n$/,
    ],
    [
      'no run directory',
      () => [],
      /^qossip: Not enough non-option arguments: got 0, need at least 1 \(see --help\)\n$/,
    ],
    ['an unknown flag', () => [SMALL, '--colour', 'red'], /^qossip: Unknown arguments?: colour/],
  ])('%s: exit 1 and one line, no stack trace', (_what, args, expected) => {
    const r = plot(...args());
    expect(r.stderr).toMatch(expected);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(1);
  });
});
