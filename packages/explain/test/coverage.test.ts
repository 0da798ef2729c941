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

/** Plain-array depthwise (valid, stride s) then pointwise convolution of one [h, w, c] image; returns both. */
function plainSeparable(
  x: number[][][],
  dk: number[], // [k, k, c, mult] flat
  pk: number[], // [1, 1, c mult, f] flat
  bias: number[],
  k: number,
  mult: number,
  f: number,
  s: number,
): { hid: number[][][]; z: number[][][] } {
  const c = x[0][0].length;
  const ho = Math.floor((x.length - k) / s) + 1;
  const wo = Math.floor((x[0].length - k) / s) + 1;
  const hid = Array.from({ length: ho }, (_, y) =>
    Array.from({ length: wo }, (_, xx) =>
      Array.from({ length: c * mult }, (_, ch) => {
        const [ci, m] = [Math.floor(ch / mult), ch % mult];
        let v = 0;
        for (let a = 0; a < k; a++)
          for (let b = 0; b < k; b++) v += x[y * s + a][xx * s + b][ci] * dk[((a * k + b) * c + ci) * mult + m];
        return v;
      }),
    ),
  );
  const z = hid.map((row) =>
    row.map((hv) => Array.from({ length: f }, (_, o) => hv.reduce((acc, v, ch) => acc + v * pk[ch * f + o], bias[o]))),
  );
  return { hid, z };
}

