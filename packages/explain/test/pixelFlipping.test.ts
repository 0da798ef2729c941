import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { pixelFlipping } from '../src/index.js';
import { fixWeights, uniform } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('pixelFlipping', () => {
  test('on a linear model the curve drops by the flipped contributions w_i x_i, most relevant first', async () => {
    const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 2 })] });
    fixWeights(m, 5);
    const x = uniform([1, 6], 2, 0, 1);
    const w = ((await m.getWeights()[0].array()) as number[][]).map((r) => r[0]);
    const xs = Array.from(await x.data());
    const contrib = xs.map((v, i) => v * w[i]);
    const rel = tf.tensor2d([contrib]);
    const before = tf.memory().numTensors;
    const res = await pixelFlipping(m, x, rel, { perturbation: 'zero', target: 0, steps: 6 });
    expect(tf.memory().numTensors).toBe(before);
    const f0 = (await (m.predict(x) as tf.Tensor).data())[0];
    const order = contrib.map((c, i) => [c, i]).sort((a, b) => b[0] - a[0]);
    const want = [f0];
    for (const [c] of order) want.push(want[want.length - 1] - c);
    res.curve.forEach((v, k) => {
      expect(v).toBeCloseTo(want[k], 5);
    });
    const aopc = want.reduce((s, v) => s + (f0 - v), 0) / 7;
    expect(res.aopc).toBeCloseTo(aopc, 5);
    // MoRF order is the best order for a linear model: the random order scores lower
    const rnd = await pixelFlipping(m, x, 'random', { perturbation: 'zero', target: 0, steps: 6, seed: 3 });
    expect(rnd.curve[0]).toBeCloseTo(f0, 5);
    expect(rnd.curve[6]).toBeCloseTo(want[6], 5); // everything flipped: the same end point
    expect(rnd.aopc).toBeLessThan(res.aopc);
    tf.dispose([x, rel]);
  });

  test('regions of 2 x 2 pixels with uniform noise; the same noise for every ordering', async () => {
    const m = tfl.sequential({
      layers: [tfl.layers.flatten({ inputShape: [4, 4, 1] }), tfl.layers.dense({ units: 2 })],
    });
    fixWeights(m, 1);
    const x = uniform([2, 4, 4, 1], 9, 0, 1);
    const rel = uniform([2, 4, 4, 1], 10);
    const a = await pixelFlipping(m, x, rel, { regionSize: 2, target: [0, 1], seed: 1 });
    const b = await pixelFlipping(m, x, 'random', { regionSize: 2, target: [0, 1], seed: 1 });
    expect(a.curve).toHaveLength(5); // 4 regions
    expect(a.curve[0]).toBeCloseTo(b.curve[0], 6);
    expect(a.curve[4]).toBeCloseTo(b.curve[4], 5); // all regions replaced by the same noise image
    expect(a.aopcPerInput).toHaveLength(2);
    await expect(pixelFlipping(m, x, rel, { regionSize: 2, steps: 5 })).rejects.toThrow(
      /pixelFlipping: steps: expected steps x regionsPerStep <= 4/,
    );
    tf.dispose([x, rel]);
  });
});
