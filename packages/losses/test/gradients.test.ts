import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  binaryCrossentropy,
  categoricalCrossentropy,
  diceLoss,
  focalLoss,
  focalTverskyLoss,
  generalizedDiceLoss,
  hausdorffDTLoss,
  hinge,
  jaccardLoss,
  kullbackLeiblerDivergence,
  lovaszHingeLoss,
  lovaszSoftmaxLoss,
  meanAbsoluteError,
  meanSquaredError,
  sparseCategoricalCrossentropy,
  squaredHinge,
  tverskyLoss,
  weightedMeanSquaredError,
} from '../src/index.js';
import { expectClose, gradients, rand } from './helpers/reference.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

type Loss = (a: tf.Tensor, b: tf.Tensor) => tf.Scalar;

// Multiclass: 2 images of 2x3 pixels, 3 classes, logits in, integer ids (one pixel ignored).
const r = rand(77);
const mcLogits = Array.from({ length: 36 }, () => 2 * (r() - 0.5));
const mcIds = [0, 1, 2, 1, 0, 255, 2, 2, 1, 0, 0, 1];
// Binary: logits away from 0 (thresholded distance fields do not change under the step) and hinge errors
// 1 - x (2g - 1) distinct and away from 0 (no kink of the piecewise-linear Lovasz hinge within the step).
const binLogits = [-1.3, 0.9, -0.7, 1.6, -2.1, 1.15, -0.85, 0.65, -1.45, 1.95, -0.75, 1.25];
const binMask = [1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0];

const multiclass: Array<[string, Loss]> = [
  ['diceLoss', diceLoss({ fromLogits: true, ignoreIndex: 255 })],
  ['diceLoss perImage squared', diceLoss({ fromLogits: true, ignoreIndex: 255, perImage: true, squared: true })],
  ['diceLoss log', diceLoss({ fromLogits: true, ignoreIndex: 255, logLoss: true, smooth: 1 })],
  ['generalizedDiceLoss', generalizedDiceLoss({ fromLogits: true, ignoreIndex: 255 })],
  ['jaccardLoss', jaccardLoss({ fromLogits: true, ignoreIndex: 255, classes: 'all' })],
  ['tverskyLoss', tverskyLoss({ fromLogits: true, ignoreIndex: 255, alpha: 0.3, beta: 0.7 })],
  ['focalTverskyLoss', focalTverskyLoss({ fromLogits: true, ignoreIndex: 255 })],
  ['focalLoss', focalLoss({ fromLogits: true, ignoreIndex: 255 })],
  ['lovaszSoftmaxLoss', lovaszSoftmaxLoss({ fromLogits: true, ignoreIndex: 255 })],
  [
    'lovaszSoftmaxLoss perImage all',
    lovaszSoftmaxLoss({ fromLogits: true, ignoreIndex: 255, perImage: true, classes: 'all' }),
  ],
  ['hausdorffDTLoss', hausdorffDTLoss({ fromLogits: true, ignoreIndex: 255 })],
  ['sparseCategoricalCrossentropy', sparseCategoricalCrossentropy({ fromLogits: true, ignoreIndex: 255 })],
];
const binary: Array<[string, Loss]> = [
  ['diceLoss', diceLoss({ fromLogits: true })],
  ['focalLoss', focalLoss({ fromLogits: true })],
  ['focalTverskyLoss gamma 2', focalTverskyLoss({ fromLogits: true, gamma: 2 })],
  ['lovaszHingeLoss', lovaszHingeLoss()],
  ['lovaszHingeLoss per batch', lovaszHingeLoss({ perImage: false })],
  ['hausdorffDTLoss', hausdorffDTLoss({ fromLogits: true })],
  ['binaryCrossentropy', binaryCrossentropy({ fromLogits: true })],
];

