import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { fcn, inceptionNet, lenet5, mlp, resnet, smallCnn, unet, unet3d, vnet } from '@tiefe/blocks';
import { initBackend, seed } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { composites, lrp, rules } from '../src/index.js';
import { uniform } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));
afterAll(() => seed(undefined));

/**
 * Every model builder of @tiefe/blocks, built small, with the options that change its layer classes (pooling,
 * downsampling, upsampling, batch norm, PReLU/LeakyReLU). The sequence builders are checked in
 * packages/sequence/test/explainLrp.test.ts (sequence depends on explain, not the other way round).
 */
const BUILDERS: Array<[string, () => tfl.LayersModel, number[]]> = [
  [
    'mlp (batchNorm, dropout)',
    () => mlp({ inputShape: [6], hidden: [5], classes: 3, batchNorm: true, dropout: 0.1 }),
    [6],
  ],
  ['mlp (prelu)', () => mlp({ inputShape: [2, 3], hidden: [4], classes: 3, activation: 'prelu' }), [2, 3]],
  ['lenet5 (average)', () => lenet5({ inputShape: [32, 32, 1], classes: 3 }), [32, 32, 1]],
  [
    'lenet5 (max, leakyRelu)',
    () => lenet5({ inputShape: [32, 32, 1], classes: 3, pooling: 'max', activation: 'leakyRelu' }),
    [32, 32, 1],
  ],
  ['smallCnn', () => smallCnn({ inputShape: [12, 12, 1], classes: 3, filters: [2, 3], dense: 4 }), [12, 12, 1]],
  [
    'resnet 18 (cifar stem)',
    () => resnet({ depth: 18, inputShape: [16, 16, 3], classes: 3, stem: 'cifar', width: 2 }),
    [16, 16, 3],
  ],
  [
    'resnet 50 (pre-activation)',
    () => resnet({ depth: 50, inputShape: [32, 32, 3], classes: 3, width: 2, preActivation: true }),
    [32, 32, 3],
  ],
  [
    'inceptionNet',
    () => inceptionNet({ inputShape: [16, 16, 3], classes: 3, stemFilters: 4, widthScale: 0.125 }),
    [16, 16, 3],
  ],
  [
    'fcn 8s',
    () =>
      fcn({
        variant: '8s',
        inputShape: [32, 32, 3],
        classes: 2,
        filters: [2, 2, 2, 2, 2],
        convsPerStage: [1, 1, 1, 1, 1],
        headFilters: 4,
      }),
    [32, 32, 3],
  ],
  [
    'unet (upsample, max)',
    () => unet({ inputShape: [16, 16, 1], classes: 2, depth: 2, baseFilters: 2, upsampling: 'upsample' }),
    [16, 16, 1],
  ],
  [
    'unet (transpose, strided, batchNorm)',
    () =>
      unet({
        inputShape: [16, 16, 1],
        classes: 3,
        depth: 2,
        baseFilters: 2,
        upsampling: 'transpose',
        downsampling: 'strided',
        batchNorm: true,
      }),
    [16, 16, 1],
  ],
  [
    'unet (average, valid)',
    () =>
      unet({
        inputShape: [44, 44, 1],
        classes: 2,
        depth: 2,
        baseFilters: 2,
        padding: 'valid',
        downsampling: 'average',
      }),
    [44, 44, 1],
  ],
  ['unet3d', () => unet3d({ inputShape: [8, 8, 8, 1], classes: 2, depth: 2, baseFilters: 2 }), [8, 8, 8, 1]],
  [
    'vnet',
    () => vnet({ inputShape: [8, 8, 8, 1], classes: 2, depth: 2, baseFilters: 2, convsPerStage: [1, 1, 1] }),
    [8, 8, 8, 1],
  ],
];

describe('LRP runs on every model the blocks builders make', () => {
  test.each(BUILDERS)('%s', async (_name, build, shape) => {
    seed(1); // tfjs initialisers draw from Math.random
    const m = build();
    const x = uniform([1, ...shape], 3, 0, 1);
    const before = tf.memory().numTensors;
    for (const options of [
      {},
      { composite: composites.epsilonGammaBox({ low: 0, high: 1 }) },
      { rule: rules.zero() },
    ]) {
      const r = await lrp(m, x, { target: 1, ...options });
      expect(r.shape).toEqual(x.shape);
      const v = await r.data();
      expect(v.every(Number.isFinite), 'finite').toBe(true);
      // (z+ can legitimately give all zeros: a class whose last 1x1 weights are all negative in a 2-filter net)
      if ('rule' in options)
        expect(
          v.some((e) => e !== 0),
          'not all zero',
        ).toBe(true);
      r.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });
});
