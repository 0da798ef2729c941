import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend, seed } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { Reparameterize, reparameterize, vae } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['wasm', 'cpu'] });
});

function memoryArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  return new Promise((resolve, reject) => {
    model
      .save(
        tf.io.withSaveHandler(async (a) => {
          resolve(a);
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      )
      .catch(reject);
  });
}

/** 4 binary 4x4 patterns, repeated. */
function patterns(n: number): tf.Tensor4D {
  const base = [
    [1, 1, 0, 0],
    [0, 0, 1, 1],
    [1, 0, 1, 0],
    [0, 1, 0, 1],
  ];
  const data: number[] = [];
  for (let i = 0; i < n; i++) for (let r = 0; r < 4; r++) data.push(...base[(i + r) % 4]);
  return tf.tensor4d(data, [n, 4, 4, 1]);
}

/** log N(x; b, W W^T + s^2 I) for a d x d covariance, by Cholesky. */
function exactLogLikelihood(x: number[], W: number[][], b: number[], s: number): number {
  const d = x.length;
  const S = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => W[i].reduce((a, w, k) => a + w * W[j][k], 0) + (i === j ? s * s : 0)),
  );
  const L = S.map(() => new Array(d).fill(0));
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let v = S[i][j];
      for (let k = 0; k < j; k++) v -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(v) : v / L[j][j];
    }
  const r = x.map((v, i) => v - b[i]);
  const y = new Array(d).fill(0); // L y = r
  for (let i = 0; i < d; i++) y[i] = (r[i] - L[i].slice(0, i).reduce((a, l, k) => a + l * y[k], 0)) / L[i][i];
  const logDet = 2 * L.reduce((a, row, i) => a + Math.log(row[i]), 0);
  return -0.5 * (y.reduce((a, v) => a + v * v, 0) + logDet + d * Math.log(2 * Math.PI));
}

describe('Reparameterize', () => {
  test('z = mean + exp(logVar/2) eps: moments, gradients, and a save/load round trip', async () => {
    const layer = reparameterize();
    const mean = tf.fill([20000, 2], 1.5);
    const logVar = tf.fill([20000, 2], Math.log(0.25));
    const z = layer.apply([mean, logVar]) as tf.Tensor;
    const m = tf.moments(z);
    expect(m.mean.dataSync()[0]).toBeCloseTo(1.5, 1);
    expect(Math.sqrt(m.variance.dataSync()[0])).toBeCloseTo(0.5, 2);
    // d sum(z) / d mean = 1 per element
    const g = tf.grad((mu: tf.Tensor) => tf.sum(layer.apply([mu, logVar]) as tf.Tensor))(mean);
    expect(tf.min(g).dataSync()[0]).toBe(1);
    expect(tf.max(g).dataSync()[0]).toBe(1);
    tf.dispose([mean, logVar, z, m.mean, m.variance, g]);

    const a = tfl.input({ shape: [3] });
    const b = tfl.input({ shape: [3] });
    const model = tfl.model({
      inputs: [a, b],
      outputs: new Reparameterize({ name: 'rp' }).apply([a, b]) as tfl.SymbolicTensor,
    });
    const art = await memoryArtifacts(model);
    expect(JSON.stringify(art.modelTopology)).toContain('"class_name":"Reparameterize"');
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(art));
    expect(loaded.getLayer('rp')).toBeInstanceOf(Reparameterize);
    const mu = tf.tensor2d([[1, 2, 3]]);
    const lv = tf.tensor2d([[0, -1, 1]]);
    seed(7);
    const o1 = model.predict([mu, lv]) as tf.Tensor;
    seed(7);
    const o2 = loaded.predict([mu, lv]) as tf.Tensor;
    expect(Array.from(o2.dataSync())).toEqual(Array.from(o1.dataSync()));
    seed(undefined);
    tf.dispose([mu, lv, o1, o2]);
  });
});

