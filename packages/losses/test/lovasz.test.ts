import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { lovaszHingeLoss, lovaszSoftmaxLoss } from '../src/index.js';
import { multiclassBatch } from './helpers/fixtures.js';
import { expectClose, lovaszGrad, lovaszHinge, lovaszSoftmax, rand, value } from './helpers/reference.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

function grad(f: (a: tf.Tensor, b: tf.Tensor) => tf.Scalar, yTrue: tf.Tensor, x: tf.Tensor): number[] {
  const before = tf.memory().numTensors;
  const g = tf.grad((v: tf.Tensor) => f(yTrue, v))(x);
  const out = Array.from(g.dataSync());
  g.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe('lovasz_grad port', () => {
  test('hand values: gt sorted [1, 0, 1, 0]', () => {
    // G = 2; J_i = 1 - (2 - cumsum g) / (2 + cumsum(1 - g)): [1 - 1/2, 1 - 1/3, 1 - 0/3, 1 - 0/4] = [.5, .667, 1, 1]
    expectClose(lovaszGrad([1, 0, 1, 0]), [0.5, 2 / 3 - 0.5, 1 - 2 / 3, 0], 1e-12);
    expectClose(lovaszGrad([0]), [1], 0); // G = 0: J = 1 - 0 / 1
    expectClose(lovaszGrad([1]), [1], 0);
  });
});

describe("lovaszHingeLoss equals Berman et al.'s lovasz_hinge (loss and gradient, atol 1e-5)", () => {
  const n = 3;
  const px = 12;
  const r = rand(5);
  const logits = Array.from({ length: n }, () => Array.from({ length: px }, () => 4 * (r() - 0.5)));
  const labels = Array.from({ length: n }, (_, b) =>
    Array.from({ length: px }, () => (b === 2 ? 0 : r() < 0.4 ? 1 : 0)),
  );
  const withIgnore = labels.map((row, b) => row.map((l, i) => (b === 1 && i % 4 === 0 ? 255 : l)));
  for (const perImage of [true, false]) {
    for (const ignore of [undefined, 255]) {
      test(`perImage ${perImage}, ignore ${ignore}`, () => {
        const lab = ignore === undefined ? labels : withIgnore;
        const want = lovaszHinge(logits, lab, perImage, ignore);
        const x = tf.tensor4d(logits.flat(), [n, 3, 4, 1]);
        const y = tf.tensor4d(lab.flat(), [n, 3, 4, 1]);
        const f = lovaszHingeLoss({ perImage, ignoreIndex: ignore });
        expect(Math.abs(value(f, y, x) - want.loss)).toBeLessThan(1e-5);
        expectClose(grad(f, y, x), want.grad.flat(), 1e-5);
        tf.dispose([x, y]);
      });
    }
  }
  test('an image with only ignored pixels counts 0 in the mean over images (as the reference)', () => {
    const lab = labels.map((row, b) => row.map((l) => (b === 0 ? 255 : l)));
    const want = lovaszHinge(logits, lab, true, 255);
    const x = tf.tensor4d(logits.flat(), [n, 3, 4, 1]);
    const y = tf.tensor4d(lab.flat(), [n, 3, 4, 1]);
    expect(Math.abs(value(lovaszHingeLoss({ ignoreIndex: 255 }), y, x) - want.loss)).toBeLessThan(1e-5);
    tf.dispose([x, y]);
  });
});

describe("lovaszSoftmaxLoss equals Berman et al.'s lovasz_softmax (loss and gradient, atol 1e-5)", () => {
  for (const classes of ['present', 'all'] as const) {
    for (const perImage of [false, true]) {
      for (const ignore of [undefined, 255]) {
        test(`classes ${classes}, perImage ${perImage}, ignore ${ignore}`, () => {
          const b = multiclassBatch(21, 3, 3, 4, 5, ignore, 0.2, true);
          const want = lovaszSoftmax(b.probs, b.ids, classes, perImage, ignore);
          const probs = b.tProbs();
          const ids = b.tIds();
          const f = lovaszSoftmaxLoss({ classes, perImage, ignoreIndex: ignore });
          expect(Math.abs(value(f, ids, probs) - want.loss)).toBeLessThan(1e-5);
          expectClose(grad(f, ids, probs), want.grad.flat(2), 1e-5);
          tf.dispose([probs, ids]);
        });
      }
    }
  }

  test('one-hot yTrue and fromLogits give the same loss as ids and probabilities', () => {
    const b = multiclassBatch(2, 2, 4, 4, 3);
    const want = lovaszSoftmax(b.probs, b.ids, 'present', false).loss;
    const [oh, lg, ids] = [b.tOneHot(), b.tLogits(), b.tIds()];
    expect(Math.abs(value(lovaszSoftmaxLoss(), oh, b.tProbs()) - want)).toBeLessThan(1e-5);
    expect(Math.abs(value(lovaszSoftmaxLoss({ fromLogits: true }), ids, lg) - want)).toBeLessThan(1e-5);
    tf.dispose([oh, lg, ids]);
  });

  test("a single sigmoid channel is the reference's classes=[1]", () => {
    const r = rand(9);
    const p = Array.from({ length: 2 }, () => Array.from({ length: 9 }, () => [r()]));
    const lab = Array.from({ length: 2 }, () => Array.from({ length: 9 }, () => (r() < 0.5 ? 1 : 0)));
    const want = lovaszSoftmax(p, lab, [1], false);
    const probs = tf.tensor4d(p.flat(2), [2, 3, 3, 1]);
    const y = tf.tensor4d(lab.flat(), [2, 3, 3, 1]);
    const f = lovaszSoftmaxLoss({ classes: 'all' });
    expect(Math.abs(value(f, y, probs) - want.loss)).toBeLessThan(1e-5);
    expectClose(grad(f, y, probs), want.grad.flat(2), 1e-5);
    tf.dispose([probs, y]);
  });

  test('all pixels ignored: 0 with a zero gradient', () => {
    const probs = tf.softmax(tf.tensor4d([1, 2, 3, 0, 1, 0, 2, 2], [1, 2, 2, 2]));
    const y = tf.fill([1, 2, 2], 255, 'int32');
    expect(value(lovaszSoftmaxLoss({ ignoreIndex: 255 }), y, probs)).toBe(0);
    expect(grad(lovaszSoftmaxLoss({ ignoreIndex: 255 }), y, probs).every((v) => v === 0)).toBe(true);
    tf.dispose([probs, y]);
  });
});
