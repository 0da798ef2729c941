import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  getLearningRate,
  layerwiseOptimizer,
  learningRateScheduler,
  reduceLrOnPlateau,
  setLearningRate,
  stepDecay,
  warmupCosine,
} from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

/** input [3] -> a dense(2, no bias) -> b dense(1, no bias): linear, so gradients are easy to write down. */
function linear(): tfl.LayersModel {
  const input = tfl.input({ shape: [3] });
  const h = tfl.layers
    .dense({ units: 2, useBias: false, name: 'a', kernelInitializer: tfl.initializers.constant({ value: 0.5 }) })
    .apply(input);
  const out = tfl.layers
    .dense({ units: 1, useBias: false, name: 'b', kernelInitializer: tfl.initializers.constant({ value: 2 }) })
    .apply(h);
  return tfl.model({ inputs: input, outputs: out as tfl.SymbolicTensor });
}

const read = (m: tfl.LayersModel, name: string) => Array.from(m.getLayer(name).getWeights()[0].dataSync());

describe('layerwiseOptimizer', () => {
  test('SGD: each group moves by lr * multiplier * gradient (by hand)', async () => {
    const m = linear();
    const opt = layerwiseOptimizer({
      model: m,
      optimizer: (lr) => tf.train.sgd(lr),
      learningRate: 0.1,
      groups: [{ layers: 'a', multiplier: 0.01 }],
    });
    m.compile({ optimizer: opt, loss: 'meanSquaredError' });
    // x = [1, 2, 3], y = 0: pred = sum_j 2 * (0.5 * 6) = 12; dL/dpred = 2 * 12 = 24.
    // dL/db_j = 24 * h_j = 24 * 3 = 72; dL/da_ij = 24 * b_j * x_i = 48 x_i.
    await m.fit(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[0]]), { epochs: 1, batchSize: 1, verbose: 0 });
    read(m, 'b').forEach((v) => {
      expect(v).toBeCloseTo(2 - 0.1 * 72, 4);
    });
    const a = read(m, 'a');
    [1, 1, 2, 2, 3, 3].forEach((xi, k) => {
      expect(a[k]).toBeCloseTo(0.5 - 0.1 * 0.01 * 48 * xi, 6);
    });
    setLearningRate(opt, 0.2);
    expect(getLearningRate(opt)).toBe(0.2);
    opt.dispose();
    m.dispose();
  });

  test('Adam: one optimizer per group, so the multiplier scales the step (first step: lr * m * g / (|g| + eps))', () => {
    const m = linear();
    const opt = layerwiseOptimizer({
      model: m,
      optimizer: (lr) => tf.train.adam(lr),
      learningRate: 0.1,
      groups: [
        { layers: ['a'], multiplier: 0.1 },
        { layers: 'b', multiplier: 0 },
      ],
    });
    const x = tf.tensor2d([[1, 2, 3]]);
    opt.minimize(() => tf.sum(tf.square(m.apply(x) as tf.Tensor)) as tf.Scalar);
    // Adam's first bias-corrected step is lr * g / (|g| + eps) = lr * sign(g): 0.01 for a, 0 for b (multiplier 0).
    read(m, 'a').forEach((v) => {
      expect(v).toBeCloseTo(0.5 - 0.01, 5);
    });
    expect(read(m, 'b')).toEqual([2, 2]);
    expect(() =>
      layerwiseOptimizer({
        model: m,
        optimizer: (lr) => tf.train.adam(lr),
        learningRate: 0.1,
        groups: [{ layers: 'c', multiplier: 1 }],
      }),
    ).toThrow(InputError);
    expect(() =>
      layerwiseOptimizer({
        model: m,
        optimizer: (lr) => tf.train.adam(lr),
        learningRate: 0.1,
        groups: [{ layers: 'a', multiplier: -1 }],
      }),
    ).toThrow('layerwiseOptimizer: groups[0].multiplier');
    opt.dispose();
    x.dispose();
    m.dispose();
  });
});

