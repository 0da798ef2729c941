import * as tf from '@tensorflow/tfjs-core';
import { imageGrid, initBackend, upscale } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { colormap, overlay, renderHeatmap, renderHeatmaps, renderInput, renderTokens } from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const px = (img: { width: number; data: Uint8ClampedArray }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

describe('heatmap rendering', () => {
  test('diverging map: negative blue, zero white, positive red, half way interpolated', async () => {
    expect(colormap('bwr', 0)).toEqual([0, 0, 255]);
    expect(colormap('bwr', 0.5)).toEqual([255, 255, 255]);
    expect(colormap('bwr', 1)).toEqual([255, 0, 0]);
    expect(colormap('gray', 0.2)).toEqual([51, 51, 51]);
    const map = tf.tensor2d([
      [-1, 0],
      [1, 0.5],
    ]);
    const img = await renderHeatmap(map, { scale: 1 });
    expect([img.width, img.height]).toEqual([2, 2]);
    expect(px(img, 0, 0)).toEqual([0, 0, 255, 255]);
    expect(px(img, 1, 0)).toEqual([255, 255, 255, 255]);
    expect(px(img, 0, 1)).toEqual([255, 0, 0, 255]);
    expect(px(img, 1, 1)).toEqual([255, 128, 128, 255]);
    // non-negative maps use the sequential 'hot' map: 0 is black; values beyond the scale saturate
    const hot = await renderHeatmap(tf.tensor3d([[[0], [2]]]), { scale: 1 });
    expect(px(hot, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(px(hot, 1, 0)).toEqual([255, 255, 255, 255]);
    map.dispose();
  });

  test('channels are summed, batches give one image each, inputs render grey', async () => {
    const before = tf.memory().numTensors;
    const maps = tf.tensor4d([1, -1, 0.5, 0.5, -2, 0, 0, 0], [2, 1, 2, 2]);
    const imgs = await renderHeatmaps(maps, { scale: 1, colormap: 'bwr' });
    expect(imgs).toHaveLength(2);
    expect(px(imgs[0], 0, 0)).toEqual([255, 255, 255, 255]); // 1 + -1 = 0
    expect(px(imgs[0], 1, 0)).toEqual([255, 0, 0, 255]); // 0.5 + 0.5 = 1
    expect(px(imgs[1], 0, 0)).toEqual([0, 0, 255, 255]); // -2 saturates
    const inp = await renderInput(tf.tensor4d([0, 0.5, 1, 0.25], [1, 2, 2, 1]));
    expect(px(inp, 1, 0)).toEqual([128, 128, 128, 255]);
    maps.dispose();
    expect(tf.memory().numTensors).toBe(before + 1); // the input tensor above (not ours to dispose)
  });

  test('overlay blends, grids lay out, upscale repeats pixels', () => {
    const a = { width: 1, height: 1, data: new Uint8ClampedArray([200, 100, 0, 255]) };
    const b = { width: 1, height: 1, data: new Uint8ClampedArray([0, 100, 200, 255]) };
    expect(Array.from(overlay(a, b, { alpha: 0.25 }).data)).toEqual([150, 100, 50, 255]);
    const big = upscale(a, 3);
    expect([big.width, big.height]).toEqual([3, 3]);
    expect(px(big, 2, 2)).toEqual([200, 100, 0, 255]);
    const grid = imageGrid([[a, b], [b]], { padding: 1, background: [0, 0, 0, 255] });
    expect([grid.width, grid.height]).toEqual([5, 5]);
    expect(px(grid, 1, 1)).toEqual([200, 100, 0, 255]);
    expect(px(grid, 3, 1)).toEqual([0, 100, 200, 255]);
    expect(px(grid, 1, 3)).toEqual([0, 100, 200, 255]);
    expect(px(grid, 3, 3)).toEqual([0, 0, 0, 255]);
    expect(() => overlay(a, big)).toThrow(/overlay: heat: expected an image of 1 x 1, got 3 x 3/);
  });

  test('tokens as HTML: one escaped span per token, background by score (bwr: -max blue, 0 white, +max red)', () => {
    const html = renderTokens(['good', '<b>', 'bad'], [2, 0, -2]);
    const bg = [...html.matchAll(/background:rgb\((\d+),(\d+),(\d+)\)/g)].map((m) => m.slice(1).map(Number));
    expect(bg).toEqual([
      [255, 0, 0],
      [255, 255, 255],
      [0, 0, 255],
    ]);
    expect(html).toContain('&lt;b&gt;');
    expect(html).not.toContain('<b>');
    const hot = renderTokens(['a', 'b'], [-1, 0.5], { colormap: 'hot' });
    const top = [...hot.matchAll(/background:rgb\((\d+),(\d+),(\d+)\)/g)][0].slice(1).map(Number);
    expect(top).toEqual(colormap('hot', 1)); // |score| / max for sequential maps
    expect(() => renderTokens(['a'], [1, 2])).toThrow(/renderTokens: scores: expected 1 scores/);
  });
});
