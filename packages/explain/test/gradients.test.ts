import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { gradientTimesInput, integratedGradients, occlusion, saliency, smoothGrad } from '../src/index.js';
import { fixWeights, relErr, uniform } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

function tanhNet(): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [5], units: 6, activation: 'tanh' }),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  fixWeights(m, 13, 0.8);
  return m;
}

function linearNet(f = 5, c = 3): tfl.LayersModel {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [f], units: c })] });
  fixWeights(m, 4);
  return m;
}

/** Pre-softmax logit of class c for one input, in float64 from the weights (tanhNet). */
function logit64(m: tfl.LayersModel, x: number[], c: number): number {
  const [w1, b1, w2, b2] = m.getWeights().map((t) => Array.from(t.dataSync()));
  const h = Array.from({ length: 6 }, (_, j) => Math.tanh(x.reduce((s, xi, i) => s + xi * w1[i * 6 + j], b1[j])));
  return h.reduce((s, hj, j) => s + hj * w2[j * 3 + c], b2[c]);
}

describe('gradient family', () => {
  test('saliency equals central finite differences of the pre-softmax logit', async () => {
    const m = tanhNet();
    const x = uniform([2, 5], 3);
    const xs = (await x.array()) as number[][];
    const before = tf.memory().numTensors;
    const g = await saliency(m, x, { target: [1, 2], absolute: false });
    const ga = await saliency(m, x, { target: [1, 2] });
    expect(tf.memory().numTensors).toBe(before + 2);
    const got = (await g.array()) as number[][];
    const h = 1e-5;
    [1, 2].forEach((c, n) => {
      const fd = xs[n].map((_, i) => {
        const up = xs[n].map((v, k) => (k === i ? v + h : v));
        const dn = xs[n].map((v, k) => (k === i ? v - h : v));
        return (logit64(m, up, c) - logit64(m, dn, c)) / (2 * h);
      });
      expect(relErr(got[n], fd)).toBeLessThan(1e-4);
    });
    expect(relErr(await ga.data(), (await g.data()).map(Math.abs))).toBe(0);
    tf.dispose([x, g, ga]);
  });

  test('gradient x input and integrated gradients: x * grad, and completeness sum IG = f(x) - f(baseline)', async () => {
    const m = tanhNet();
    const x = uniform([3, 5], 8);
    const xs = (await x.array()) as number[][];
    const gi = await gradientTimesInput(m, x, { target: 0 });
    const g = await saliency(m, x, { target: 0, absolute: false });
    const prod = tf.mul(g, x);
    expect(relErr(await gi.data(), await prod.data())).toBeLessThan(1e-6);
    const before = tf.memory().numTensors;
    const ig = await integratedGradients(m, x, { target: 0, steps: 64, baseline: 0.1, batchSize: 64 });
    const ig2 = await integratedGradients(m, x, { target: 0, steps: 64, baseline: tf.fill([5], 0.1), batchSize: 100 });
    expect(tf.memory().numTensors).toBe(before + 3); // two maps and the fill
    const igSum = tf.sum(ig, 1);
    const sums = (await igSum.array()) as number[];
    igSum.dispose();
    xs.forEach((xi, n) => {
      const want = logit64(m, xi, 0) - logit64(m, new Array(5).fill(0.1), 0);
      expect(Math.abs(sums[n] - want)).toBeLessThan(2e-3 * Math.max(1, Math.abs(want)));
    });
    expect(relErr(await ig.data(), await ig2.data())).toBeLessThan(1e-5);
    tf.dispose([x, gi, g, prod, ig, ig2]);
  });

  test('smoothGrad on a linear model: mean = w, squared = w^2, vargrad = 0; noise 0 gives the gradient', async () => {
    const m = linearNet();
    const w = (await m.getWeights()[0].array()) as number[][];
    const x = uniform([2, 5], 1);
    const col = w.map((r) => r[2]);
    const before = tf.memory().numTensors;
    const mean = await smoothGrad(m, x, { target: 2, samples: 7, noiseLevel: 0.3 });
    const sq = await smoothGrad(m, x, { target: 2, samples: 7, variant: 'squared' });
    const vg = await smoothGrad(m, x, { target: 2, samples: 7, variant: 'vargrad' });
    expect(tf.memory().numTensors).toBe(before + 3);
    const [m0, s0, v0] = [(await mean.array()) as number[][], (await sq.array()) as number[][], await vg.data()];
    expect(relErr(m0[1], col)).toBeLessThan(1e-5);
    expect(
      relErr(
        s0[0],
        col.map((v) => v * v),
      ),
    ).toBeLessThan(1e-5);
    expect(Math.max(...v0)).toBeLessThan(1e-6);
    const t = tanhNet();
    const a = await smoothGrad(t, x, { target: 1, samples: 3, noiseLevel: 0 });
    const b = await saliency(t, x, { target: 1, absolute: false });
    expect(relErr(await a.data(), await b.data())).toBeLessThan(1e-6);
    tf.dispose([x, mean, sq, vg, a, b]);
  });

  test('integrated gradients and smoothGrad explain each input of a batch for its own target', async () => {
    const t = tanhNet();
    const m = linearNet();
    const w = (await m.getWeights()[0].array()) as number[][];
    const x = uniform([3, 5], 9);
    const xs = (await x.array()) as number[][];
    const targets = [0, 2, 1];
    const before = tf.memory().numTensors;
    const ig = await integratedGradients(t, x, { target: targets, steps: 64, batchSize: 128 }); // 2 inputs a chunk
    const sg = await smoothGrad(m, x, { target: targets, samples: 4, noiseLevel: 0.5 });
    expect(tf.memory().numTensors).toBe(before + 2);
    const igSum = tf.sum(ig, 1);
    const sums = (await igSum.array()) as number[];
    xs.forEach((xi, n) => {
      const want = logit64(t, xi, targets[n]) - logit64(t, new Array(5).fill(0), targets[n]);
      expect(Math.abs(sums[n] - want)).toBeLessThan(2e-3 * Math.max(1, Math.abs(want)));
    });
    // A linear model's gradient is its weight column whatever the noise: input n gets column targets[n].
    const rows = (await sg.array()) as number[][];
    for (const [n, row] of rows.entries())
      expect(
        relErr(
          row,
          w.map((r) => r[targets[n]]),
        ),
      ).toBeLessThan(1e-5);
    tf.dispose([x, ig, sg, igSum]);
  });

  test('smoothGrad is seeded and independent of the batch size; noise changes the map', async () => {
    const m = tanhNet();
    const x = uniform([2, 5], 2);
    const a = await smoothGrad(m, x, { samples: 10, seed: 5, batchSize: 4 });
    const b = await smoothGrad(m, x, { samples: 10, seed: 5, batchSize: 64 });
    const c = await smoothGrad(m, x, { samples: 10, seed: 6 });
    const g = await saliency(m, x, { absolute: false });
    expect(relErr(await a.data(), await b.data())).toBeLessThan(1e-6);
    expect(relErr(await a.data(), await c.data())).toBeGreaterThan(1e-3);
    expect(relErr(await a.data(), await g.data())).toBeGreaterThan(1e-3);
    // the mean of the squared gradients is at least the square of the mean (Jensen), the difference is vargrad
    const sq = await smoothGrad(m, x, { samples: 10, seed: 5, variant: 'squared' });
    const vg = await smoothGrad(m, x, { samples: 10, seed: 5, variant: 'vargrad' });
    const diff = tf.sub(sq, tf.square(a));
    expect(relErr(await vg.data(), await diff.data())).toBeLessThan(1e-4);
    expect(Math.min(...(await diff.data()))).toBeGreaterThan(-1e-6);
    tf.dispose([x, a, b, c, g, sq, vg, diff]);
  });

  test('occlusion on a linear model: patch 1 gives w x, larger patches the mean of the covering windows', async () => {
    const m = linearNet(6, 2);
    const w = ((await m.getWeights()[0].array()) as number[][]).map((r) => r[1]);
    const x = uniform([1, 6], 7, 0, 1);
    const xs = Array.from(await x.data());
    const before = tf.memory().numTensors;
    const o1 = await occlusion(m, x, { size: 1, stride: 1, target: 1 });
    const o3 = await occlusion(m, x, { size: 3, stride: 2, target: 1, batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(
      relErr(
        await o1.data(),
        xs.map((v, i) => v * w[i]),
      ),
    ).toBeLessThan(1e-5);
    // windows of 3 with stride 2 over 6 features: starts 0, 2 and (added, to reach the border) 3
    const starts = [0, 2, 3];
    const want = xs.map((_, i) => {
      const cover = starts.filter((s) => i >= s && i < s + 3);
      return cover.reduce((acc, s) => acc + [0, 1, 2].reduce((t, k) => t + w[s + k] * xs[s + k], 0), 0) / cover.length;
    });
    expect(relErr(await o3.data(), want)).toBeLessThan(1e-5);
    tf.dispose([x, o1, o3]);
  });

  test('occlusion on images covers all channels of a pixel', async () => {
    const m = tfl.sequential({
      layers: [tfl.layers.flatten({ inputShape: [4, 4, 2] }), tfl.layers.dense({ units: 2 })],
    });
    fixWeights(m, 9);
    const x = uniform([2, 4, 4, 2], 3, 0, 1);
    const o = await occlusion(m, x, { size: 1, stride: 1, fill: 0.5, target: 0 });
    const w = ((await m.getWeights()[0].array()) as number[][]).map((r) => r[0]);
    const xs = await x.data();
    const got = await o.data();
    for (let n = 0; n < 2; n++) {
      for (let p = 0; p < 16; p++) {
        const d = w[2 * p] * (xs[n * 32 + 2 * p] - 0.5) + w[2 * p + 1] * (xs[n * 32 + 2 * p + 1] - 0.5);
        expect(got[n * 32 + 2 * p]).toBeCloseTo(d, 5);
        expect(got[n * 32 + 2 * p + 1]).toBeCloseTo(d, 5);
      }
    }
    tf.dispose([x, o]);
  });
});
