import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@tiefe/core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { barChart, lineChart, renderPng, renderSvg, writeChart } from '../src/index.js';

const spec = lineChart({
  title: 'Validation accuracy',
  x: { title: 'epoch' },
  y: { title: 'accuracy (fraction)' },
  series: [
    {
      name: 'validation',
      points: [
        [1, 0.5],
        [2, 0.8],
        [3, 0.9],
      ],
    },
  ],
});

/** Width and height of an SVG document. */
function svgSize(svg: string): [number, number] {
  const m = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg);
  return [Number(m?.[1]), Number(m?.[2])];
}

/** How many pixels of `png` in the box [x0, x1) x [y0, y1) are dark (text, lines). */
function darkPixels(png: PNG, x0: number, x1: number, y0: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      if (png.data[i] + png.data[i + 1] + png.data[i + 2] < 3 * 128) n++;
    }
  return n;
}

describe('renderPng', () => {
  let svg: string;
  let png: PNG;
  beforeAll(async () => {
    svg = await renderSvg(spec);
    png = PNG.sync.read(Buffer.from(await renderPng(spec, { scale: 2 })));
  });

  test('decodes, at scale times the SVG size, opaque, with lines and text drawn', () => {
    const [w, h] = svgSize(svg);
    expect([png.width, png.height]).toEqual([2 * w, 2 * h]);
    let transparent = 0;
    for (let i = 3; i < png.data.length; i += 4) if (png.data[i] !== 255) transparent++;
    expect(transparent).toBe(0);
    expect(darkPixels(png, 0, png.width, 0, png.height)).toBeGreaterThan(2000);
  });

  test('the title is drawn where the SVG puts it, centred at the top; the corner is empty', () => {
    // centred: at x = w / 2 of the SVG, x = w of a PNG at scale 2; within the top 40 SVG pixels
    const [w] = svgSize(svg);
    const titleBox = darkPixels(png, Math.round(w - 120), Math.round(w + 120), 0, 2 * 40);
    expect(titleBox).toBeGreaterThan(300);
    expect(darkPixels(png, 0, 2 * 20, 0, 2 * 20)).toBe(0);
  });

  test('renders the same bytes every time (fonts from files, estimated text widths)', async () => {
    const again = await renderPng(spec, { scale: 2 });
    expect(Buffer.from(PNG.sync.read(Buffer.from(again)).data).equals(png.data)).toBe(true);
  });

  test('scale 1 gives the SVG size; a bad scale is an InputError', async () => {
    const one = PNG.sync.read(Buffer.from(await renderPng(spec, { scale: 1 })));
    expect([one.width, one.height]).toEqual(svgSize(svg));
    await expect(renderPng(spec, { scale: 0 })).rejects.toThrow(/renderPng: scale: expected a finite number in/);
  });
});

describe('writeChart', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tiefe-charts-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes SVG or PNG by extension, creating folders, leaving no temporary file', async () => {
    const bars = barChart({ title: 'Bars', x: { title: 'k' }, y: { title: 'v' }, bars: [{ label: 'a', value: 1 }] });
    await writeChart(join(dir, 'sub', 'bars.svg'), bars);
    await writeChart(join(dir, 'sub', 'bars.PNG'), bars, { scale: 1 });
    expect((await readdir(join(dir, 'sub'))).sort()).toEqual(['bars.PNG', 'bars.svg']);
    const svg = await readFile(join(dir, 'sub', 'bars.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('>Bars</text>');
    const png = PNG.sync.read(await readFile(join(dir, 'sub', 'bars.PNG')));
    expect([png.width, png.height]).toEqual(svgSize(svg));
  });

  test('another extension or a non-string path is an InputError naming writeChart: path', async () => {
    await expect(writeChart(join(dir, 'chart.jpg'), spec)).rejects.toThrow(InputError);
    await expect(writeChart(join(dir, 'chart.jpg'), spec)).rejects.toThrow(/writeChart: path: expected a file path/);
    await expect(writeChart(42 as unknown as string, spec)).rejects.toThrow(/writeChart: path/);
    expect(await readdir(dir)).toEqual(['sub']);
  });
});

test('renderSvg rejects a spec that is not an object', async () => {
  await expect(renderSvg(null as never)).rejects.toThrow(/renderSvg: spec: expected a Vega-Lite spec object/);
});
