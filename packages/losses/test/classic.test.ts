import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  binaryCrossentropy,
  categoricalCrossentropy,
  combineLosses,
  diceLoss,
  focalLoss,
  hinge,
  kullbackLeiblerDivergence,
  meanAbsoluteError,
  meanSquaredError,
  sparseCategoricalCrossentropy,
  squaredHinge,
  weightedMeanSquaredError,
} from '../src/index.js';
import { expectNoLeak, softmaxRow, value } from './helpers/reference.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const t = (v: number[], s: number[], d: 'float32' | 'int32' = 'float32') => tf.tensor(v, s, d);

describe('regression losses (hand values, atol 1e-6)', () => {
  test('MSE, MAE and weighted MSE', async () => {
    const y = t([1, 2, 3, 4, 5, 6], [2, 3]);
    const p = t([1.5, 2, 2, 4, 7, 5], [2, 3]);
    // errors: [-0.5, 0, 1, 0, -2, 1]
    expect(value(meanSquaredError(), y, p)).toBeCloseTo((0.25 + 0 + 1 + 0 + 4 + 1) / 6, 6);
    expect(value(meanAbsoluteError(), y, p)).toBeCloseTo((0.5 + 0 + 1 + 0 + 2 + 1) / 6, 6);
    // Output weights [1, 2, 0.5]: sample 0: (0.25 + 0 + 0.5) / 3 = 0.25; sample 1: (0 + 8 + 0.5) / 3.
    const w = weightedMeanSquaredError({ outputWeights: [1, 2, 0.5] });
    expect(value(w, y, p)).toBeCloseTo((0.25 + 8.5 / 3) / 2, 6);
    // Sample weights [2, 0.5].
    const s = t([2, 0.5], [2]);
    const v = await expectNoLeak(() => {
      const l = w(y, p, s);
      const out = l.dataSync()[0];
      l.dispose();
      return out;
    });
    expect(v).toBeCloseTo((2 * 0.25 + 0.5 * (8.5 / 3)) / 2, 6);
    tf.dispose([y, p, s]);
  });
});

