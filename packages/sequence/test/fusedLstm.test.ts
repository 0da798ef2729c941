import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FusedLSTM, fusedLstm, lstmSequence, streamingModel } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tiefe-fused-'));
beforeAll(() => initBackend({ prefer: ['cpu'] }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** max |a - b| / max |b|: relative to the reference's scale. */
const rel = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(b)).dataSync()[0]);

function pair(features: number, units: number, returnSequences: boolean) {
  const input = tfl.input({ shape: [null, features] });
  const ref = tfl.model({
    inputs: input,
    outputs: tfl.layers
      .lstm({ units, returnSequences, recurrentActivation: 'sigmoid' })
      .apply(input) as tfl.SymbolicTensor,
  });
  const input2 = tfl.input({ shape: [null, features] });
  const fused = tfl.model({
    inputs: input2,
    outputs: fusedLstm({ units, returnSequences }).apply(input2) as tfl.SymbolicTensor,
  });
  // random non-trivial weights, also in the bias, so that every gate matters
  ref.setWeights(ref.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 10 + i)));
  fused.setWeights(ref.getWeights());
  return { ref, fused };
}

describe('FusedLSTM', () => {
  test.each([false, true])(
    'forward and all gradients equal tfjs-layers LSTM within 1e-5 relative (returnSequences %s)',
    (returnSequences) => {
      const { ref, fused } = pair(4, 5, returnSequences);
      const x = tf.randomNormal([3, 7, 4], 0, 1, 'float32', 1);
      const r = tf.randomNormal(returnSequences ? [3, 7, 5] : [3, 5], 0, 1, 'float32', 2);
      const yRef = ref.predict(x) as tf.Tensor;
      const yFused = fused.predict(x) as tf.Tensor;
      expect(yFused.shape).toEqual(yRef.shape);
      expect(rel(yFused, yRef)).toBeLessThan(1e-5);
      const grads = (m: tfl.LayersModel) => {
        const w = m.trainableWeights.map((v) => v.read() as tf.Variable);
        const f = (xi: tf.Tensor, ..._ws: tf.Tensor[]) => tf.sum(tf.mul(m.apply(xi) as tf.Tensor, r));
        return tf.grads(f)([x, ...w]);
      };
      const gRef = grads(ref);
      const gFused = grads(fused);
      expect(gFused.length).toBe(4);
      gFused.forEach((g, i) => {
        expect(g.shape).toEqual(gRef[i].shape);
        expect(rel(g, gRef[i])).toBeLessThan(1e-5);
      });
    },
  );

  test('gradient of lstmSequence matches central finite differences (float64 reference by perturbation)', () => {
    const x = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 3);
    const w = {
      kernel: tf.randomNormal([3, 8], 0, 0.5, 'float32', 4) as tf.Tensor2D,
      recurrentKernel: tf.randomNormal([2, 8], 0, 0.5, 'float32', 5) as tf.Tensor2D,
      bias: tf.randomNormal([8], 0, 0.5, 'float32', 6) as tf.Tensor1D,
    };
    const loss = (u: tf.Tensor) =>
      tf.sum(tf.square(lstmSequence(x as tf.Tensor3D, { ...w, recurrentKernel: u as tf.Tensor2D }, true)));
    const g = tf.grad(loss)(w.recurrentKernel).dataSync();
    const u0 = w.recurrentKernel.dataSync();
    const eps = 1e-2;
    for (const k of [0, 5, 11, 15]) {
      const up = Float32Array.from(u0);
      const dn = Float32Array.from(u0);
      up[k] += eps;
      dn[k] -= eps;
      const fd =
        (loss(tf.tensor2d(up, [2, 8])).dataSync()[0] - loss(tf.tensor2d(dn, [2, 8])).dataSync()[0]) / (2 * eps);
      expect(Math.abs(fd - g[k])).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
    }
  });

  test('weights move both ways, the layer saves and reloads, training leaks nothing, streaming turns it into an LSTM', async () => {
    const { ref, fused } = pair(2, 3, true);
    const names = fused.getLayer(fused.layers[1].name).weights.map((v) => v.originalName.split('/').pop());
    expect(names).toEqual(['kernel', 'recurrent_kernel', 'bias']);
    ref.setWeights(fused.getWeights());
    const x = tf.randomNormal([2, 5, 2], 0, 1, 'float32', 8);
    expect(rel(fused.predict(x) as tf.Tensor, ref.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
    await fused.save(`file://${join(dir, 'fused')}`);
    const loaded = await tfl.loadLayersModel(`file://${join(dir, 'fused', 'model.json')}`);
    expect(loaded.layers[1]).toBeInstanceOf(FusedLSTM);
    expect(rel(loaded.predict(x) as tf.Tensor, fused.predict(x) as tf.Tensor)).toBeLessThan(1e-6);
    // a fresh layer starts with the unit forget bias
    const fresh = tfl.sequential({ layers: [fusedLstm({ units: 2, inputShape: [3, 1] })] });
    expect(Array.from(fresh.getWeights()[2].dataSync())).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
    // training steps: loss falls, no tensor left behind
    fused.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const y = tf.zeros([2, 5, 3]);
    await fused.fit(x, y, { epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    const h = await fused.fit(x, y, { epochs: 5, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect(h.history.loss[4]).toBeLessThan(h.history.loss[0] as number);
    const live = await streamingModel(fused);
    expect(live.model.layers[1].getClassName()).toBe('LSTM');
    const full = (fused.predict(tf.slice(x, [0, 0, 0], [1, 5, 2])) as tf.Tensor).arraySync() as number[][][];
    for (let t = 0; t < 5; t++) {
      const yt = live.step(tf.reshape(tf.slice(x, [0, t, 0], [1, 1, 2]), [1, 2]));
      for (const [j, v] of Array.from(yt.dataSync()).entries()) expect(v).toBeCloseTo(full[0][t][j], 5);
    }
    live.dispose();
  });

  test('masks and bad input are refused with the argument named', () => {
    expect(() => fusedLstm({ units: 0 })).toThrow(/FusedLSTM: units/);
    const tokens = tfl.input({ shape: [4] });
    const e = tfl.layers.embedding({ inputDim: 5, outputDim: 2, maskZero: true }).apply(tokens);
    const m = tfl.model({ inputs: tokens, outputs: fusedLstm({ units: 2 }).apply(e) as tfl.SymbolicTensor });
    expect(() => m.predict(tf.tensor2d([[1, 2, 0, 0]]))).toThrow();
    expect(() =>
      lstmSequence(tf.zeros([1, 2]) as unknown as tf.Tensor3D, {
        kernel: tf.zeros([2, 8]),
        recurrentKernel: tf.zeros([2, 8]),
        bias: tf.zeros([8]),
      }),
    ).toThrow(/lstmSequence: x/);
  });
});
