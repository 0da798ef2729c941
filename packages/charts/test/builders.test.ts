import { blankImage, fillRect, type RgbaImage, upscale } from '@tiefe/core';
import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import {
  barChart,
  concatCharts,
  confusionMatrixChart,
  heatmapChart,
  imageGridChart,
  lineChart,
  renderSvg,
} from '../src/index.js';

/** The texts of an SVG's `<text>` elements, in document order (the lines of a multi-line text joined by ' | '). */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/g)].map((m) =>
    m[1].includes('<tspan')
      ? [...m[1].matchAll(/<tspan[^>]*?(?:\/>|>([^<]*)<\/tspan>)/g)].map((t) => t[1] ?? '').join(' | ')
      : m[1],
  );
}

describe('lineChart', () => {
  const spec = lineChart({
    title: 'Training curves',
    x: { title: 'epoch' },
    y: { title: 'loss (cross-entropy)' },
    series: [
      {
        name: 'train',
        points: [
          [1, 0.9],
          [2, 0.5],
          [3, 0.3],
        ],
      },
      {
        name: 'validation',
        points: [
          [1, 1.0],
          [2, 0.7],
          [3, 0.6],
        ],
      },
    ],
  });

  test('the SVG has the title, axis titles, integer epoch ticks and a legend entry per series', async () => {
    const t = texts(await renderSvg(spec));
    expect(t).toContain('Training curves');
    expect(t).toContain('epoch');
    expect(t).toContain('loss (cross-entropy)');
    expect(t).toEqual(expect.arrayContaining(['1', '2', '3', 'train', 'validation']));
    expect(t).not.toContain('1.5'); // epochs are whole numbers
    expect(t).toEqual(expect.arrayContaining(['0.4', '0.6', '0.8', '1.0'])); // y ticks over [0.3, 1.0]
  });

  test('each curve passes through its points: x spread over the width, y decreasing in value goes down', async () => {
    const svg = await renderSvg(spec);
    const paths = [...svg.matchAll(/mark-line[^>]*>\s*<path[^>]* d="(M[^"]+)"/g)].map((m) => m[1]);
    expect(paths).toHaveLength(2);
    const coords = paths.map((d) =>
      [...d.matchAll(/[ML]([\d.-]+),([\d.-]+)/g)].map((m) => [Number(m[1]), Number(m[2])]),
    );
    for (const c of coords) expect(c.map(([x]) => x)).toEqual([0, 180, 360]);
    // y pixels grow downwards; the scale is linear over the data: pixel(y) = a - b * y for both curves.
    const [train, val] = coords;
    const b = (train[1][1] - train[0][1]) / (0.9 - 0.5);
    expect(b).toBeGreaterThan(0);
    expect(train[2][1] - train[0][1]).toBeCloseTo(b * (0.9 - 0.3), 3);
    expect(val[1][1] - train[1][1]).toBeCloseTo(-b * (0.7 - 0.5), 3);
  });

  test('a log y scale, the given size, and series names in the given order', () => {
    const s = lineChart({
      title: 'Loss',
      x: { title: 'step' },
      y: { title: 'loss', scale: 'log' },
      series: [
        {
          name: 'z',
          points: [
            [0, 10],
            [1, 0.1],
          ],
        },
        { name: 'a', points: [[0, 1]] },
      ],
      width: 200,
      height: 100,
    }) as unknown as {
      encoding: { y: { scale: { type: string } }; color: { scale: { domain: string[] } } };
      width: number;
      height: number;
    };
    expect(s.encoding.y.scale.type).toBe('log');
    expect(s.encoding.color.scale.domain).toEqual(['z', 'a']);
    expect([s.width, s.height]).toEqual([200, 100]);
  });
});

