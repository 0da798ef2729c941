import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { focalLoss } from '../src/index.js';
import { multiclassBatch } from './helpers/fixtures.js';
import { rand, sigmoid, value } from './helpers/reference.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('focalLoss (Lin et al. 2017), float32 atol 1e-6', () => {
  test('binary: hand values with alpha 0.25, gamma 2', () => {
    // p = [0.9, 0.2, 0.6, 0.1], g = [1, 0, 1, 0]:
    // g=1, p=0.9: -0.25 * 0.1^2 * ln 0.9; g=0, p=0.2: -0.75 * 0.2^2 * ln 0.8;
    // g=1, p=0.6: -0.25 * 0.4^2 * ln 0.6; g=0, p=0.1: -0.75 * 0.1^2 * ln 0.9.
    const terms = [
      -0.25 * 0.01 * Math.log(0.9),
      -0.75 * 0.04 * Math.log(0.8),
      -0.25 * 0.16 * Math.log(0.6),
      -0.75 * 0.01 * Math.log(0.9),
    ];
    const want = terms.reduce((a, b) => a + b) / 4;
    const p = tf.tensor4d([0.9, 0.2, 0.6, 0.1], [1, 2, 2, 1]);
    const g = tf.tensor4d([1, 0, 1, 0], [1, 2, 2, 1]);
    expect(value(focalLoss(), g, p)).toBeCloseTo(want, 7);
    // gamma 0 and alpha null: plain binary cross-entropy.
    const bce = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.6) + Math.log(0.9)) / 4;
    expect(value(focalLoss({ gamma: 0, alpha: null }), g, p)).toBeCloseTo(bce, 6);
    // Ignored pixels (255) leave the mean: only the first two terms count.
    const gi = tf.tensor4d([1, 0, 255, 255], [1, 2, 2, 1]);
    expect(value(focalLoss({ ignoreIndex: 255 }), gi, p)).toBeCloseTo((terms[0] + terms[1]) / 2, 7);
    tf.dispose([p, g, gi]);
  });

  test('binary from logits equals the probability form, including saturated logits (no Inf)', () => {
    const r = rand(3);
    const x = Array.from({ length: 16 }, () => 8 * (r() - 0.5));
    x[0] = 40; // sigmoid rounds to 1 in float32: the logit path stays finite and exact
    x[1] = -40;
    const g = x.map(() => (r() < 0.5 ? 1 : 0));
    g[0] = 0;
    g[1] = 1;
    const ref =
      x.reduce((acc, xi, i) => {
        const p = sigmoid(xi);
        const pt = g[i] ? p : 1 - p;
        const logPt = g[i] ? -Math.log1p(Math.exp(-xi)) : -Math.log1p(Math.exp(xi));
        return acc - (g[i] ? 0.25 : 0.75) * (1 - pt) ** 2 * logPt;
      }, 0) / 16;
    const xt = tf.tensor4d(x, [2, 2, 4, 1]);
    const gt = tf.tensor4d(g, [2, 2, 4, 1]);
    expect(value(focalLoss({ fromLogits: true }), gt, xt)).toBeCloseTo(ref, 5);
    tf.dispose([xt, gt]);
  });

  test('multiclass: -alpha (1 - p_t)^gamma log p_t per pixel, mean over counted pixels', () => {
    const b = multiclassBatch(4, 2, 3, 3, 4, 255);
    let s = 0;
    let n = 0;
    b.ids.forEach((img, bi) => {
      img.forEach((id, i) => {
        if (id === 255) return;
        const pt = b.probs[bi][i][id];
        s += -0.25 * (1 - pt) ** 2 * Math.log(pt) * [1, 2, 0.5, 1][id];
        n++;
      });
    });
    const [ids, probs, logits] = [b.tIds(), b.tProbs(), b.tLogits()];
    const o = { ignoreIndex: 255, classWeights: [1, 2, 0.5, 1] };
    expect(value(focalLoss(o), ids, probs)).toBeCloseTo(s / n, 6);
    expect(value(focalLoss({ ...o, fromLogits: true }), ids, logits)).toBeCloseTo(s / n, 6);
    tf.dispose([ids, probs, logits]);
  });

  test('multilabel: per-element sigmoid focal loss', () => {
    const p = tf.tensor4d([0.9, 0.3, 0.2, 0.8], [1, 1, 2, 2]);
    const g = tf.tensor4d([1, 1, 0, 0], [1, 1, 2, 2]);
    const want =
      (-0.25 * 0.01 * Math.log(0.9) -
        0.25 * 0.49 * Math.log(0.3) -
        0.75 * 0.04 * Math.log(0.8) -
        0.75 * 0.64 * Math.log(0.2)) /
      4;
    expect(value(focalLoss({ mode: 'multilabel' }), g, p)).toBeCloseTo(want, 6);
    tf.dispose([p, g]);
  });
});
