import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { auroc, InputError, initBackend, seed } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { addNoise, anomalyThreshold, autoencoder, reconstructionLoss, TrainingDivergedError } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['wasm', 'cpu'] });
});

/** 64 tiny 8x8 images: horizontal bars at 4 positions (a low-dimensional set an AE can learn). */
function bars(n: number): tf.Tensor4D {
  const data = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) {
    const r = 2 * (i % 4);
    for (let c = 0; c < 8; c++) {
      data[i * 64 + r * 8 + c] = 1;
      data[i * 64 + (r + 1) * 8 + c] = 1;
    }
  }
  return tf.tensor4d(data, [n, 8, 8, 1]);
}

describe('autoencoder', () => {
  test('dense and conv: shapes of encode, decode, reconstruct; bottleneck size; no leak', () => {
    for (const kind of ['dense', 'conv'] as const) {
      const ae = autoencoder({ inputShape: [8, 8, 1], kind, latentDim: 3, hidden: [16], filters: [4, 8] });
      const x = bars(5);
      const before = tf.memory().numTensors;
      const z = ae.encode(x);
      const r = ae.decode(z);
      const rr = ae.reconstruct(x);
      expect(z.shape).toEqual([5, 3]);
      expect(r.shape).toEqual([5, 8, 8, 1]);
      expect(Array.from(rr.dataSync())).toEqual(Array.from(r.dataSync()));
      tf.dispose([z, r, rr]);
      expect(tf.memory().numTensors).toBe(before);
      expect(ae.latentDim).toBe(3);
      x.dispose();
      ae.model.dispose();
    }
  });

  test('training lowers the reconstruction error a lot; anomaly scores separate unseen inputs', async () => {
    seed(1);
    const ae = autoencoder({ inputShape: [8, 8, 1], latentDim: 4, hidden: [32] });
    const x = bars(64);
    const s0 = ae.anomalyScores(x);
    const m0 = tf.mean(s0).dataSync()[0];
    const before = tf.memory().numTensors;
    const opt = tf.train.adam(1e-2);
    const history = await ae.train(x, { epochs: 30, batchSize: 16, optimizer: opt });
    opt.dispose(); // frees Adam's moments: what is left must be what was there before training
    expect(tf.memory().numTensors).toBe(before);
    expect(history[29].loss).toBeLessThan(history[0].loss * 0.5);
    const s1 = ae.anomalyScores(x);
    expect(tf.mean(s1).dataSync()[0]).toBeLessThan(m0 * 0.2);
    // vertical bars were never seen: they reconstruct far worse than the training bars
    const vertical = tf.transpose(x, [0, 2, 1, 3]);
    const sv = ae.anomalyScores(vertical);
    const scores = [...s1.dataSync(), ...sv.dataSync()];
    const labels = [...new Array(64).fill(0), ...new Array(64).fill(1)];
    expect(auroc(scores, labels)).toBeGreaterThan(0.95);
    const thr = anomalyThreshold(s1, { quantile: 0.95 });
    expect(Array.from(sv.dataSync()).filter((v) => v > thr).length).toBeGreaterThan(55);
    tf.dispose([x, s0, s1, vertical, sv]);
    ae.model.dispose();
  });

  test('denoising: trained with noise, it removes noise better than one trained without', async () => {
    const x = bars(64);
    const errs: number[] = [];
    for (const noise of [undefined, { type: 'saltPepper' as const, amount: 0.2 }]) {
      seed(3);
      const ae = autoencoder({ inputShape: [8, 8, 1], latentDim: 4, hidden: [32] });
      const opt = tf.train.adam(1e-2);
      await ae.train(x, { epochs: 30, batchSize: 16, optimizer: opt, noise });
      const noisy = addNoise(x, { type: 'saltPepper', amount: 0.2, seed: 99 });
      const r = ae.reconstruct(noisy);
      errs.push(tf.losses.meanSquaredError(x, r).dataSync()[0]);
      tf.dispose([noisy, r]);
      opt.dispose();
      ae.model.dispose();
    }
    expect(errs[1]).toBeLessThan(errs[0]);
    x.dispose();
  });

  test('addNoise: rates and values of each corruption', () => {
    const x = tf.fill([100000], 0.5);
    const g = addNoise(x, { type: 'gaussian', amount: 0.1, seed: 1 });
    const gd = Array.from(g.dataSync());
    const mean = gd.reduce((a, b) => a + b, 0) / gd.length;
    const sd = Math.sqrt(gd.reduce((a, b) => a + (b - mean) ** 2, 0) / gd.length);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sd).toBeCloseTo(0.1, 2);
    const sp = addNoise(x, { type: 'saltPepper', amount: 0.3, seed: 2 }).dataSync();
    const zeros = sp.filter((v) => v === 0).length / sp.length;
    const ones = sp.filter((v) => v === 1).length / sp.length;
    expect(zeros).toBeCloseTo(0.15, 2);
    expect(ones).toBeCloseTo(0.15, 2);
    const m = addNoise(x, { type: 'masking', amount: 0.4, seed: 3 }).dataSync();
    expect(m.filter((v) => v === 0).length / m.length).toBeCloseTo(0.4, 2);
    expect(m.every((v) => v === 0 || v === 0.5)).toBe(true);
    tf.dispose([x, g]);
  });

  test('reconstructionLoss matches the formulas; auroc matches pair counting; threshold is the quantile', () => {
    const t = tf.tensor1d([0, 1, 1, 0]);
    const p = tf.tensor1d([0.2, 0.7, 0.9, 0.4]);
    const bce = -(Math.log(0.8) + Math.log(0.7) + Math.log(0.9) + Math.log(0.6)) / 4;
    expect(reconstructionLoss('bce', t, p).dataSync()[0]).toBeCloseTo(bce, 5);
    expect(reconstructionLoss('mse', t, p).dataSync()[0]).toBeCloseTo((0.04 + 0.09 + 0.01 + 0.16) / 4, 6);
    const scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.2, 0.9];
    const labels = [0, 0, 1, 1, 1, 0, 1];
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < 7; i++)
      for (let j = 0; j < 7; j++)
        if (labels[i] === 1 && labels[j] === 0) {
          pairs++;
          wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
    expect(auroc(scores, labels)).toBeCloseTo(wins / pairs, 12);
    expect(anomalyThreshold([1, 2, 3, 4, 5], { quantile: 0.9 })).toBeCloseTo(4.6, 12);
    tf.dispose([t, p]);
  });

  test('save/load round trip of encoder and decoder gives the same outputs', async () => {
    const ae = autoencoder({ inputShape: [8, 8, 1], kind: 'conv', latentDim: 3, filters: [4] });
    const x = bars(4);
    let saved: tf.io.ModelArtifacts | undefined;
    await ae.model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const a = ae.reconstruct(x);
    const b = loaded.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    loaded.dispose();
    ae.model.dispose();
  });

  test('bad input: typed errors naming the argument; NaN data and a diverging loss are refused', async () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).input;
      }
      throw new Error('no error');
    };
    expect(err(() => autoencoder({ inputShape: [8, 8, 1], latentDim: 0 }))).toBe('autoencoder: latentDim');
    expect(err(() => autoencoder({ inputShape: [9, 9, 1], kind: 'conv', filters: [4] }))).toBe(
      'autoencoder: inputShape',
    );
    const ae = autoencoder({ inputShape: [8, 8, 1], latentDim: 2, hidden: [4], output: 'linear' });
    const wrong = tf.zeros([2, 7, 7, 1]);
    expect(err(() => ae.encode(wrong))).toBe('Autoencoder.encode: x');
    const nan = tf.fill([4, 8, 8, 1], Number.NaN);
    await expect(ae.train(nan)).rejects.toMatchObject({ input: 'Autoencoder.train: x' });
    const x = bars(8);
    // a learning rate of 1e30 makes the weights explode: the loop stops with TrainingDivergedError
    const opt = tf.train.sgd(1e30);
    await expect(ae.train(x, { optimizer: opt, loss: 'mse', epochs: 20, batchSize: 8 })).rejects.toBeInstanceOf(
      TrainingDivergedError,
    );
    tf.dispose([wrong, nan, x]);
    opt.dispose();
    ae.model.dispose();
  });
});