test('barChart: title, axis titles, labels in order, group legend and printed values', async () => {
  const spec = barChart({
    title: 'Test accuracy',
    x: { title: 'strategy' },
    y: { title: 'accuracy (fraction)' },
    bars: [
      { label: 'naive', value: 0.21, group: 'seed 1' },
      { label: 'naive', value: 0.25, group: 'seed 2' },
      { label: 'replay', value: 0.85, group: 'seed 1' },
      { label: 'replay', value: 0.8, group: 'seed 2' },
    ],
  });
  const t = texts(await renderSvg(spec));
  expect(t).toEqual(expect.arrayContaining(['Test accuracy', 'strategy', 'accuracy (fraction)', 'seed 1', 'seed 2']));
  expect(t.indexOf('naive')).toBeLessThan(t.indexOf('replay'));
  // long labels wrap instead of turning
  const long = barChart({
    ...{ title: 'T', x: { title: 'x' }, y: { title: 'y' } },
    bars: [{ label: 'split class-IL', value: 1 }],
  });
  expect(texts(await renderSvg(long))).toContain('split | class-IL');
  expect(t).toEqual(expect.arrayContaining(['0.21', '0.25', '0.85', '0.8']));
});

test('heatmapChart: a cell per value, printed with the format, row and column labels, colour legend', async () => {
  const spec = heatmapChart({
    title: 'Accuracy matrix',
    x: { title: 'evaluated on task', labels: ['task A', 'task B'] },
    y: { title: 'after training on', labels: ['step 1', 'step 2'] },
    values: [
      [0.991, 0.5],
      [0.6, 0.979],
    ],
    format: '.1%',
    valueTitle: 'accuracy',
  });
  const svg = await renderSvg(spec);
  const t = texts(svg);
  expect(t).toEqual(expect.arrayContaining(['Accuracy matrix', 'evaluated on task', 'after training on', 'accuracy']));
  expect(t).toEqual(expect.arrayContaining(['task A', 'task B', 'step 1', 'step 2']));
  // values[row][column]: each printed in the cell of its row (y) and column (x)
  const at = (text: string) => {
    const m = new RegExp(
      `<text[^>]*transform="translate\\(([\\d.]+),([\\d.]+)\\)"[^>]*>${text.replace('.', '\\.')}</`,
    ).exec(svg);
    return [Number(m?.[1]), Number(m?.[2])];
  };
  const [a, b, c, d] = ['99.1%', '50.0%', '60.0%', '97.9%'].map(at);
  expect(b[0]).toBeGreaterThan(a[0]); // same row, next column
  expect(b[1]).toBe(a[1]);
  expect(c[0]).toBe(a[0]); // next row, same column
  expect(c[1]).toBeGreaterThan(a[1]);
  expect(d).toEqual([b[0], c[1]]);
  const rects = /mark-rect[^>]*>([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
  expect(rects.match(/<path/g)).toHaveLength(4);
});

test('confusionMatrixChart: rows are true classes, normalize divides each row by its sum', async () => {
  const spec = confusionMatrixChart({
    matrix: [
      [8, 2, 0],
      [1, 9, 3],
      [0, 0, 12],
    ],
    classNames: ['cat', 'dog', 'bird'],
    normalize: true,
  });
  const t = texts(await renderSvg(spec));
  expect(t).toEqual(
    expect.arrayContaining(['Confusion matrix', 'predicted class', 'true class', 'cat', 'dog', 'bird']),
  );
  const cells = t.filter((s) => /^\d\.\d\d$/.test(s));
  expect(cells).toEqual(['0.80', '0.20', '0.00', '0.08', '0.69', '0.23', '0.00', '0.00', '1.00']);
  const counts = texts(
    await renderSvg(
      confusionMatrixChart({
        matrix: [
          [3, 1],
          [0, 4],
        ],
      }),
    ),
  );
  expect(counts).toEqual(expect.arrayContaining(['0', '1', '3', '4', 'count']));
});

describe('imageGridChart', () => {
  const digit = blankImage(28, 28, [0, 0, 0]);
  fillRect(digit, { x: 10, y: 4, width: 6, height: 20 }, [255, 255, 255]);
  const heat = blankImage(28, 28, [255, 255, 255]);
  fillRect(heat, { x: 10, y: 4, width: 6, height: 20 }, [220, 30, 30]);

  /** The images of an SVG, decoded from their data URIs, with their placement. */
  function images(svg: string) {
    return [...svg.matchAll(/<image[^>]*>/g)].map((m) => {
      const tag = m[0];
      const attr = (n: string) => new RegExp(`\\s${n}="([^"]+)"`).exec(tag)?.[1];
      const href = /href="data:image\/png;base64,([^"]+)"/.exec(tag)?.[1] ?? '';
      return { png: PNG.sync.read(Buffer.from(href, 'base64')), width: Number(attr('width')), tag };
    });
  }

  test('column and row headers, title, and each image embedded pixel for pixel, enlarged sharply', async () => {
    const spec = imageGridChart({
      title: 'Explanations',
      columnHeaders: ['input', 'LRP', 'SmoothGrad'],
      rowHeaders: ['digit 1', 'digit 7'],
      images: [
        [digit, heat, heat],
        [digit, heat],
      ],
    });
    const svg = await renderSvg(spec);
    expect(texts(svg)).toEqual(
      expect.arrayContaining(['Explanations', 'input', 'LRP', 'SmoothGrad', 'digit 1', 'digit 7']),
    );
    const found = images(svg);
    expect(found).toHaveLength(5);
    // cells of 84 px (28 px enlarged to at least 64): the images enlarged 3 times, not blurred
    const expected: RgbaImage = upscale(digit, 3);
    expect(found[0].png.width).toBe(84);
    expect(Buffer.from(found[0].png.data).equals(Buffer.from(expected.data))).toBe(true);
    expect(Buffer.from(found[1].png.data).equals(Buffer.from(upscale(heat, 3).data))).toBe(true);
    expect(found[0].width).toBe(84);
  });

  test('long headers wrap at spaces, bottom-aligned; a long word widens the cells', async () => {
    const svg = await renderSvg(
      imageGridChart({ columnHeaders: ['input', 'integrated gradients and more'], images: [[digit, heat]] }),
    );
    // 84 + 6 px a column: 12 characters a line
    expect(texts(svg)).toEqual([' |  | input', 'integrated | gradients | and more']);
    const wide = await renderSvg(imageGridChart({ columnHeaders: ['Grad-CAM-plus-plus'], images: [[digit]] }));
    // 18 characters at 7.5 px: a 135 px cell, so 28 px images enlarged 4 times (112 px)
    expect(images(wide)[0].png.width).toBe(112);
    expect(images(wide)[0].width).toBe(135);
  });

  test('without headers: no header texts; cellSize sets the enlargement', async () => {
    const svg = await renderSvg(imageGridChart({ images: [[digit]], cellSize: 56 }));
    expect(texts(svg)).toEqual([]);
    expect(images(svg)[0].png.width).toBe(56);
  });
});

