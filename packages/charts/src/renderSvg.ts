import type { TopLevelSpec } from 'vega-lite';
import { createView } from './vegaModules.js';

/**
 * Renders a Vega-Lite spec (from the builders of this package, or any other) to an SVG document with vega's
 * headless renderer, in Node and in the browser. Text is set in the spec's font (DejaVu Sans for the
 * builders); text widths are vega's estimate, so the SVG is the same on every machine.
 *
 * @example
 * const svg = await renderSvg(lineChart({ title: 'Loss', x: { title: 'epoch' }, y: { title: 'loss' }, series }));
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = await createView(spec, { renderer: 'none', caller: 'renderSvg' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