describe('finite-difference gradient checks (central, step 1e-2 on logits; |analytic - numeric| <= 2e-3 + 2e-2 |numeric|)', () => {
  for (const [name, f] of multiclass) {
    test(`multiclass ${name}`, () => {
      const y = tf.tensor3d(mcIds, [2, 2, 3], 'int32');
      const { analytic, numeric } = gradients(f, y, mcLogits, [2, 2, 3, 3], name.startsWith('lovasz') ? 1e-3 : 1e-2);
      expectClose(analytic, numeric, 2e-3, 2e-2);
      expect(analytic.some((v) => Math.abs(v) > 1e-4)).toBe(true);
      y.dispose();
    });
  }
  for (const [name, f] of binary) {
    test(`binary ${name}`, () => {
      const y = tf.tensor4d(binMask, [2, 2, 3, 1]);
      const { analytic, numeric } = gradients(f, y, binLogits, [2, 2, 3, 1], name.startsWith('lovasz') ? 1e-3 : 1e-2);
      expectClose(analytic, numeric, 2e-3, 2e-2);
      expect(analytic.some((v) => Math.abs(v) > 1e-4)).toBe(true);
      y.dispose();
    });
  }
  const pv = [0.2, 0.7, 0.4, 0.9, 0.35, 0.6];
  const classic: Array<[string, Loss, number[]]> = [
    ['meanSquaredError', meanSquaredError(), [0, 1, 0.5, 1, 0, 1]],
    ['meanAbsoluteError', meanAbsoluteError(), [0, 1, 0.5, 1, 0, 1]],
    ['weightedMeanSquaredError', weightedMeanSquaredError({ outputWeights: [1, 2, 3] }), [0, 1, 0.5, 1, 0, 1]],
    ['binaryCrossentropy (probabilities)', binaryCrossentropy(), [0, 1, 1, 1, 0, 1]],
    ['hinge', hinge(), [0, 1, 1, 1, 0, 1]],
    ['squaredHinge', squaredHinge(), [0, 1, 1, 1, 0, 1]],
    ['categoricalCrossentropy (probabilities)', categoricalCrossentropy(), [0, 1, 0, 1, 0, 0]],
    ['kullbackLeiblerDivergence', kullbackLeiblerDivergence(), [0.3, 0.5, 0.2, 0.1, 0.1, 0.8]],
  ];
  for (const [name, f, yv] of classic) {
    test(`classic ${name}`, () => {
      const y = tf.tensor2d(yv, [2, 3]);
      const { analytic, numeric } = gradients(f, y, pv, [2, 3], 1e-3);
      expectClose(analytic, numeric, 2e-3, 2e-2);
      y.dispose();
    });
  }
});

describe('no NaN / Inf on all-zero and all-one masks, saturated predictions included', () => {
  const all: Array<[string, Loss, boolean]> = [
    ...binary.map(([n, f]) => [n, f, true] as [string, Loss, boolean]),
    ['diceLoss all classes', diceLoss({ classes: 'all' }), false],
    ['jaccardLoss all classes log', jaccardLoss({ classes: 'all', logLoss: true }), false],
    ['tverskyLoss', tverskyLoss(), false],
    ['focalTverskyLoss gamma 0.75', focalTverskyLoss(), false],
    ['generalizedDiceLoss', generalizedDiceLoss(), false],
    ['focalLoss probabilities', focalLoss(), false],
    ['lovaszSoftmaxLoss', lovaszSoftmaxLoss(), false],
    ['hausdorffDTLoss probabilities', hausdorffDTLoss(), false],
    ['binaryCrossentropy probabilities', binaryCrossentropy(), false],
  ];
  for (const [name, f, logits] of all) {
    test(name, () => {
      for (const mask of [0, 1]) {
        // Predictions equal to the mask (perfect, saturated) and opposite to it.
        for (const pred of [mask, 1 - mask]) {
          const y = tf.fill([2, 3, 3, 1], mask);
          const x = tf.fill([2, 3, 3, 1], logits ? (pred ? 30 : -30) : pred);
          const [v, g] = tf.tidy(() => {
            const { value, grads } = tf.valueAndGrads((a: tf.Tensor) => f(y, a))([x]);
            return [value, grads[0]];
          });
          const vs = v.dataSync()[0];
          expect(Number.isFinite(vs), `${name}: value ${vs} for mask ${mask}, pred ${pred}`).toBe(true);
          expect(
            Array.from(g.dataSync()).every(Number.isFinite),
            `${name}: gradient for mask ${mask}, pred ${pred}`,
          ).toBe(true);
          tf.dispose([y, x, v, g]);
        }
      }
    });
  }
});
