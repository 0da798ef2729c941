import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { conditionalGaussian } from '../src/gaussian.js';
import { predictionDifference } from '../src/index.js';
import { fixWeights, relErr, uniform } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('predictionDifference', () => {
  test('marginal sampling from one reference input equals the hand-computed weight of evidence', async () => {
    const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 3, activation: 'softmax' })] });
    fixWeights(m, 2, 1.5);
    const x = uniform([2, 6], 5, 0, 1);
    const ref = uniform([1, 6], 6, 0, 1);
    const before = tf.memory().numTensors;
    const we = await predictionDifference(m, x, {
      data: ref,
      sampling: 'marginal',
      windowSize: 2,
      samples: 3,
      laplaceN: 100,
      target: [0, 2],
      batchSize: 4,
    });
    expect(tf.memory().numTensors).toBe(before + 1);
    const xs = (await x.array()) as number[][];
    const r = Array.from(await ref.data());
    const prob = (v: number[], c: number) => {
      const t = tf.tensor2d([v]);
      const p = (m.predict(t) as tf.Tensor).dataSync()[c];
      t.dispose();
      return p;
    };
    const lap = (p: number) => (p * 100 + 1) / (100 + 3);
    const lo = (p: number) => Math.log2(lap(p) / (1 - lap(p)));
    const got = (await we.array()) as number[][];
    [0, 2].forEach((c, n) => {
      const full = lo(prob(xs[n], c));
      const perWindow = [0, 1, 2, 3, 4].map(
        (s) =>
          full -
          lo(
            prob(
              xs[n].map((v, i) => (i === s || i === s + 1 ? r[i] : v)),
              c,
            ),
          ),
      );
      const want = xs[n].map((_, i) => {
        const cover = [0, 1, 2, 3, 4].filter((s) => i === s || i === s + 1);
        return cover.reduce((a, s) => a + perWindow[s], 0) / cover.length;
      });
      expect(relErr(got[n], want)).toBeLessThan(1e-4);
    });
    tf.dispose([x, ref, we]);
  });

  test('conditionalGaussian recovers the regression of the window on its ring', () => {
    // x0 = 0.8 x1 - 0.5 x2 + 0.1 noise: conditioning x0 on (x1, x2) gives gain [0.8, -0.5], variance 0.01
    const rng = createRng(1);
    const rows = 20_000;
    const data = new Float32Array(rows * 3);
    for (let r = 0; r < rows; r++) {
      const x1 = rng.normal() + 2;
      const x2 = rng.normal() * 2;
      data.set([0.8 * x1 - 0.5 * x2 + 0.1 * rng.normal() + 1, x1, x2], r * 3);
    }
    const g = conditionalGaussian(data, rows, 3, Int32Array.from([0]), Int32Array.from([1, 2]), 0);
    expect(g.gain[0]).toBeCloseTo(0.8, 2);
    expect(g.gain[1]).toBeCloseTo(-0.5, 2);
    expect(g.offset[0]).toBeCloseTo(1, 1);
    expect(g.chol[0] ** 2).toBeCloseTo(0.01, 3);
  });

  test('conditional sampling reproduces a window that its surroundings determine; marginal does not', async () => {
    // reference images: constant images of random brightness; then the ring fixes the window's value
    const m = tfl.sequential({
      layers: [tfl.layers.flatten({ inputShape: [4, 4, 1] }), tfl.layers.dense({ units: 2, activation: 'softmax' })],
    });
    fixWeights(m, 3, 2);
    const rng = createRng(4);
    const refData = new Float32Array(200 * 16);
    for (let r = 0; r < 200; r++) refData.fill(rng.next(), r * 16, (r + 1) * 16);
    const ref = tf.tensor4d(refData, [200, 4, 4, 1]);
    const x = tf.fill([1, 4, 4, 1], 0.7);
    const cond = await predictionDifference(m, x, {
      data: ref,
      windowSize: 2,
      padding: 1,
      samples: 4,
      ridge: 1e-6,
      target: 0,
    });
    const marg = await predictionDifference(m, x, {
      data: ref,
      windowSize: 2,
      sampling: 'marginal',
      samples: 4,
      target: 0,
    });
    const c = await cond.data();
    const mg = await marg.data();
    expect(Math.max(...Array.from(c, Math.abs))).toBeLessThan(0.02);
    expect(Math.max(...Array.from(mg, Math.abs))).toBeGreaterThan(0.05);
    tf.dispose([ref, x, cond, marg]);
  });

  test('options are checked', async () => {
    const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 2 })] });
    const x = tf.zeros([1, 4]);
    // @ts-expect-error data is required
    await expect(predictionDifference(m, x, {})).rejects.toThrow(
      /predictionDifference: data: expected reference inputs/,
    );
    await expect(predictionDifference(m, x, { data: tf.zeros([3, 5]) })).rejects.toThrow(
      /predictionDifference: data: expected shape \[N,4\]/,
    );
    tf.dispose(x);
  });
});
