import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { referenceCnn } from '../bench/wasm.bench.js';
import { initBackend, seed } from '../src/index.js';

// The reference CNN (the model wasm.bench.ts times) trains on wasm (with Tiefe's gradient kernels) exactly as on
// tfjs's cpu backend, from the same initial weights, on real MNIST digits.
const MNIST = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const BATCH = 16;
const STEPS = 3;

function loadDigits(n: number): { x: Float32Array; y: Float32Array } {
  const images = gunzipSync(readFileSync(`${MNIST}/t10k-images-idx3-ubyte.gz`));
  const labels = gunzipSync(readFileSync(`${MNIST}/t10k-labels-idx1-ubyte.gz`));
  const x = new Float32Array(n * 784);
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n * 784; i++) x[i] = images[16 + i] / 255;
  for (let i = 0; i < n; i++) y[i * 10 + labels[8 + i]] = 1;
  return { x, y };
}

interface Run {
  losses: number[];
  weights: Float32Array[];
  tensorsPerStep: number[];
  bytesPerStep: number[];
}

async function train(
  backend: 'cpu' | 'wasm',
  init: Float32Array[],
  shapes: number[][],
  data: { x: Float32Array; y: Float32Array },
): Promise<Run> {
  await tf.setBackend(backend);
  const model = referenceCnn();
  const start = init.map((w, i) => tf.tensor(w, shapes[i]));
  model.setWeights(start);
  tf.dispose(start);
  const xs = tf.tensor4d(data.x, [BATCH, 28, 28, 1]);
  const ys = tf.tensor2d(data.y, [BATCH, 10]);
  const losses: number[] = [];
  const tensorsPerStep: number[] = [];
  const bytesPerStep: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    losses.push((await model.trainOnBatch(xs, ys)) as number);
    tensorsPerStep.push(tf.memory().numTensors);
    bytesPerStep.push(tf.memory().numBytes);
  }
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose([xs, ys]);
  model.optimizer.dispose();
  model.dispose();
  return { losses, weights, tensorsPerStep, bytesPerStep };
}

describe('reference CNN on wasm', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  test(`${STEPS} Adam steps on ${BATCH} MNIST digits give the cpu backend's losses and weights`, async () => {
    seed(7);
    await tf.setBackend('cpu');
    const initModel = referenceCnn();
    const init = initModel.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    const shapes = initModel.getWeights().map((w) => w.shape);
    initModel.dispose();
    seed(undefined);
    const data = loadDigits(BATCH);
    const cpu = await train('cpu', init, shapes, data);
    const before = tf.memory().numTensors;
    const wasm = await train('wasm', init, shapes, data);
    console.log('losses cpu', cpu.losses, 'wasm', wasm.losses);
    // Losses: relative 1e-4. They must also move (the model learns), so a frozen model cannot pass.
    for (let s = 0; s < STEPS; s++) expect(Math.abs(wasm.losses[s] - cpu.losses[s])).toBeLessThan(1e-4 * cpu.losses[s]);
    expect(cpu.losses[STEPS - 1]).toBeLessThan(cpu.losses[0] - 0.05);
    // Weights after the steps: Adam moves each by ~lr per step, so 1e-5 absolute is far below one step (1e-3).
    let worst = 0;
    for (let i = 0; i < init.length; i++) {
      for (let k = 0; k < init[i].length; k++)
        worst = Math.max(worst, Math.abs(wasm.weights[i][k] - cpu.weights[i][k]));
    }
    console.log('max |w_wasm - w_cpu| after training', worst);
    expect(worst).toBeLessThan(1e-5);
    // No tensor is left behind by a training step.
    expect(new Set(wasm.tensorsPerStep).size).toBe(1);
    expect(new Set(wasm.bytesPerStep).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('gradients of the loss with respect to every weight match the cpu backend (relative 1e-4)', async () => {
    const data = loadDigits(BATCH);
    const grads: Record<string, Float32Array[]> = {};
    let init: tf.Tensor[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      const model = referenceCnn();
      if (backend === 'cpu') init = model.getWeights().map((w) => tf.clone(w));
      else model.setWeights(init);
      const before = tf.memory().numTensors;
      const { value, grads: g } = tf.variableGrads(() =>
        tf.tidy(() => {
          const p = model.predict(tf.tensor4d(data.x, [BATCH, 28, 28, 1])) as tf.Tensor;
          return tf.losses.softmaxCrossEntropy(tf.tensor2d(data.y, [BATCH, 10]), tf.log(p)) as tf.Scalar;
        }),
      );
      grads[backend] = model.trainableWeights.map((w) => g[w.name].dataSync() as Float32Array);
      tf.dispose([value, ...Object.values(g)]);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    }
    tf.dispose(init);
    expect(grads.wasm.length).toBe(6);
    for (let i = 0; i < grads.cpu.length; i++) {
      let scale = 0;
      let worst = 0;
      for (let k = 0; k < grads.cpu[i].length; k++) {
        scale = Math.max(scale, Math.abs(grads.cpu[i][k]));
        worst = Math.max(worst, Math.abs(grads.wasm[i][k] - grads.cpu[i][k]));
      }
      expect(scale).toBeGreaterThan(0);
      expect(worst, `weight ${i}`).toBeLessThan(1e-4 * scale);
    }
  });
});