describe('concatCharts', () => {
  const curve = (title: string, name: string) =>
    lineChart({
      title,
      x: { title: 'epoch' },
      y: { title: 'v' },
      series: [
        {
          name,
          points: [
            [1, 1],
            [2, 2],
          ],
        },
      ],
    });

  test('both charts side by side, one legend entry per name when they share series', async () => {
    const svg = await renderSvg(concatCharts([curve('Loss', 'train'), curve('Accuracy', 'train')], { title: 'Run' }));
    const t = texts(svg);
    expect(t).toEqual(expect.arrayContaining(['Run', 'Loss', 'Accuracy']));
    expect(t.filter((s) => s === 'train')).toHaveLength(1);
    const [w] = [Number(/<svg[^>]* width="(\d+)"/.exec(svg)?.[1])];
    expect(w).toBeGreaterThan(2 * 360);
  });

  test('charts of different series keep their own legends', async () => {
    const t = texts(await renderSvg(concatCharts([curve('Loss', 'training'), curve('Dice', 'validation')])));
    expect(t).toEqual(expect.arrayContaining(['training', 'validation']));
    const spec = concatCharts([curve('Loss', 'training'), curve('Dice', 'validation')]) as { resolve?: unknown };
    expect(spec.resolve).toEqual({ scale: { color: 'independent' } });
  });
});

test('heatmapChart: a fixed colour domain', () => {
  const spec = heatmapChart({
    title: 'H',
    x: { title: 'x', labels: ['a'] },
    y: { title: 'y', labels: ['r'] },
    values: [[0.5]],
    domain: [0, 1],
  }) as unknown as { layer: { encoding: { color: { scale?: { domain: number[] }; condition?: { test: string } } } }[] };
  expect(spec.layer[0].encoding.color.scale?.domain).toEqual([0, 1]);
  expect(spec.layer[1].encoding.color.condition?.test).toBe('datum.value > 0.5'); // white text on the darker half
});