describe('schedules', () => {
  test('warm-up + cosine and step decay values', () => {
    const s = warmupCosine({ peak: 1, warmup: 4, total: 12, final: 0.1 });
    expect([0, 1, 2, 3].map(s)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(s(4)).toBeCloseTo(1, 12);
    expect(s(8)).toBeCloseTo(0.1 + 0.9 * 0.5, 12); // half-way: cos(pi/2) = 0
    expect(s(12)).toBe(0.1);
    expect(s(100)).toBe(0.1);
    const d = stepDecay({ initial: 0.1, factor: 0.5, every: 3 });
    expect([0, 2, 3, 5, 6, 9].map(d)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
    expect(() => warmupCosine({ peak: 1, warmup: 5, total: 5 })).toThrow('warmupCosine: total');
  });

  test('learningRateScheduler sets the rate before every batch; SGD steps follow it (by hand)', async () => {
    const input = tfl.input({ shape: [1] });
    const w = tfl.layers.dense({ units: 1, useBias: false, kernelInitializer: 'zeros', name: 'w' });
    const m = tfl.model({ inputs: input, outputs: w.apply(input) as tfl.SymbolicTensor });
    // loss = mean(pred - y) with x = 1: dL/dw = 1 on every batch, so w = -sum(lr_t).
    m.compile({ optimizer: tf.train.sgd(1), loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.mean(tf.sub(yp, yt)) });
    const sched = learningRateScheduler(stepDecay({ initial: 0.1, factor: 0.5, every: 2 }));
    await m.fit(tf.ones([4, 1]), tf.zeros([4, 1]), {
      epochs: 2,
      batchSize: 2,
      shuffle: false,
      verbose: 0,
      callbacks: [sched],
    });
    expect(sched.rates).toEqual([0.1, 0.1, 0.05, 0.05]);
    expect(read(m, 'w')[0]).toBeCloseTo(-0.3, 6);
    const perEpoch = learningRateScheduler((e) => 0.01 * (e + 1), { per: 'epoch' });
    await m.fit(tf.ones([4, 1]), tf.zeros([4, 1]), { epochs: 2, batchSize: 2, verbose: 0, callbacks: [perEpoch] });
    expect(perEpoch.rates).toEqual([0.01, 0.02]);
    expect(read(m, 'w')[0]).toBeCloseTo(-0.3 - 2 * 0.01 - 2 * 0.02, 6);
    m.dispose();
  });
});

describe('reduceLrOnPlateau', () => {
  test('Keras semantics on a scripted loss sequence: patience, factor, cooldown, minLr, minDelta', async () => {
    const opt = tf.train.adam(1);
    const m = linear();
    m.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const cb = reduceLrOnPlateau({
      monitor: 'val_loss',
      factor: 0.5,
      patience: 2,
      cooldown: 2,
      minLr: 0.2,
      minDelta: 0.01,
    });
    cb.setModel(m);
    await cb.onTrainBegin();
    const losses = [1.0, 0.995, 0.99, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95];
    for (let e = 0; e < losses.length; e++) await cb.onEpochEnd(e, { val_loss: losses[e] });
    // Keras' order: a cooldown tick first (and wait = 0), then improvement, then (outside cooldown) wait += 1.
    // e0 best 1; e1 0.995 is no gain (minDelta 0.01): wait 1; e2 0.99 < 1 - 0.01 is false: wait 2 -> lr 0.5,
    // cooldown 2; e3 tick (1 left), 0.9 improves; e4 tick (0 left), wait 1; e5 wait 2 -> 0.25, cooldown 2;
    // e6 tick, in cooldown; e7 tick, wait 1; e8 wait 2 -> max(0.125, 0.2) = 0.2, cooldown 2; e9 tick; e10 tick,
    // wait 1; e11 wait 2 but lr 0.2 is not above minLr: nothing (no cooldown); e12 wait 3.
    expect(cb.rates).toEqual([1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2]);
    expect([cb.wait, cb.cooldownCounter, cb.best]).toEqual([3, 0, 0.9]);
    await expect(cb.onEpochEnd(13, { loss: 1 })).rejects.toThrow(
      /reduceLrOnPlateau: monitor: expected a key of the epoch logs \(loss\)/,
    );
    expect(() => reduceLrOnPlateau({ factor: 1 })).toThrow('reduceLrOnPlateau: factor');
    const acc = reduceLrOnPlateau({ monitor: 'val_acc', patience: 0 });
    acc.setModel(m);
    await acc.onTrainBegin();
    await acc.onEpochEnd(0, { val_acc: 0.5 });
    await acc.onEpochEnd(1, { val_acc: 0.6 });
    await acc.onEpochEnd(2, { val_acc: 0.55 });
    expect(acc.rates.map((r) => Math.round(r * 1000) / 1000)).toEqual([0.2, 0.2, 0.02]);
    m.dispose();
  });
});
