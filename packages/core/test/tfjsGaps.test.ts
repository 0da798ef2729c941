/** What @tiefe/core adds so that tfjs-core + tfjs-layers behave like the umbrella @tensorflow/tfjs package. */
import * as tf from '@tensorflow/tfjs-core';
// Types only: tfjs-core declares the chained ops in these files; @tiefe/core adds them at run time.
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, test } from 'vitest';
import { initBackend, seed } from '../src/index.js';

describe('tfjs gaps filled by @tiefe/core', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['cpu'] });
  });

  test('chained ops exist and compute what the functional ops do', () => {
    const x = tf.tensor2d([
      [1, -2],
      [3, -4],
    ]);
    const y = x.square().sum(1).sqrt();
    expect(Array.from(y.dataSync())).toEqual(Array.from(tf.sqrt(tf.sum(tf.square(x), 1)).dataSync()));
    expect(x.flatten().shape).toEqual([4]);
    expect(x.concat(x, 0).shape).toEqual([4, 2]);
    tf.dispose([x, y]);
  });

  test('an LSTM (orthogonal recurrent initializer, which calls x.flatten()) builds and trains', async () => {
    seed(3);
    const model = tfl.sequential({
      layers: [tfl.layers.lstm({ units: 4, inputShape: [5, 2] }), tfl.layers.dense({ units: 1 })],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const x = tf.randomNormal([16, 5, 2]);
    const y = tf.sum(x, [1, 2]).reshape([16, 1]);
    const h = await model.fit(x, y, { epochs: 15, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(0.7 * loss[0]);
    tf.dispose([x, y]);
    model.dispose();
    seed(undefined);
  });

  test('a depthwise separable conv layer trains (tfjs-layers passes dilations: null)', async () => {
    seed(4);
    const model = tfl.sequential({
      layers: [
        tfl.layers.separableConv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, dilationRate: 2 }),
        tfl.layers.depthwiseConv2d({ kernelSize: 3 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 1 }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const x = tf.randomNormal([8, 8, 8, 2]);
    const y = tf.mean(x, [1, 2, 3]).reshape([8, 1]);
    const h = await model.fit(x, y, { epochs: 10, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
    tf.dispose([x, y]);
    model.dispose();
    seed(undefined);
  });
});
