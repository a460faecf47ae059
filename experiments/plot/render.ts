/**
 * Renders a Vega-Lite spec to SVG in Node (vega-lite `compile`, then a headless vega View with
 * renderer 'none') and an SVG to PNG with resvg. resvg draws text only with a system font, so
 * `fontCheck` tells whether PNG labels will show (Debian: apt package fonts-dejavu-core).
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const RESVG_FONT: ResvgRenderOptions['font'] = {
  loadSystemFonts: true,
  defaultFontFamily: 'DejaVu Sans',
  sansSerifFamily: 'DejaVu Sans',
};

export interface Png {
  png: Buffer;
  width: number;
  height: number;
}

/** Rasterises `svg` at `scale` × its own size (2 gives sharp text on high-density screens). */
export function svgToPng(svg: string, scale: number): Png {
  const width = Math.round(svgSize(svg).width * scale);
  const image = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: 'white',
    font: RESVG_FONT,
  }).render();
  return { png: image.asPng(), width: image.width, height: image.height };
}

/** The width and height attributes of an SVG's root element, px. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const attr = (name: string) => Number(new RegExp(`\\s${name}="([\\d.]+)"`).exec(root)?.[1]);
  const width = attr('width');
  const height = attr('height');
  if (!(width > 0 && height > 0)) throw new Error(`SVG without a size: ${root.slice(0, 120)}`);
  return { width, height };
}

let fontFound: boolean | undefined;

/** Whether resvg finds a font: renders a word and looks for ink. Cached. */
export function fontCheck(): boolean {
  if (fontFound === undefined) {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><text x="2" y="15" font-family="sans-serif" font-size="14">Hg</text></svg>';
    const pixels = new Resvg(svg, { font: RESVG_FONT }).render().pixels;
    // Transparent background: any non-zero alpha is a glyph.
    fontFound = pixels.some((v, i) => i % 4 === 3 && v > 0);
  }
  return fontFound;
}
