import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { lime, slic } from '../src/index.js';
import { fixWeights, loadMnist, relErr, uniform } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

/** SLIC's output invariants: every pixel has an id in 0 .. count-1, every id is used, every segment 4-connected. */
function checkInvariants(labels: Int32Array, count: number, h: number, w: number): void {
  expect(labels.length).toBe(h * w);
  const seen = new Set(labels);
  expect(seen.size).toBe(count);
  for (const l of seen) expect(l >= 0 && l < count).toBe(true);
  // 4-connectivity: a flood fill from the first pixel of each segment reaches all of it.
  for (let id = 0; id < count; id++) {
    const members = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === id) members.push(i);
    const reached = new Set([members[0]]);
    const stack = [members[0]];
    while (stack.length) {
      const i = stack.pop() as number;
      const y = Math.floor(i / w);
      const x = i % w;
      for (const [yy, xx] of [
        [y - 1, x],
        [y + 1, x],
        [y, x - 1],
        [y, x + 1],
      ]) {
        const j = yy * w + xx;
        if (yy >= 0 && yy < h && xx >= 0 && xx < w && labels[j] === id && !reached.has(j)) {
          reached.add(j);
          stack.push(j);
        }
      }
    }
    expect(reached.size).toBe(members.length);
  }
}

describe('slic (Achanta et al. 2012)', () => {
  test('two flat regions: no segment crosses the edge (vertical edge off the grid, and a diagonal edge in RGB)', () => {
    const h = 12;
    const w = 16;
    const vertical = Float32Array.from({ length: h * w }, (_, i) => (i % w < 7 ? 0.1 : 0.9));
    const seg = slic(vertical, [h, w, 1], { nSegments: 8 });
    checkInvariants(seg.labels, seg.count, h, w);
    const side = (i: number) => (i % w < 7 ? 0 : 1);
    for (let id = 0; id < seg.count; id++) {
      const sides = new Set<number>();
      seg.labels.forEach((l, i) => {
        if (l === id) sides.add(side(i));
      });
      expect(sides.size).toBe(1);
    }
    // Both sides are split into several segments (about 8 in all).
    expect(seg.count).toBeGreaterThanOrEqual(4);
    expect(seg.count).toBeLessThanOrEqual(16);
    // RGB: two colours either side of the diagonal x = y (3 channels, colour distance over all of them).
    const n = 16;
    const rgb = new Float32Array(n * n * 3);
    const above = (i: number) => (i % n > Math.floor(i / n) ? 1 : 0);
    for (let i = 0; i < n * n; i++) rgb.set(above(i) ? [0.9, 0.2, 0.1] : [0.1, 0.3, 0.8], i * 3);
    const diag = slic(rgb, [n, n, 3], { nSegments: 9, compactness: 0.05 });
    checkInvariants(diag.labels, diag.count, n, n);
    for (let id = 0; id < diag.count; id++) {
      const sides = new Set<number>();
      diag.labels.forEach((l, i) => {
        if (l === id) sides.add(above(i));
      });
      expect(sides.size).toBe(1);
    }
  });

  test('invariants on real digits: connected, about nSegments pieces, none below minSizeFactor, deterministic', async () => {
    const { x } = loadMnist(4);
    const data = await x.data();
    for (let img = 0; img < 4; img++) {
      const px = data.subarray(img * 784, (img + 1) * 784);
      for (const nSegments of [9, 25]) {
        const seg = slic(px, [28, 28, 1], { nSegments });
        checkInvariants(seg.labels, seg.count, 28, 28);
        expect(seg.count).toBeGreaterThanOrEqual(Math.floor(nSegments / 2));
        expect(seg.count).toBeLessThanOrEqual(2 * nSegments);
        const sizes = new Array(seg.count).fill(0);
        for (const l of seg.labels) sizes[l]++;
        expect(Math.min(...sizes)).toBeGreaterThanOrEqual(Math.floor((0.5 * 784) / nSegments));
        expect(slic(px, [28, 28, 1], { nSegments }).labels).toEqual(seg.labels);
      }
    }
    x.dispose();
  });

  test('compactness: large values give grid-like segments of about S x S on noise, small ones follow the values', () => {
    const h = 20;
    const w = 20;
    const noise = uniform([h * w], 3, 0, 1).dataSync();
    const step = Math.sqrt((h * w) / 16); // S = 5
    const extent = (labels: Int32Array, count: number) => {
      let worst = 0;
      for (let id = 0; id < count; id++) {
        const ys: number[] = [];
        const xs: number[] = [];
        labels.forEach((l, i) => {
          if (l === id) {
            ys.push(Math.floor(i / w));
            xs.push(i % w);
          }
        });
        worst = Math.max(worst, Math.max(...ys) - Math.min(...ys) + 1, Math.max(...xs) - Math.min(...xs) + 1);
      }
      return worst;
    };
    const compact = slic(noise, [h, w, 1], { nSegments: 16, compactness: 100 });
    checkInvariants(compact.labels, compact.count, h, w);
    expect(compact.count).toBe(16);
    expect(extent(compact.labels, compact.count)).toBeLessThanOrEqual(step + 1);
    const loose = slic(noise, [h, w, 1], { nSegments: 16, compactness: 0.01 });
    checkInvariants(loose.labels, loose.count, h, w);
    expect(extent(loose.labels, loose.count)).toBeGreaterThan(step + 1);
  });

  test('bad input is refused with typed errors', () => {
    const px = new Float32Array(16);
    expect(() => slic(px, [4, 4, 2])).toThrow(/slic: pixels/);
    expect(() => slic(px, [4, 4] as unknown as [number, number, number])).toThrow(InputError);
    expect(() => slic(px, [4, 4, 1], { nSegments: 0 })).toThrow(/slic: nSegments/);
    expect(() => slic(px, [4, 4, 1], { compactness: -1 })).toThrow(/slic: compactness/);
    expect(() =>
      slic(
        Float32Array.from(px, () => Number.NaN),
        [4, 4, 1],
      ),
    ).toThrow(/finite/);
  });
});

