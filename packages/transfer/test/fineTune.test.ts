import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { fineTune, trainableReport } from '../src/index.js';
import { tinyData, tinyNet, weightBytes } from './helpers/tinyNet.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('fineTune', () => {
  test('head first with the base frozen, then the top N weighted base layers (BN kept frozen)', async () => {
    const model = tinyNet();
    const { x, y, ids } = tinyData();
    const base = ['c1', 'bn1', 'c2', 'bn2'];
    const start = weightBytes(model, base);
    const head = weightBytes(model, ['fc', 'out']);
    const seen: string[][] = [];
    const before = tf.memory().numTensors;
    const result = await fineTune(model, {
      base: { to: 'flat' },
      x,
      y,
      optimizer: (lr) => tf.train.adam(lr),
      loss: 'categoricalCrossentropy',
      head: { epochs: 2, learningRate: 0.01 },
      fine: { epochs: 2, learningRate: 0.001, unfreeze: 1 },
      batchSize: 8,
      callbacks: { onTrainBegin: async () => void seen.push(trainableReport(model).trainableLayers) },
    });
    expect(seen).toEqual([
      ['fc', 'out'],
      ['c2', 'fc', 'out'],
    ]);
    expect(result.unfrozen).toEqual(['c2']);
    expect(result.head.history.loss).toHaveLength(2);
    expect(result.fine?.history.loss).toHaveLength(2);
    const after = weightBytes(model, base);
    for (const [name, bytes] of start) {
      if (name.startsWith('c2')) expect(after.get(name)).not.toEqual(bytes);
      else expect(after.get(name)).toEqual(bytes); // c1 and both BN layers (moving statistics too) untouched
    }
    expect(weightBytes(model, ['fc', 'out'])).not.toEqual(head);
    // Stage 1's optimizer is disposed; stage 2's is the model's: with it gone, nothing is left behind.
    model.optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y, ids]);
    model.dispose();
  });

  test('bad stages are InputErrors', async () => {
    const model = tinyNet();
    const { x, y, ids } = tinyData(4);
    const o = {
      base: { to: 'flat' },
      x,
      y,
      optimizer: (lr: number) => tf.train.sgd(lr),
      loss: 'categoricalCrossentropy',
    };
    await expect(fineTune(model, { ...o, head: { epochs: -1, learningRate: 0.1 } })).rejects.toThrow(
      'fineTune: head.epochs',
    );
    await expect(
      fineTune(model, {
        ...o,
        head: { epochs: 0, learningRate: 0.1 },
        fine: { epochs: 1, learningRate: 0.1, unfreeze: 9 },
      }),
    ).rejects.toThrow('fineTune: fine.unfreeze: expected an integer in [0, 2], got 9');
    const nan = tf.fill([4, 8, 8, 1], Number.NaN);
    await expect(fineTune(model, { ...o, x: nan, head: { epochs: 1, learningRate: 0.1 } })).rejects.toThrow(
      /fineTune: head.learningRate: expected a rate at which the loss stays finite, got loss NaN/,
    );
    nan.dispose();
    tf.dispose([x, y, ids]);
    model.dispose();
  });
});