describe('LRP for SeparableConv2D and TimeDistributed', () => {
  test('SeparableConv2D: epsilon on the pointwise then the depthwise map equals the plain-array rule; bias-free LRP-0 conserves', async () => {
    const eps = 0.01;
    for (const useBias of [true, false]) {
      const m = tfl.sequential({
        layers: [
          tfl.layers.separableConv2d({
            inputShape: [6, 6, 2],
            filters: 3,
            kernelSize: 3,
            depthMultiplier: 2,
            strides: 1,
            useBias,
            name: 'sep',
          }),
          tfl.layers.flatten(),
          tfl.layers.dense({ units: 2, useBias: false, name: 'head' }),
        ],
      });
      fixWeights(m, 21);
      const ws = m.getWeights().map((t) => Array.from(t.dataSync()));
      const [dk, pk] = ws;
      const bias = useBias ? ws[2] : [0, 0, 0];
      const head = ws[ws.length - 1];
      const x = uniform([2, 6, 6, 2], 6, -1, 1);
      const before = tf.memory().numTensors;
      const r = await lrp(m, x, { rule: rules.epsilon({ epsilon: eps }), target: 1 });
      expect(tf.memory().numTensors).toBe(before + 1);
      const got = (await r.array()) as number[][][][];
      const st = (v: number) => v + (v >= 0 ? eps : -eps);
      ((await x.array()) as number[][][][]).forEach((xi, n) => {
        const { hid, z } = plainSeparable(xi, dk, pk, bias, 3, 2, 3, 1);
        const flatZ = z.flat(2);
        const out = flatZ.reduce((acc, v, j) => acc + v * head[j * 2 + 1], 0);
        const rz = flatZ.map((v, j) => (v * head[j * 2 + 1] * out) / st(out));
        // pointwise: R_h = h sum_f pk R_z / (z + eps sign z)
        const rh = hid.map((row, y) =>
          row.map((hv, xx) =>
            hv.map((v, ch) =>
              [0, 1, 2].reduce((acc, o) => acc + (v * pk[ch * 3 + o] * rz[(y * 4 + xx) * 3 + o]) / st(z[y][xx][o]), 0),
            ),
          ),
        );
        // depthwise: R_x = x sum over the windows containing it dk R_h / (h + eps sign h)
        const want = xi.map((row) => row.map((px) => px.map(() => 0)));
        for (let y = 0; y < 4; y++)
          for (let xx = 0; xx < 4; xx++)
            for (let ch = 0; ch < 4; ch++) {
              const [ci, mm] = [Math.floor(ch / 2), ch % 2];
              const share = rh[y][xx][ch] / st(hid[y][xx][ch]);
              for (let a = 0; a < 3; a++)
                for (let b = 0; b < 3; b++)
                  want[y + a][xx + b][ci] += xi[y + a][xx + b][ci] * dk[((a * 3 + b) * 2 + ci) * 2 + mm] * share;
            }
        expect(relErr(got[n].flat(2), want.flat(2))).toBeLessThan(1e-4);
      });
      if (!useBias) {
        const r0 = await lrp(m, x, { rule: rules.zero(), target: 1 });
        const want = await logit(m, x, 1);
        (await sums(r0)).forEach((v, n) => {
          expect(Math.abs(want[n])).toBeGreaterThan(1e-3);
          expect(Math.abs(v - want[n])).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[n])));
        });
        r0.dispose();
      }
      // The composite is asked once per map; only the depthwise map of the first layer is `isFirst`.
      const seen: string[] = [];
      const spy = (name: string) => ({
        name,
        relevance: (map: LinearMap, xx: tf.Tensor, rr: tf.Tensor) => {
          seen.push(`${name}:${map.depthwise ? 'depthwise' : 'pointwise'}`);
          return rules.zero().relevance(map, xx, rr);
        },
      });
      const spied = composites.layerMap({
        map: [
          [['SeparableConv2D'], spy('sep')],
          [['dense'], rules.zero()],
        ],
        first: spy('first'),
      });
      (await lrp(m, x, { composite: spied, target: 0 })).dispose();
      expect(seen).toEqual(['sep:pointwise', 'first:depthwise']);
      tf.dispose([x, r]);
      m.dispose();
    }
  });

  test.each([
    ['Dense (relu)', [3, 4], () => tfl.layers.dense({ units: 5, activation: 'relu', useBias: false })],
    ['Conv2D', [3, 4, 4, 1], () => tfl.layers.conv2d({ filters: 2, kernelSize: 3, useBias: false })],
    ['Flatten', [3, 2, 2], () => tfl.layers.flatten()],
  ])('TimeDistributed(%s): LRP-0 sums to the logit and equals gradient x input', async (_name, shape, make) => {
    const steps = shape[0];
    const inp = tfl.input({ shape: shape as number[] });
    const td = tfl.layers.timeDistributed({ layer: (make as () => tfl.layers.Layer)(), name: 'td' });
    const mid = td.apply(inp) as tfl.SymbolicTensor;
    const out = tfl.layers
      .dense({ units: 2, useBias: false })
      .apply(tfl.layers.flatten().apply(mid) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: inp, outputs: out });
    fixWeights(m, 13);
    const x = uniform([2, ...(shape as number[])], 9, -1, 1);
    const before = tf.memory().numTensors;
    const r = await lrp(m, x, { rule: rules.zero(), target: 1 });
    expect(tf.memory().numTensors).toBe(before + 1);
    const want = await logit(m, x, 1);
    (await sums(r)).forEach((v, n) => {
      expect(Math.abs(want[n])).toBeGreaterThan(1e-3);
      expect(Math.abs(v - want[n])).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[n])));
    });
    // Independent reference: for these piecewise-linear bias-free nets LRP-0 equals gradient x input of the model.
    const g = tf.tidy(() =>
      tf.mul(x, tf.grad((v: tf.Tensor) => tf.sum(tf.slice(m.apply(v) as tf.Tensor, [0, 1], [-1, 1])))(x)),
    );
    expect(relErr(await r.data(), await g.data())).toBeLessThan(1e-4);
    expect(r.shape).toEqual(x.shape);
    expect(steps).toBeGreaterThan(1);
    if (_name !== 'Flatten') {
      // layerRules name the wrapper of a linear layer
      const r2 = await lrp(m, x, { layerRules: { td: rules.wSquare() }, rule: rules.zero(), target: 1 });
      expect(relErr(await r2.data(), await r.data())).toBeGreaterThan(1e-3);
      r2.dispose();
    }
    tf.dispose([x, r, g]);
    m.dispose();
  });
});
