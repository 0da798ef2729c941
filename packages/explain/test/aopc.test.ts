import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, seed } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { composites, lrp, pixelFlipping, smoothGrad } from '../src/index.js';
import { accuracy, loadMnist, train } from './helpers.js';

// Faithfulness on real digits: a small conv net trained briefly on 2000 MNIST digits (the full CNN's numbers are
// in bench/explain.bench.ts). Region perturbation with 2 x 2 regions and uniform noise, 50 steps.
let model: tfl.LayersModel;
let digits: ReturnType<typeof loadMnist>;
let randomAopc: number;
const opts = () => ({ target: digits.labels, regionSize: 2, steps: 50, seed: 1 });

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  seed(1);
  const tr = loadMnist(2000, 0);
  model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 5, strides: 2, activation: 'relu' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 32, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  await train(model, tr.x, tr.labels, 10, 4, 0.005);
  tr.x.dispose();
  const held = loadMnist(500, 9100);
  const acc = accuracy(model, held.x, held.labels);
  held.x.dispose();
  console.log(`MNIST small CNN: accuracy ${acc} on 500 held-out digits`);
  expect(acc).toBeGreaterThan(0.85);
  digits = loadMnist(16, 9000);
  randomAopc = (await pixelFlipping(model, digits.x, 'random', opts())).aopc;
  console.log(`AOPC random order: ${randomAopc.toFixed(3)}`);
});

afterAll(() => {
  digits.x.dispose();
  model.dispose();
});

describe('AOPC on MNIST (16 digits)', () => {
  test('LRP (epsilon-gamma-box) is well above the random baseline', async () => {
    const r = await lrp(model, digits.x, {
      target: digits.labels,
      composite: composites.epsilonGammaBox({ low: 0, high: 1 }),
    });
    const before = tf.memory().numTensors;
    const res = await pixelFlipping(model, digits.x, r, opts());
    expect(tf.memory().numTensors).toBe(before);
    console.log(`AOPC LRP epsilonGammaBox: ${res.aopc.toFixed(3)}`);
    expect(res.aopc).toBeGreaterThan(1.5 * randomAopc);
    // the curve falls: the last score is below the first
    expect(res.curve[50]).toBeLessThan(res.curve[0]);
    r.dispose();
  });

  test('SmoothGrad (squared) is well above the random baseline', async () => {
    const s = await smoothGrad(model, digits.x, { target: digits.labels, samples: 20, variant: 'squared' });
    const res = await pixelFlipping(model, digits.x, s, opts());
    console.log(`AOPC SmoothGrad^2: ${res.aopc.toFixed(3)}`);
    expect(res.aopc).toBeGreaterThan(1.5 * randomAopc);
    s.dispose();
  });
});