describe('classification losses (hand values, atol 1e-6)', () => {
  test('binary cross-entropy: probabilities, logits, label smoothing', () => {
    const y = t([1, 0, 1, 0], [2, 2]);
    const p = t([0.9, 0.2, 0.6, 0.1], [2, 2]);
    const want = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.6) + Math.log(0.9)) / 4;
    expect(value(binaryCrossentropy(), y, p)).toBeCloseTo(want, 6);
    const x = t([2, -1, 0.5, -3], [2, 2]);
    const sp = (v: number) => Math.log1p(Math.exp(v)); // softplus
    expect(value(binaryCrossentropy({ fromLogits: true }), y, x)).toBeCloseTo(
      (sp(-2) + sp(-1) + sp(-0.5) + sp(-3)) / 4,
      6,
    );
    // Smoothing 0.2: targets 0.9 / 0.1.
    const ls = [0.9, 0.1, 0.9, 0.1];
    const pv = [0.9, 0.2, 0.6, 0.1];
    const wantLs = -ls.reduce((a, yi, i) => a + yi * Math.log(pv[i]) + (1 - yi) * Math.log(1 - pv[i]), 0) / 4;
    expect(value(binaryCrossentropy({ labelSmoothing: 0.2 }), y, p)).toBeCloseTo(wantLs, 6);
    tf.dispose([y, p, x]);
  });

  test('categorical and sparse categorical cross-entropy, ignoreIndex, class weights, smoothing', () => {
    const logits = [
      [1, 2, 0.5],
      [0, -1, 3],
      [2, 2, 2],
      [0.3, 0.1, -0.4],
    ];
    const ids = [1, 2, 0, 255];
    const p = logits.map(softmaxRow);
    const x = t(logits.flat(), [4, 3]);
    const probs = t(p.flat(), [4, 3]);
    const y = t(ids, [4], 'int32');
    const oneHot = t([0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1], [4, 3]);
    const all = -(Math.log(p[0][1]) + Math.log(p[1][2]) + Math.log(p[2][0]) + Math.log(p[3][2])) / 4;
    expect(value(categoricalCrossentropy(), oneHot, probs)).toBeCloseTo(all, 6);
    expect(value(categoricalCrossentropy({ fromLogits: true }), oneHot, x)).toBeCloseTo(all, 6);
    const three = -(Math.log(p[0][1]) + Math.log(p[1][2]) + Math.log(p[2][0])) / 3;
    expect(value(sparseCategoricalCrossentropy({ ignoreIndex: 255 }), y, probs)).toBeCloseTo(three, 6);
    expect(value(sparseCategoricalCrossentropy({ ignoreIndex: 255, fromLogits: true }), y, x)).toBeCloseTo(three, 6);
    // Class weights [1, 2, 3]: (2 l0 + 3 l1 + 1 l2) / 6 (PyTorch's weighted mean).
    const wl = -(2 * Math.log(p[0][1]) + 3 * Math.log(p[1][2]) + Math.log(p[2][0])) / 6;
    expect(value(sparseCategoricalCrossentropy({ ignoreIndex: 255, classWeights: [1, 2, 3] }), y, probs)).toBeCloseTo(
      wl,
      6,
    );
    // Label smoothing 0.3 over 3 classes: targets 0.8 / 0.1 / 0.1.
    const ls =
      -p.reduce((a, row, i) => {
        const id = [1, 2, 0, 2][i];
        return a + row.reduce((b, v, k) => b + (k === id ? 0.8 : 0.1) * Math.log(v), 0);
      }, 0) / 4;
    expect(value(categoricalCrossentropy({ labelSmoothing: 0.3 }), oneHot, probs)).toBeCloseTo(ls, 5);
    // Per-pixel cross-entropy on an NHWC batch with ids of shape [N, H, W, 1].
    const img = t(p.flat(), [1, 2, 2, 3]);
    const imgIds = t([1, 2, 0, 2], [1, 2, 2, 1], 'int32');
    expect(value(sparseCategoricalCrossentropy(), imgIds, img)).toBeCloseTo(all, 6);
    // All samples ignored: 0, not NaN.
    const none = t([255, 255, 255, 255], [4], 'int32');
    expect(value(sparseCategoricalCrossentropy({ ignoreIndex: 255 }), none, probs)).toBe(0);
    tf.dispose([x, probs, y, oneHot, img, imgIds, none]);
  });

  test('hinge and squared hinge map {0, 1} labels to {-1, 1}', () => {
    const p = t([0.3, -0.8, 2, -0.2], [2, 2]);
    // labels [1, 0, 0, 1] -> [1, -1, -1, 1]: margins 1 - y p = [0.7, 0.2, 3, 1.2]
    for (const labels of [
      [1, 0, 0, 1],
      [1, -1, -1, 1],
    ]) {
      const y = t(labels, [2, 2]);
      expect(value(hinge(), y, p)).toBeCloseTo((0.7 + 0.2 + 3 + 1.2) / 4, 6);
      expect(value(squaredHinge(), y, p)).toBeCloseTo((0.49 + 0.04 + 9 + 1.44) / 4, 6);
      y.dispose();
    }
    p.dispose();
  });

  test('Kullback-Leibler divergence', () => {
    const y = t([0.5, 0.5, 0, 1, 0.2, 0.8], [3, 2]);
    const p = t([0.4, 0.6, 0.5, 0.5, 0.2, 0.8], [3, 2]);
    const eps = 1e-7;
    const kl = (a: number[], b: number[]) =>
      a.reduce((s, ai, i) => s + Math.max(ai, eps) * Math.log(Math.max(ai, eps) / Math.max(b[i], eps)), 0);
    const want = (kl([0.5, 0.5], [0.4, 0.6]) + kl([0, 1], [0.5, 0.5]) + kl([0.2, 0.8], [0.2, 0.8])) / 3;
    expect(value(kullbackLeiblerDivergence(), y, p)).toBeCloseTo(want, 6);
    tf.dispose([y, p]);
  });
});

describe('combineLosses', () => {
  test('weighted sum and name', () => {
    const p = tf.tensor4d([0.9, 0.2, 0.6, 0.1], [1, 2, 2, 1]);
    const g = tf.tensor4d([1, 0, 1, 0], [1, 2, 2, 1]);
    const dice = diceLoss();
    const focal = focalLoss();
    const bce = binaryCrossentropy();
    const c = combineLosses([{ loss: dice }, { loss: bce, weight: 0.5 }, { loss: focal, weight: 2 }]);
    expect(c.name).toBe('diceLoss+0.5*binaryCrossentropy+2*focalLoss');
    expect(value(c, g, p)).toBeCloseTo(value(dice, g, p) + 0.5 * value(bce, g, p) + 2 * value(focal, g, p), 6);
    expect(() => combineLosses([])).toThrow(/non-empty array/);
    tf.dispose([p, g]);
  });
});
