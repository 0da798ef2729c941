import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  diceLoss,
  focalLoss,
  jaccardLoss,
  lovaszSoftmaxLoss,
  sparseCategoricalCrossentropy,
  tverskyLoss,
} from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const probs = tf.softmax(
  tf.tensor4d(
    Array.from({ length: 24 }, (_, i) => Math.sin(i)),
    [1, 2, 4, 3],
  ),
);
const good = tf.tensor3d([0, 1, 2, 1, 0, 0, 2, 1], [1, 2, 4], 'int32');
const outOfRange = tf.tensor3d([0, 1, 7, 1, 0, 0, 9, 1], [1, 2, 4], 'int32');
const floatIds = tf.tensor3d([0, 1, 1.5, 1, 0, 0, 2, 1], [1, 2, 4]);
const mask = tf.tensor4d([0, 1, 1, 0], [1, 2, 2, 1]);
const negative = tf.tensor4d([-0.5, 0.9, 0.8, 0.1], [1, 2, 2, 1]);
afterAll(() => tf.dispose([probs, good, outOfRange, floatIds, mask, negative]));

describe("losses validate by default (the first call of each loss object: validate 'first')", () => {
  test('out-of-range class ids throw instead of a Dice loss of 0 or a halved cross-entropy', () => {
    for (const make of [
      diceLoss,
      jaccardLoss,
      tverskyLoss,
      focalLoss,
      lovaszSoftmaxLoss,
      sparseCategoricalCrossentropy,
    ]) {
      expect(() => make()(outOfRange, probs)).toThrow(InputError);
      expect(() => make()(outOfRange, probs)).toThrow(/yTrue: expected integer class ids in \[0, 2\], got 2 value/);
    }
  });

  test('float ids and negative probabilities throw', () => {
    expect(() => diceLoss()(floatIds, probs)).toThrow(/got 1 value\(s\) out of range/);
    expect(() => sparseCategoricalCrossentropy()(floatIds, probs)).toThrow(InputError);
    expect(() => diceLoss()(mask, negative)).toThrow(/yPred: expected probabilities in \[0, 1\]/);
  });

  test("'first' checks one call per loss object; true checks every call; false none", () => {
    const before = tf.memory().numTensors;
    const first = diceLoss();
    tf.dispose(first(good, probs)); // checked, passes
    tf.dispose(first(outOfRange, probs)); // not checked again: the cost is paid once
    const failing = diceLoss();
    expect(() => failing(outOfRange, probs)).toThrow(InputError);
    expect(() => failing(outOfRange, probs)).toThrow(InputError); // a failed check is repeated
    const every = diceLoss({ validate: true });
    tf.dispose(every(good, probs));
    expect(() => every(outOfRange, probs)).toThrow(InputError);
    const none = diceLoss({ validate: false });
    expect(() => tf.dispose(none(outOfRange, probs))).not.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
