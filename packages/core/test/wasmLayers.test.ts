import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, test } from 'vitest';
import { createRng, initBackend } from '../src/index.js';

// Beyond the reference CNN: layers that typical nets use must have every gradient kernel on wasm, and one
// training step must give the cpu backend's loss and weights from the same start.
const rng = createRng(11);
const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

type Build = () => tfl.LayersModel;
const MODELS: Array<[string, Build, number[], number[]]> = [
  [
    'batch norm, strided conv, elu, average pooling, global average pooling, dropout',
    () => {
      const input = tfl.input({ shape: [12, 10, 3] });
      let h = tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(input);
      h = tfl.layers.batchNormalization().apply(h);
      h = tfl.layers.activation({ activation: 'relu' }).apply(h);
      h = tfl.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same' }).apply(h);
      h = tfl.layers.conv2d({ filters: 6, kernelSize: 2, strides: 2, activation: 'elu' }).apply(h);
      h = tfl.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(h);
      h = tfl.layers.globalAveragePooling2d({}).apply(h);
      h = tfl.layers.dropout({ rate: 0 }).apply(h);
      const out = tfl.layers.dense({ units: 4, activation: 'softmax' }).apply(h) as tfl.SymbolicTensor;
      return tfl.model({ inputs: input, outputs: out });
    },
    [4, 12, 10, 3],
    [4, 4],
  ],
  [
    'conv2dTranspose decoder with sigmoid',
    () => {
      const input = tfl.input({ shape: [6, 5, 2] });
      let h = tfl.layers
        .conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' })
        .apply(input);
      h = tfl.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }).apply(h);
      h = tfl.layers.flatten().apply(h);
      const out = tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(h) as tfl.SymbolicTensor;
      return tfl.model({ inputs: input, outputs: out });
    },
    [3, 6, 5, 2],
    [3, 3],
  ],
  [
    'embedding, dense on a sequence, global average pooling (gather gradient, matmul gradients)',
    () => {
      const input = tfl.input({ shape: [7] });
      let h = tfl.layers.embedding({ inputDim: 20, outputDim: 6 }).apply(input);
      h = tfl.layers.dense({ units: 5, activation: 'tanh' }).apply(h);
      h = tfl.layers.globalAveragePooling1d({}).apply(h);
      const out = tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(h) as tfl.SymbolicTensor;
      return tfl.model({ inputs: input, outputs: out });
    },
    [4, 7],
    [4, 3],
  ],
];

test('UpSampling2D gradient (ResizeNearestNeighborGrad) equals a plain loop on wasm and on cpu', async () => {
  // tfjs-backend-cpu 4.22 gets this gradient wrong (Tiefe registers its own cpu kernel), so the reference here
  // is a plain loop: every input pixel collects the 2x2 block of the output gradient it was copied to.
  await initBackend({ prefer: ['wasm'] });
  const [b, h, w, c] = [2, 6, 5, 3];
  const x = random(b * h * w * c);
  const r = random(b * 4 * h * w * c);
  const want = new Float32Array(x.length);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < 2 * h; i++)
      for (let j = 0; j < 2 * w; j++)
        for (let k = 0; k < c; k++)
          want[((n * h + (i >> 1)) * w + (j >> 1)) * c + k] += r[((n * 2 * h + i) * 2 * w + j) * c + k];
  const grad = (name: string) =>
    tf.setBackend(name).then(() =>
      tf.tidy(() => {
        const up = (a: tf.Tensor) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [2 * h, 2 * w]);
        const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(up(a), tf.tensor4d(r, [b, 2 * h, 2 * w, c]))));
        return g(tf.tensor4d(x, [b, h, w, c])).dataSync() as Float32Array;
      }),
    );
  const maxDiff = (a: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - want[i])));
  expect(maxDiff(await grad('wasm'))).toBeLessThan(1e-5);
  expect(maxDiff(await grad('cpu'))).toBeLessThan(1e-5);
  await tf.setBackend('wasm');
});

describe('typical layers train on wasm as on cpu', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  for (const [name, build, xShape, yShape] of MODELS) {
    test(name, async () => {
      const isTokens = xShape.length === 2;
      const x = isTokens
        ? Float32Array.from({ length: xShape[0] * xShape[1] }, () => rng.int(20))
        : random(xShape.reduce((a, b) => a * b));
      const y = new Float32Array(yShape[0] * yShape[1]);
      for (let i = 0; i < yShape[0]; i++) y[i * yShape[1] + rng.int(yShape[1])] = 1;
      let init: Float32Array[] = [];
      const results: Record<string, { loss: number; weights: Float32Array[] }> = {};
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        const model = build();
        model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
        if (backend === 'cpu') init = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
        else {
          const start = init.map((w, i) => tf.tensor(w, model.getWeights()[i].shape));
          model.setWeights(start);
          tf.dispose(start);
        }
        const xs = tf.tensor(x, xShape);
        const ys = tf.tensor(y, yShape);
        const loss = (await model.trainOnBatch(xs, ys)) as number;
        results[backend] = { loss, weights: model.getWeights().map((w) => w.dataSync() as Float32Array) };
        tf.dispose([xs, ys]);
        model.optimizer.dispose();
        model.dispose();
        expect(tf.memory().numTensors, `${backend}: tensors left behind`).toBe(before);
      }
      expect(Number.isFinite(results.cpu.loss)).toBe(true);
      expect(Math.abs(results.wasm.loss - results.cpu.loss)).toBeLessThan(1e-4 * Math.abs(results.cpu.loss));
      let worst = 0;
      let moved = 0;
      for (let i = 0; i < init.length; i++) {
        for (let k = 0; k < init[i].length; k++) {
          worst = Math.max(worst, Math.abs(results.wasm.weights[i][k] - results.cpu.weights[i][k]));
          moved = Math.max(moved, Math.abs(results.cpu.weights[i][k] - init[i][k]));
        }
      }
      expect(moved, 'the step changed the weights').toBeGreaterThan(1e-3);
      expect(worst, 'weights after one SGD step').toBeLessThan(1e-5 + 1e-4 * moved);
    });
  }
});
