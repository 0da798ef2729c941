import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  categoricalCrossentropy,
  checkInputs,
  combineLosses,
  diceLoss,
  focalLoss,
  generalizedDiceLoss,
  hausdorffDTLoss,
  jaccardLoss,
  lovaszHingeLoss,
  lovaszSoftmaxLoss,
  meanSquaredError,
  sparseCategoricalCrossentropy,
  tverskyLoss,
  weightedMeanSquaredError,
} from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const probs = tf.softmax(
  tf.tensor4d(
    Array.from({ length: 24 }, (_, i) => Math.sin(i)),
    [1, 2, 4, 3],
  ),
);
const ids = tf.tensor3d([0, 1, 2, 1, 0, 0, 2, 1], [1, 2, 4], 'int32');
afterAll(() => tf.dispose([probs, ids]));

const segLosses = [
  diceLoss,
  jaccardLoss,
  tverskyLoss,
  focalLoss,
  lovaszSoftmaxLoss,
  hausdorffDTLoss,
  generalizedDiceLoss,
];

describe('bad input gives an InputError naming the input, the expectation and what came', () => {
  test('shape mismatch', () => {
    const wrong = tf.zeros([1, 2, 3], 'int32');
    for (const f of segLosses) {
      expect(() => f()(wrong, probs)).toThrow(InputError);
      expect(() => f()(wrong, probs)).toThrow(
        /yTrue: expected shape \[1,2,4,3\] \(one-hot\) or \[1,2,4\] \/ \[1,2,4,1\] \(class ids\), got shape \[1,2,3\]/,
      );
    }
    expect(() => meanSquaredError()(tf.zeros([2, 3]), tf.zeros([3, 2]))).toThrow(
      /meanSquaredError: yTrue: expected yPred's shape \[3,2\], got shape \[2,3\]/,
    );
    expect(() => diceLoss()(ids, tf.zeros([4]))).toThrow(/yPred: expected a tensor of rank >= 2/);
    wrong.dispose();
  });

  test('wrong dtype', () => {
    const intPred = tf.zeros([1, 2, 4, 3], 'int32');
    expect(() => diceLoss()(ids, intPred)).toThrow(
      /diceLoss: yPred: expected a float32 tensor, got a tensor of dtype int32/,
    );
    const str = tf.tensor(['a', 'b']);
    expect(() => focalLoss()(str, probs)).toThrow(
      /focalLoss: yTrue: expected a float32 or int32 or bool tensor, got a tensor of dtype string/,
    );
    // @ts-expect-error not a tensor
    expect(() => diceLoss()([0, 1], probs)).toThrow(/diceLoss: yTrue: expected a tf.Tensor, got \[0,1\]/);
    tf.dispose([intPred, str]);
  });

  test('class count mismatch', () => {
    const oneHot4 = tf.zeros([1, 2, 4, 4]);
    expect(() => diceLoss()(oneHot4, probs)).toThrow(/yTrue: expected shape \[1,2,4,3\] \(one-hot\)/);
    expect(() => diceLoss({ classWeights: [1, 2] })(ids, probs)).toThrow(
      /diceLoss: classWeights: expected 3 weights \(one per class of yPred\), got 2/,
    );
    expect(() => diceLoss({ mode: 'binary' })(ids, probs)).toThrow(
      /yPred: expected one channel \(last axis 1\) in mode 'binary'/,
    );
    expect(() => lovaszHingeLoss()(ids, probs)).toThrow(/lovaszHingeLoss: yPred: expected one channel/);
    expect(() => diceLoss({ mode: 'multiclass' })(tf.zeros([1, 2, 2, 1]), tf.zeros([1, 2, 2, 1]))).toThrow(
      /at least 2 classes/,
    );
    expect(() => weightedMeanSquaredError({ outputWeights: [1, 2] })(tf.zeros([2, 3]), tf.zeros([2, 3]))).toThrow(
      /outputWeights: expected 3 weights/,
    );
    oneHot4.dispose();
  });

  test('yTrue values out of range: found with validate (losses) and checkInputs (async, any backend)', async () => {
    const bad = tf.tensor3d([0, 1, 3, 1, 0, 0, -1, 1], [1, 2, 4], 'int32');
    for (const f of [diceLoss, jaccardLoss, focalLoss, lovaszSoftmaxLoss, sparseCategoricalCrossentropy]) {
      expect(() => f({ validate: true })(bad, probs)).toThrow(
        /yTrue: expected integer class ids in \[0, 2\], got 2 value\(s\) out of range \(values from -1 to 3\)/,
      );
    }
    await expect(checkInputs(bad, probs)).rejects.toThrow(/got 2 value\(s\) out of range/);
    // ignoreIndex values are allowed; non-integer ids are not.
    const withIgnore = tf.tensor3d([0, 1, 255, 1, 0, 0, 255, 1], [1, 2, 4]);
    await expect(checkInputs(withIgnore, probs, { ignoreIndex: 255 })).resolves.toBeUndefined();
    const frac = tf.tensor3d([0, 1, 1.5, 1, 0, 0, 0, 1], [1, 2, 4]);
    expect(() => diceLoss({ validate: true })(frac, probs)).toThrow(/got 1 value\(s\) out of range/);
    // Binary masks must be in [0, 1]; probabilities in [0, 1] unless fromLogits.
    const mask = tf.tensor4d([0, 2, 1, 0], [1, 2, 2, 1]);
    const p = tf.tensor4d([0.1, 0.5, 0.9, 0.2], [1, 2, 2, 1]);
    expect(() => diceLoss({ validate: true })(mask, p)).toThrow(/yTrue: expected mask values in \[0, 1\]/);
    const logits = tf.tensor4d([-3, 2, 0.5, 1], [1, 2, 2, 1]);
    const good = tf.tensor4d([0, 1, 1, 0], [1, 2, 2, 1]);
    expect(() => diceLoss({ validate: true })(good, logits)).toThrow(
      /yPred: expected probabilities in \[0, 1\] \(pass fromLogits: true for logits\)/,
    );
    expect(() => diceLoss({ validate: true, fromLogits: true })(good, logits)).not.toThrow();
    tf.dispose([bad, withIgnore, frac, mask, p, logits, good]);
  });

  test('options out of range and ignoreIndex with one-hot targets', () => {
    expect(() => tverskyLoss({ alpha: -1 })).toThrow(
      /tverskyLoss: alpha: expected a finite number in \[0, 1000000\], got -1/,
    );
    expect(() => focalLoss({ alpha: 2 })).toThrow(/focalLoss: alpha/);
    expect(() => diceLoss({ smooth: Number.NaN })).toThrow(/diceLoss: smooth/);
    // @ts-expect-error wrong literal
    expect(() => diceLoss({ classes: 'some' })).toThrow(/classes: expected 'present' or 'all'/);
    const oneHot = tf.oneHot(ids, 3);
    expect(() => diceLoss({ ignoreIndex: 255 })(oneHot, probs)).toThrow(
      /ignoreIndex: expected integer class ids in yTrue/,
    );
    expect(() => sparseCategoricalCrossentropy()(oneHot, probs)).toThrow(
      /sparseCategoricalCrossentropy: yTrue: expected integer class ids/,
    );
    expect(() => categoricalCrossentropy({ labelSmoothing: 2 })).toThrow(/labelSmoothing/);
    // @ts-expect-error not a loss
    expect(() => combineLosses([{ loss: 3 }])).toThrow(/terms\[0\].loss: expected a function, got number/);
    oneHot.dispose();
  });

  test('no tensor leaks when a loss throws inside its tidy', () => {
    const before = tf.memory().numTensors;
    const bad = tf.tensor3d([0, 1, 9, 1, 0, 0, 2, 1], [1, 2, 4], 'int32');
    expect(() => diceLoss({ validate: true })(bad, probs)).toThrow(InputError);
    bad.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
