import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { upSampling3d } from '@tiefe/blocks';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { composites, type LinearMap, lrp, registerLrpLayer, rules, UnsupportedLayerError } from '../src/index.js';
import { fixWeights, relErr, uniform } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

/** The logit `c` of every input, read from the model (no final activation in these nets). */
async function logit(m: tfl.LayersModel, x: tf.Tensor, c: number): Promise<number[]> {
  const out = tf.tidy(() => tf.slice(m.predict(x) as tf.Tensor, [0, c], [-1, 1]));
  const v = Array.from(await out.data());
  out.dispose();
  return v;
}

async function sums(r: tf.Tensor): Promise<number[]> {
  const s = tf.tidy(() => tf.sum(tf.reshape(r, [r.shape[0], -1]), 1));
  const v = Array.from(await s.data());
  s.dispose();
  return v;
}

describe('LRP coverage: relevance is conserved through every layer type the packages build', () => {
  test.each([
    [
      'Conv2DTranspose (strided, same)',
      [3, 3, 2],
      () => tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
    ],
    [
      'Conv2DTranspose (valid)',
      [3, 3, 2],
      () => tfl.layers.conv2dTranspose({ filters: 3, kernelSize: 2, useBias: false }),
    ],
    ['UpSampling2D', [3, 3, 2], () => tfl.layers.upSampling2d({ size: [2, 3] })],
    [
      'Conv3DTranspose (strided, same)',
      [2, 2, 2, 2],
      () => tfl.layers.conv3dTranspose({ filters: 2, kernelSize: 2, strides: 2, padding: 'same', useBias: false }),
    ],
    ['UpSampling3D', [2, 2, 2, 1], () => upSampling3d({ size: 2 })],
    ['LayerNormalization (no centre)', [3, 4], () => tfl.layers.layerNormalization({ center: false })],
  ])('%s: LRP-0 sums to the logit', async (_name, shape, make) => {
    const inp = tfl.input({ shape: shape as number[] });
    const pre = tfl.layers.dense({ units: (shape as number[]).at(-1) as number, useBias: false }).apply(inp);
    const mid = (make as () => tfl.layers.Layer)().apply(pre) as tfl.SymbolicTensor;
    const flat = tfl.layers.flatten().apply(mid) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2, useBias: false }).apply(flat) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: inp, outputs: out });
    fixWeights(m, 5);
    const x = uniform([2, ...(shape as number[])], 8, -1, 1);
    const before = tf.memory().numTensors;
    const r = await lrp(m, x, { rule: rules.zero(), target: 1 });
    expect(tf.memory().numTensors).toBe(before + 1);
    const want = await logit(m, x, 1);
    const got = await sums(r);
    want.forEach((v, n) => {
      expect(Math.abs(v)).toBeGreaterThan(1e-3);
      expect(Math.abs(got[n] - v)).toBeLessThan(1e-4 * Math.max(1, Math.abs(v)));
    });
    // epsilon and z+ run through the layer as well (no error, finite maps)
    const r2 = await lrp(m, x, { composite: composites.epsilonPlus(), target: 1 });
    expect(Array.from(await r2.data()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, r, r2]);
  });

  test('LayerNormalization: relevance equals the plain-array z-rule with the standard deviation frozen', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.layerNormalization({ inputShape: [4], center: false }),
        tfl.layers.dense({ units: 2, useBias: false }),
      ],
    });
    fixWeights(m, 3);
    const [g, w] = m.getWeights().map((t) => Array.from(t.dataSync()));
    const x = uniform([2, 4], 1, -1, 1);
    const r = await lrp(m, x, { rule: rules.zero(), target: 0 });
    const got = (await r.array()) as number[][];
    ((await x.array()) as number[][]).forEach((xi, n) => {
      const mean = xi.reduce((s, v) => s + v, 0) / 4;
      const sd = Math.sqrt(xi.reduce((s, v) => s + (v - mean) ** 2, 0) / 4 + 1e-3);
      const y = xi.map((v, j) => (g[j] * (v - mean)) / sd);
      const ry = y.map((v, j) => v * w[j * 2]); // LRP-0 through the Dense layer
      // y_j = sum_i x_i J_ji with J_ji = g_j (delta_ij - 1/4) / sd: R_i = sum_j x_i J_ji R_j / y_j
      const want = xi.map((xv, i) =>
        y.reduce((s, yj, j) => s + ((xv * g[j] * ((i === j ? 1 : 0) - 0.25)) / sd / yj) * ry[j], 0),
      );
      expect(relErr(got[n], want)).toBeLessThan(1e-4);
    });
    tf.dispose([x, r]);
  });

  test('Embedding: a token gets the relevance of its vector, summed (plain-array reference)', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.embedding({ inputDim: 5, outputDim: 3, inputLength: 4 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2, useBias: false }),
      ],
    });
    fixWeights(m, 7);
    const [e, w] = m.getWeights().map((t) => Array.from(t.dataSync()));
    const tokens = [
      [0, 3, 1, 4],
      [2, 2, 0, 1],
    ];
    const x = tf.tensor2d(tokens);
    const r = await lrp(m, x, { rule: rules.epsilon({ epsilon: 1e-9 }), target: 1 });
    expect(r.shape).toEqual([2, 4]);
    const got = (await r.array()) as number[][];
    tokens.forEach((seq, n) => {
      const want = seq.map((t, l) => [0, 1, 2].reduce((s, d) => s + e[t * 3 + d] * w[(l * 3 + d) * 2 + 1], 0));
      expect(relErr(got[n], want)).toBeLessThan(1e-5);
    });
    tf.dispose([x, r]);
  });

  test('a custom layer registered with registerLrpLayer gets its rule from a layer map by its group', async () => {
    class Mix extends tfl.layers.Layer {
      static className = 'TestScale';
      private w!: tfl.LayerVariable;
      override build(shape: tfl.Shape | tfl.Shape[]) {
        const s = shape as number[];
        this.w = this.addWeight('w', [s[s.length - 1], s[s.length - 1]], 'float32', tfl.initializers.ones());
        this.built = true;
      }
      override call(inputs: tf.Tensor | tf.Tensor[]) {
        return tf.matMul((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D, this.w.read() as tf.Tensor2D);
      }
      override getClassName() {
        return 'TestScale';
      }
      kernel() {
        return this.w.read();
      }
    }
    tf.serialization.registerClass(Mix);
    const m = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [3], units: 4, useBias: false }),
        new Mix({ name: 'scale' }),
        tfl.layers.dense({ units: 2, useBias: false }),
      ],
    });
    fixWeights(m, 4);
    const x = uniform([2, 3], 2, 0, 1);
    await expect(lrp(m, x)).rejects.toThrow(UnsupportedLayerError);
    const map = (layer: unknown): LinearMap => ({
      kind: 'conv',
      kernel: (layer as Mix).kernel(),
      bias: null,
      apply: (v, k) => tf.matMul(v as tf.Tensor2D, k as tf.Tensor2D),
    });
    registerLrpLayer('TestScale', { type: 'linear', group: 'scaling', linearMap: map });
    // not in the layer map: an error that names the layer and its group
    const noRule = composites.layerMap({ map: [[['dense'], rules.zero()]] });
    await expect(lrp(m, x, { composite: noRule })).rejects.toThrow(/layer "scale" of class TestScale .*group scaling/);
    // mapped by group: LRP-0 everywhere conserves the logit
    const flatScale = composites.layerMap({
      map: [
        [['dense'], rules.zero()],
        [['scaling'], rules.zero()],
      ],
    });
    const r = await lrp(m, x, { composite: flatScale, target: 0 });
    const want = await logit(m, x, 0);
    (await sums(r)).forEach((s, n) => {
      expect(Math.abs(s - want[n])).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[n])));
    });
    // and by class name, with another rule: the map differs
    const byClass = composites.layerMap({
      map: [
        [['Dense'], rules.zero()],
        [['TestScale'], rules.wSquare()],
      ],
    });
    const r2 = await lrp(m, x, { composite: byClass, target: 0 });
    expect(relErr(await r2.data(), await r.data())).toBeGreaterThan(1e-3);
    tf.dispose([x, r, r2]);
  });
});
