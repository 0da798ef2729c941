import { checkNumber, checkOptions, importNodeOnly, isNode, TiefeError } from '@tiefe/core';
import type { TopLevelSpec } from 'vega-lite';
import { chartFonts } from './fonts.js';
import { renderSvg } from './renderSvg.js';

/** Options of {@link renderPng}. */
export interface RenderPngOptions {
  /** Pixels per SVG unit (default 2: a 400 x 300 chart becomes an 800 x 600 PNG). */
  scale?: number;
}

type Resvg = typeof import('@resvg/resvg-js');

/**
 * Node only: renders a Vega-Lite spec to PNG bytes: {@link renderSvg}, rasterised by resvg (`@resvg/resvg-js`,
 * loaded through core's importNodeOnly) with DejaVu Sans from its font files (see the README), on white.
 *
 * @example
 * const png = await renderPng(spec, { scale: 1 });
 */
export async function renderPng(spec: TopLevelSpec, options: RenderPngOptions = {}): Promise<Uint8Array> {
  const { scale = 2 } = checkOptions('renderPng: options', options);
  const zoom = checkNumber('renderPng: scale', scale, 0.1, 8);
  if (!isNode) throw new TiefeError('renderPng: needs Node (resvg); in a browser use renderSvg or mountChart');
  const svg = await renderSvg(spec);
  const [Resvg, font] = await Promise.all([loadResvg(), chartFonts()]);
  const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: zoom }, font, background: 'white' }).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** resvg's renderer class (a CommonJS package: named export or `default`, depending on the loader). */
async function loadResvg(): Promise<Resvg['Resvg']> {
  const mod = await importNodeOnly<Resvg & { default?: Resvg }>('@resvg/resvg-js');
  return mod.Resvg ?? (mod.default as Resvg).Resvg;
}
