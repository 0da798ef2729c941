import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, seed } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lrp, predictionDifference, smoothGrad } from '../src/index.js';
import { accuracy, train } from './helpers.js';
import { pointingGame, syntheticCnn, syntheticTask } from './synthetic.js';

// Ground truth: the class is decided by a 4 x 4 pattern at a random position of a noisy 16 x 16 image, so a
// faithful map should peak inside the pattern's box.
let model: tfl.LayersModel;
let train_: ReturnType<typeof syntheticTask>;
let test_: ReturnType<typeof syntheticTask>;

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  seed(1);
  train_ = syntheticTask(400, 1);
  test_ = syntheticTask(40, 2);
  model = syntheticCnn();
  const before = tf.memory().numTensors;
  await train(model, train_.x, train_.labels, 2, 6, 0.01);
  // training creates the optimizer's slots only
  expect(tf.memory().numTensors - before).toBeLessThan(20);
  const acc = accuracy(model, test_.x, test_.labels);
  console.log(`synthetic task: test accuracy ${acc}`);
  expect(acc).toBeGreaterThanOrEqual(0.95);
});

afterAll(() => {
  tf.dispose([train_.x, test_.x]);
  model.dispose();
});

describe('pointing game on the synthetic pattern task (40 test images)', () => {
  test('LRP (epsilon-plus) peaks inside the pattern in >= 90% of images', async () => {
    const before = tf.memory().numTensors;
    const r = await lrp(model, test_.x, { target: test_.labels });
    const hit = await pointingGame(r, test_.boxes);
    console.log(`pointing game LRP: ${hit}`);
    expect(hit).toBeGreaterThanOrEqual(0.9);
    r.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('SmoothGrad (squared) peaks inside the pattern in >= 90% of images', async () => {
    const before = tf.memory().numTensors;
    const s = await smoothGrad(model, test_.x, { target: test_.labels, samples: 20, variant: 'squared' });
    const hit = await pointingGame(s, test_.boxes);
    console.log(`pointing game SmoothGrad^2: ${hit}`);
    expect(hit).toBeGreaterThanOrEqual(0.9);
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('PDA (conditional sampling) peaks inside the pattern in >= 90% of images', async () => {
    const before = tf.memory().numTensors;
    const ref = tf.slice(train_.x, 0, 200);
    const p = await predictionDifference(model, test_.x, {
      target: test_.labels,
      data: ref,
      windowSize: 3,
      samples: 4,
    });
    const hit = await pointingGame(p, test_.boxes);
    console.log(`pointing game PDA: ${hit}`);
    expect(hit).toBeGreaterThanOrEqual(0.9);
    tf.dispose([p, ref]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