describe('vae', () => {
  test('the importance-weighted NLL converges to the exact -log p(x) of a linear-Gaussian model', async () => {
    seed(11);
    // decoder x = W z + b (no hidden layer, linear output) with Gaussian noise sigma: p(x) = N(b, W W^T + s^2 I)
    const model = vae({ inputShape: [3], latentDim: 2, hidden: [], likelihood: 'gaussian', sigma: 0.5 });
    const [kernel, bias] = model.decoder.getWeights();
    const Wt = kernel.arraySync() as number[][]; // [latent, 3]
    const W = [0, 1, 2].map((i) => [Wt[0][i], Wt[1][i]]);
    const b = bias.arraySync() as number[];
    const xs = [
      [0.3, -0.2, 0.5],
      [-1, 0.4, 0.1],
    ];
    const exact = -xs.map((x) => exactLogLikelihood(x, W, b, 0.5)).reduce((a, v) => a + v, 0) / xs.length;
    const x = tf.tensor2d(xs);
    const before = tf.memory().numTensors;
    const nll5000 = await model.importanceWeightedNll(x, { k: 5000 });
    const nll1 = await model.importanceWeightedNll(x, { k: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(nll5000 - exact)).toBeLessThan(0.05);
    // the bound holds: -ELBO >= IW-NLL >= exact NLL (up to Monte Carlo noise)
    const elbo = await model.elbo(x);
    expect(-elbo.elbo).toBeGreaterThan(exact - 0.05);
    expect(nll1).toBeGreaterThan(nll5000 - 0.05);
    x.dispose();
    seed(undefined);
  });

  test('the ELBO parts: closed-form KL and Bernoulli log-likelihood of a known encoder/decoder', async () => {
    const model = vae({ inputShape: [2], latentDim: 1, hidden: [] });
    // encoder: mean = 1.5, logVar = log 4 whatever x; decoder: logits = [0, ln 3] whatever z
    model.encoder.setWeights([tf.zeros([2, 1]), tf.fill([1], 1.5), tf.zeros([2, 1]), tf.fill([1], Math.log(4))]);
    model.decoder.setWeights([tf.zeros([1, 2]), tf.tensor1d([0, Math.log(3)])]);
    const x = tf.tensor2d([[1, 0]]);
    const e = await model.elbo(x);
    expect(e.kl).toBeCloseTo(0.5 * (4 + 1.5 ** 2 - 1 - Math.log(4)), 5);
    expect(e.logLikelihood).toBeCloseTo(Math.log(0.5) + Math.log(0.25), 5);
    expect(e.elbo).toBeCloseTo(e.logLikelihood - e.kl, 6);
    x.dispose();
  });

  test('training raises the ELBO; beta weighs the KL; warm-up; no leak; conditional shapes', async () => {
    const x = patterns(32);
    const kls: number[] = [];
    for (const beta of [0.1, 4]) {
      seed(2);
      const model = vae({ inputShape: [4, 4, 1], latentDim: 2, hidden: [32] });
      const e0 = (await model.elbo(x)).elbo;
      const before = tf.memory().numTensors;
      const opt = tf.train.adam(1e-2);
      const h = await model.train(x, { epochs: 25, batchSize: 16, beta, warmupSteps: 10, optimizer: opt });
      opt.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(h.length).toBe(25);
      if (beta === 0.1) expect((await model.elbo(x)).elbo).toBeGreaterThan(e0 + 3);
      kls.push(h[24].kl);
      model.model.dispose();
    }
    expect(kls[0]).toBeGreaterThan(kls[1] * 1.5); // a heavier KL weight gives a tighter posterior
    for (const kind of ['dense', 'conv'] as const) {
      const cv = vae({ inputShape: [4, 4, 1], latentDim: 2, hidden: [8], filters: [4], classes: 3, kind });
      const labels = tf.tensor1d([0, 1, 2, 1]);
      const four = patterns(4);
      const before = tf.memory().numTensors;
      const s = cv.sample(4, labels);
      expect(s.shape).toEqual([4, 4, 4, 1]);
      const enc = cv.encode(four, labels);
      expect(enc.mean.shape).toEqual([4, 2]);
      tf.dispose([s, enc.mean, enc.logVar]);
      expect(tf.memory().numTensors).toBe(before);
      const one = patterns(1);
      const line = cv.interpolate(one, one, 5, 2);
      expect(line.shape).toEqual([5, 4, 4, 1]);
      await cv.train(four, { labels, epochs: 1, batchSize: 4 });
      tf.dispose([labels, line, one, four]);
      cv.model.dispose();
    }
    x.dispose();
  });

  test('encoder and decoder save and reload; bad input names the argument', async () => {
    const model = vae({ inputShape: [4, 4, 1], latentDim: 3, kind: 'conv', filters: [4, 8] });
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(await memoryArtifacts(model.decoder)));
    const z = tf.randomNormal([2, 3]);
    const a = model.decoder.predict(z) as tf.Tensor;
    const b = loaded.predict(z) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    const full = await tfl.loadLayersModel(tf.io.fromMemory(await memoryArtifacts(model.model)));
    expect(full.layers.some((l) => l instanceof Reparameterize)).toBe(true);
    tf.dispose([z, a, b]);
    const input = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).input;
      }
      throw new Error('no error');
    };
    expect(input(() => vae({ inputShape: [4], latentDim: 0 }))).toBe('vae: latentDim');
    const cv = vae({ inputShape: [4], latentDim: 2, hidden: [4], classes: 3 });
    const x = tf.zeros([2, 4]);
    expect(input(() => cv.encode(x, tf.tensor1d([0, 1, 2])))).toBe('Vae.encode: labels');
    expect(input(() => cv.encode(x, tf.tensor1d([0, 3])))).toBe('Vae.encode: labels');
    expect(input(() => cv.encode(x))).toBe('Vae.encode: labels');
    expect(input(() => model.encode(x))).toBe('Vae.encode: x');
    await expect(vae({ inputShape: [4], hidden: [] }).train(tf.fill([2, 4], 2))).rejects.toMatchObject({
      input: 'Vae.train: x',
    });
    x.dispose();
  });
});
