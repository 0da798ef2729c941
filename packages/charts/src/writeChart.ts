import { describeValue, InputError, writeFileAtomic } from '@tiefe/core';
import type { TopLevelSpec } from 'vega-lite';
import { type RenderPngOptions, renderPng } from './renderPng.js';
import { renderSvg } from './renderSvg.js';

/**
 * Node only: renders a spec and writes it to `path`, as SVG (`.svg`) or PNG (`.png`, with {@link renderPng}'s
 * options), atomically (core's writeFileAtomic: a temporary file beside `path`, then renamed), creating missing
 * folders.
 *
 * @example
 * await writeChart('out/curves.png', lineChart({ title, x, y, series }));
 */
export async function writeChart(path: string, spec: TopLevelSpec, options: RenderPngOptions = {}): Promise<void> {
  const format = typeof path === 'string' ? /\.(svg|png)$/i.exec(path)?.[1]?.toLowerCase() : undefined;
  if (format === undefined)
    throw new InputError('writeChart: path', 'a file path ending in .svg or .png', describeValue(path));
  const data = format === 'svg' ? await renderSvg(spec) : await renderPng(spec, options);
  await writeFileAtomic(path, data, 'writeChart');
}
