import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, test } from 'vitest';
import { type EarlyStoppingCallback, earlyStopping, InputError, initBackend } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
});

/**
 * y = w x without bias, w starts at 0. Training data follows w = 2, validation data w = 1, so plain SGD
 * walks w monotonically from 0 towards 2: val_loss falls until w passes 1, then rises.
 */
function setup(lr = 0.05) {
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' })],
  });
  model.compile({ optimizer: tf.train.sgd(lr), loss: 'meanSquaredError' });
  const x = tf.tensor2d([[1], [2], [-1], [0.5]]);
  const y = tf.mul(x, 2) as tf.Tensor2D;
  const yVal = x.clone();
  return { model, x, y, yVal };
}

/** Records the kernel after every epoch as plain numbers. */
function recorder(model: tfl.LayersModel, into: number[]) {
  return new tfl.CustomCallback({
    onEpochEnd: async () => {
      into.push((await model.getWeights()[0].data())[0]);
    },
  });
}

describe('earlyStopping on a real fit', () => {
  test("stops patience epochs after the best val_loss and restores that epoch's weights, no leak", async () => {
    const { model, x, y, yVal } = setup();
    const kernels: number[] = [];
    const before = tf.memory().numTensors;
    const stop = earlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const history = await model.fit(x, y, {
      epochs: 50,
      batchSize: 4,
      shuffle: false,
      validationData: [x, yVal],
      callbacks: [recorder(model, kernels), stop],
      verbose: 0,
    });
    expect(tf.memory().numTensors).toBe(before);
    const val = history.history.val_loss as number[];
    const best = val.indexOf(Math.min(...val));
    // The scenario does what it should: the kernel crosses 1, val_loss falls then rises.
    expect(best).toBeGreaterThan(1);
    expect(kernels[best - 1]).toBeLessThan(1);
    expect(kernels[best + 1]).toBeGreaterThan(1);
    for (let e = 1; e < val.length; e++) expect(val[e] < val[e - 1]).toBe(e <= best);
    expect(stop.bestEpoch).toBe(best);
    expect(stop.best).toBe(val[best]);
    expect(stop.stoppedEpoch).toBe(best + 2);
    expect(val).toHaveLength(best + 3); // epochs 0..best+2 ran
    // The model holds the best epoch's kernel again, exactly.
    const restored = (await model.getWeights()[0].data())[0];
    expect(restored).toBe(kernels[best]);
    expect(restored).not.toBe(kernels.at(-1));
    model.dispose();
    tf.dispose([x, y, yVal]);
  });

  test('without restoreBestWeights the last weights stay; minDelta makes it stop earlier', async () => {
    const runs: { epochs: number; last: number; kernel: number }[] = [];
    for (const minDelta of [0, 0.05]) {
      const { model, x, y, yVal } = setup(0.01);
      const kernels: number[] = [];
      const history = await model.fit(x, y, {
        epochs: 50,
        batchSize: 4,
        shuffle: false,
        validationData: [x, yVal],
        callbacks: [recorder(model, kernels), earlyStopping({ patience: 1, minDelta })],
        verbose: 0,
      });
      runs.push({
        epochs: history.epoch.length,
        last: kernels.at(-1)!,
        kernel: (await model.getWeights()[0].data())[0],
      });
      model.dispose();
      tf.dispose([x, y, yVal]);
    }
    expect(runs[0].kernel).toBe(runs[0].last);
    expect(runs[1].epochs).toBeLessThan(runs[0].epochs);
  });

  test('an unknown monitor key fails the fit with an InputError listing the known keys', async () => {
    const { model, x, y } = setup();
    await expect(model.fit(x, y, { epochs: 2, callbacks: [earlyStopping()], verbose: 0 })).rejects.toThrow(
      /earlyStopping: monitor: expected a key of the epoch logs \(loss\).*got 'val_loss'/,
    );
    model.dispose();
    tf.dispose([x, y]);
  });
});

describe('earlyStopping rules (driven by hand)', () => {
  async function drive(cb: EarlyStoppingCallback, values: number[], key = 'val_loss'): Promise<number> {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [1] })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    cb.setModel(model);
    await cb.onTrainBegin();
    let epoch = 0;
    for (; epoch < values.length; epoch++) {
      await cb.onEpochEnd(epoch, { [key]: values[epoch] });
      if (model.stopTraining) break;
    }
    await cb.onTrainEnd();
    model.dispose();
    return epoch < values.length ? epoch : -1;
  }

  test('patience, minDelta, mode auto/max, baseline, startFromEpoch, NaN', async () => {
    expect(await drive(earlyStopping({ patience: 0 }), [3, 2, 2.5, 1])).toBe(2);
    expect(await drive(earlyStopping({ patience: 2 }), [3, 2, 2.5, 2.4, 1])).toBe(3);
    expect(await drive(earlyStopping({ patience: 2 }), [3, 2, 2.5, 1.9, 2, 2])).toBe(5);
    // minDelta 0.2: 2 -> 1.9 is not an improvement.
    expect(await drive(earlyStopping({ patience: 1, minDelta: 0.2 }), [3, 2, 1.9, 1])).toBe(2);
    // 'val_acc' is maximised in auto mode.
    const acc = earlyStopping({ monitor: 'val_acc', patience: 0 });
    expect(acc.options.mode).toBe('max');
    expect(await drive(acc, [0.5, 0.6, 0.55], 'val_acc')).toBe(2);
    expect(acc.best).toBe(0.6);
    // Baseline 1: improvements that stay above it do not reset the patience counter, so the first
    // non-improving epoch stops at once; without a baseline it takes two.
    expect(await drive(earlyStopping({ patience: 2, baseline: 1 }), [3, 2.5, 2.6, 2.7])).toBe(2);
    expect(await drive(earlyStopping({ patience: 2 }), [3, 2.5, 2.6, 2.7])).toBe(3);
    expect(await drive(earlyStopping({ patience: 2, baseline: 1 }), [3, 0.9, 0.95, 0.8])).toBe(-1);
    // Warm-up epochs are ignored.
    expect(await drive(earlyStopping({ patience: 0, startFromEpoch: 2 }), [1, 5, 6, 7])).toBe(3);
    // A diverged epoch (NaN) never improves.
    expect(await drive(earlyStopping({ patience: 0 }), [1, Number.NaN])).toBe(1);
    expect(() => earlyStopping({ patience: -1 })).toThrow(InputError);
    expect(() => earlyStopping({ mode: 'up' as never })).toThrow(
      /earlyStopping: mode: expected 'min', 'max' or 'auto'/,
    );
  });
});