describe('lime on SLIC superpixels', () => {
  test('a linear model: each SLIC segment gets exactly its summed contribution w x (ridge 0)', async () => {
    const m = tfl.sequential({
      layers: [tfl.layers.flatten({ inputShape: [10, 10, 1] }), tfl.layers.dense({ units: 2, useBias: false })],
    });
    fixWeights(m, 11);
    const w = Array.from(m.getWeights()[0].dataSync());
    // Two images with structure: a bright square and a bright bar on noise.
    const noise = uniform([2, 10, 10, 1], 4, 0, 0.2).dataSync();
    const px = Float32Array.from(noise, (v, i) => {
      const [img, y, x] = [Math.floor(i / 100), Math.floor((i % 100) / 10), i % 10];
      return (img === 0 ? y >= 2 && y < 6 && x >= 3 && x < 8 : x >= 6) ? v + 0.8 : v;
    });
    const xt = tf.tensor4d(px, [2, 10, 10, 1]);
    const before = tf.memory().numTensors;
    const r = await lime(m, xt, {
      target: 0,
      superpixels: 'slic',
      slic: { nSegments: 6 },
      samples: 80,
      ridge: 0,
    });
    expect(tf.memory().numTensors).toBe(before + 1);
    const got = await r.data();
    for (let img = 0; img < 2; img++) {
      const seg = slic(px.subarray(img * 100, (img + 1) * 100), [10, 10, 1], { nSegments: 6 });
      expect(seg.count).toBeGreaterThan(2);
      const want = new Float64Array(100);
      for (let id = 0; id < seg.count; id++) {
        let c = 0;
        seg.labels.forEach((l, i) => {
          if (l === id) c += w[i * 2] * px[img * 100 + i];
        });
        seg.labels.forEach((l, i) => {
          if (l === id) want[i] = c;
        });
      }
      expect(relErr(got.subarray(img * 100, (img + 1) * 100), want)).toBeLessThan(1e-3);
    }
    await expect(lime(m, xt, { superpixels: 'tiles' as 'grid' })).rejects.toThrow(/lime: superpixels/);
    await expect(lime(m, xt, { slic: { nSegments: 4 } })).rejects.toThrow(/lime: slic/);
    await expect(lime(m, xt, { superpixels: 'slic', cellSize: 2 })).rejects.toThrow(/lime: cellSize/);
    const flat = tf.zeros([1, 100]);
    const mFlat = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [100], units: 2 })] });
    await expect(lime(mFlat, flat, { superpixels: 'slic' })).rejects.toThrow(/lime: superpixels/);
    tf.dispose([xt, r, flat]);
    m.dispose();
    mFlat.dispose();
  });
});
