import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { composites, gradientTimesInput, type LrpRule, lrp, rules, UnsupportedLayerError } from '../src/index.js';
import { fixWeights, relErr, uniform } from './helpers.js';
import { type PlainLayer, type PlainRule, plainLrp, rows, unrollConv2d } from './reference.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

async function sums(t: tf.Tensor): Promise<number[]> {
  const s = tf.sum(tf.reshape(t, [t.shape[0], -1]), 1);
  const out = Array.from(await s.data());
  s.dispose();
  return out;
}

function denseNet(bias: boolean, softmax = false): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [6], units: 5, activation: 'relu', useBias: bias }),
      tfl.layers.dense({ units: 4, activation: 'relu', useBias: bias }),
      tfl.layers.dense({ units: 3, activation: softmax ? 'softmax' : 'linear', useBias: bias }),
    ],
  });
  fixWeights(m, 11);
  return m;
}

function plainDense(model: tfl.LayersModel): PlainLayer[] {
  return model.layers.map((l, k) => {
    const [w, b] = l.getWeights();
    const wd = w.dataSync() as Float32Array;
    return {
      w: rows(wd, w.shape[0] as number, w.shape[1] as number),
      b: Array.from(b.dataSync()),
      relu: k < model.layers.length - 1,
    };
  });
}

const tensorRule = (r: PlainRule): LrpRule =>
  r.kind === 'epsilon'
    ? rules.epsilon({ epsilon: r.eps })
    : r.kind === 'gamma'
      ? rules.gamma({ gamma: r.gamma })
      : r.kind === 'zPlus'
        ? rules.zPlus()
        : rules.alphaBeta({ alpha: r.alpha, beta: r.beta });

const RULES: PlainRule[] = [
  { kind: 'epsilon', eps: 0.1 },
  { kind: 'gamma', gamma: 0.25 },
  { kind: 'alphaBeta', alpha: 2, beta: 1 },
  { kind: 'alphaBeta', alpha: 1, beta: 0 },
  { kind: 'zPlus' },
];

describe('lrp', () => {
  test('LRP-0 on a bias-free ReLU conv net (with max pooling) equals gradient x input and conserves the logit', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, activation: 'relu', useBias: false }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 6, activation: 'relu', useBias: false }),
        tfl.layers.dense({ units: 4, useBias: false }),
      ],
    });
    fixWeights(m, 3);
    const x = uniform([3, 8, 8, 2], 5, 0, 1);
    const before = tf.memory().numTensors;
    const r = await lrp(m, x, { rule: rules.zero(), target: [0, 1, 3] });
    const gi = await gradientTimesInput(m, x, { target: [0, 1, 3] });
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(r.shape).toEqual(x.shape);
    expect(relErr(await r.data(), await gi.data())).toBeLessThan(1e-4);
    const logits = m.predict(x) as tf.Tensor;
    const l = (await logits.array()) as number[][];
    const s = await sums(r);
    [0, 1, 3].forEach((c, i) => {
      expect(Math.abs(s[i] - l[i][c])).toBeLessThanOrEqual(1e-4 * Math.abs(l[i][c]));
    });
    // the maps are not trivial: logits differ from zero and relevance has both signs
    expect(Math.abs(l[0][0])).toBeGreaterThan(1e-3);
    tf.dispose([x, r, gi, logits]);
  });

  test.each(RULES)('Dense net with biases: %o matches the plain-array implementation', async (rule) => {
    const m = denseNet(true);
    const x = uniform([4, 6], 9, -1, 1);
    const plain = plainDense(m);
    const xs = (await x.array()) as number[][];
    const before = tf.memory().numTensors;
    const r = await lrp(m, x, { rule: tensorRule(rule), target: 'predicted' });
    expect(tf.memory().numTensors).toBe(before + 1);
    const pred = tf.tidy(() => tf.argMax(m.predict(x) as tf.Tensor, 1)).dataSync();
    const got = (await r.array()) as number[][];
    xs.forEach((xi, i) => {
      const want = plainLrp(plain, xi, pred[i], [rule, rule, rule]);
      expect(relErr(got[i], want)).toBeLessThan(2e-4);
    });
    tf.dispose([x, r]);
  });

  test.each(RULES)('Conv2D (same padding) + Dense net: %o matches the plain-array implementation', async (rule) => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'relu' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    fixWeights(m, 21);
    const [k1, b1, k2, b2, w3, b3] = m.getWeights();
    const u1 = unrollConv2d(k1.dataSync() as Float32Array, k1.shape, [5, 5], 'same');
    const u2 = unrollConv2d(k2.dataSync() as Float32Array, k2.shape, [5, 5], 'valid');
    const tile = (b: tf.Tensor, n: number) => Array.from({ length: n }, () => Array.from(b.dataSync())).flat();
    const plain: PlainLayer[] = [
      { w: u1.w, b: tile(b1, 25), relu: true },
      { w: u2.w, b: tile(b2, 16), relu: true },
      { w: rows(w3.dataSync() as Float32Array, 32, 3), b: Array.from(b3.dataSync()), relu: false },
    ];
    const x = uniform([2, 5, 5, 2], 4, 0, 1);
    const r = await lrp(m, x, { rule: tensorRule(rule), target: [2, 0] });
    const xs = (await x.data()) as Float32Array;
    const got = (await r.data()) as Float32Array;
    [2, 0].forEach((c, i) => {
      const want = plainLrp(plain, Array.from(xs.subarray(i * 50, (i + 1) * 50)), c, [rule, rule, rule]);
      expect(relErr(got.subarray(i * 50, (i + 1) * 50), want)).toBeLessThan(2e-4);
    });
    tf.dispose([x, r]);
  });

  test('a final softmax is stripped: relevance sums to the pre-softmax logit', async () => {
    const soft = denseNet(false, true);
    const x = uniform([2, 6], 1, 0, 1);
    const r = await lrp(soft, x, { rule: rules.zero(), target: 1 });
    const z = tf.tidy(() => {
      // the same weights without softmax
      const lin = denseNet(false, false);
      lin.setWeights(soft.getWeights());
      const out = lin.predict(x) as tf.Tensor;
      return out;
    });
    const zs = (await z.array()) as number[][];
    const s = await sums(r);
    s.forEach((v, i) => {
      expect(v).toBeCloseTo(zs[i][1], 4);
    });
    tf.dispose([x, r, z]);
  });

  test('composites and per-layer rules: the rule of each layer is the one asked for', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [5, 5, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'c1' }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'relu', name: 'c2' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3, name: 'd' }),
      ],
    });
    fixWeights(m, 2); // a seed whose network is alive for these inputs (checked below)
    const x = uniform([2, 5, 5, 1], 2, 0, 1);
    const eps = rules.epsilon({ epsilon: 1e-6 });
    const run = async (o: Parameters<typeof lrp>[2]) => {
      const r = await lrp(m, x, { target: 0, ...o });
      const d = Array.from(await r.data());
      r.dispose();
      return d;
    };
    const zp = rules.zPlus();
    const flat = rules.flat();
    const manualPlus = await run({ layerRules: { c1: zp, c2: zp, d: eps } });
    expect(Math.max(...manualPlus.map(Math.abs))).toBeGreaterThan(1e-3);
    expect(relErr(await run({ composite: composites.epsilonPlus() }), manualPlus)).toBeLessThan(1e-6);
    expect(relErr(await run({}), manualPlus)).toBeLessThan(1e-6); // epsilonPlus is the default
    const manualFlat = await run({ layerRules: { c1: flat, c2: zp, d: eps } });
    expect(relErr(await run({ composite: composites.epsilonPlusFlat() }), manualFlat)).toBeLessThan(1e-6);
    expect(relErr(manualFlat, manualPlus)).toBeGreaterThan(1e-3);
    const ab = rules.alphaBeta({ alpha: 2, beta: 1 });
    const box = rules.zBox({ low: 0, high: 1 });
    const g = rules.gamma({ gamma: 0.25 });
    expect(
      relErr(
        await run({ composite: composites.epsilonAlpha2Beta1() }),
        await run({ layerRules: { c1: ab, c2: ab, d: eps } }),
      ),
    ).toBeLessThan(1e-6);
    expect(
      relErr(
        await run({ composite: composites.epsilonAlpha2Beta1Flat() }),
        await run({ layerRules: { c1: flat, c2: ab, d: eps } }),
      ),
    ).toBeLessThan(1e-6);
    expect(
      relErr(
        await run({ composite: composites.epsilonGammaBox({ low: 0, high: 1 }) }),
        await run({ layerRules: { c1: box, c2: g, d: eps } }),
      ),
    ).toBeLessThan(1e-6);
    // layerRules override a global rule for that layer only
    const mixed = await run({ rule: rules.zero(), layerRules: { c1: flat } });
    expect(relErr(mixed, await run({ rule: rules.zero() }))).toBeGreaterThan(1e-3);
    tf.dispose(x);
  });

  test('flat, w-square and z-box on one Dense layer match their formulas', async () => {
    const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2, useBias: true })] });
    m.setWeights([
      tf.tensor2d([
        [1, -2],
        [3, 1],
        [-1, 2],
      ]),
      tf.tensor1d([0.5, -0.5]),
    ]);
    const x = tf.tensor2d([[0.2, 0.5, 0.9]]);
    const z0 = 0.2 * 1 + 0.5 * 3 + 0.9 * -1 + 0.5; // 1.3, target 0
    const get = async (rule: LrpRule) => {
      const r = await lrp(m, x, { rule, target: 0 });
      const d = Array.from(await r.data());
      r.dispose();
      return d;
    };
    // flat: equal shares of R = z0
    (await get(rules.flat())).forEach((v) => {
      expect(v).toBeCloseTo(z0 / 3, 5);
    });
    // w-square: w^2 / sum w^2 = [1, 9, 1] / 11
    const ws = await get(rules.wSquare());
    [1, 9, 1].forEach((w2, i) => {
      expect(ws[i]).toBeCloseTo((z0 * w2) / 11, 5);
    });
    // z-box with l = 0, h = 1: (x w - l w+ - h w-) / sum, w = [1, 3, -1]
    const terms = [0.2 * 1 - 0, 0.5 * 3 - 0, 0.9 * -1 - 1 * -1];
    const tot = terms.reduce((a, b) => a + b, 0);
    const zb = await get(rules.zBox({ low: 0, high: 1 }));
    terms.forEach((t, i) => {
      expect(zb[i]).toBeCloseTo((t / tot) * z0, 5);
    });
    tf.dispose([x]);
  });

  test('BatchNormalization is folded into the preceding linear layer', async () => {
    const inp = tfl.input({ shape: [6, 6, 1] });
    let h = tfl.layers.conv2d({ filters: 3, kernelSize: 3, useBias: false }).apply(inp) as tfl.SymbolicTensor;
    h = tfl.layers.batchNormalization({}).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.activation({ activation: 'relu' }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.flatten().apply(h) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2 }).apply(h) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: inp, outputs: out });
    fixWeights(m, 5);
    // moving variance must be positive
    const bn = m.layers[2];
    const [gamma, beta, mean, v] = bn.getWeights();
    const mv = tf.add(tf.abs(v), 0.5);
    bn.setWeights([gamma, beta, mean, mv]);
    const [k] = m.layers[1].getWeights();
    const [dk, db] = m.layers[5].getWeights();
    // the same network with the BN folded by hand
    const a = tf.div(gamma, tf.sqrt(tf.add(mv, 1e-3)));
    const folded = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, activation: 'relu' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    folded.setWeights([tf.mul(k, a), tf.sub(beta, tf.mul(mean, a)), dk, db]);
    const x = uniform([2, 6, 6, 1], 3, 0, 1);
    const p1 = m.predict(x) as tf.Tensor;
    const p2 = folded.predict(x) as tf.Tensor;
    expect(relErr(await p1.data(), await p2.data())).toBeLessThan(1e-5);
    for (const rule of [rules.epsilon(), rules.zPlus(), rules.alphaBeta()]) {
      const r1 = await lrp(m, x, { rule, target: 1 });
      const r2 = await lrp(folded, x, { rule, target: 1 });
      expect(relErr(await r1.data(), await r2.data())).toBeLessThan(1e-4);
      tf.dispose([r1, r2]);
    }
    tf.dispose([x, p1, p2, mv, a]);
  });

  test('residual (Add) and inception (Concatenate) blocks: LRP-0 equals gradient x input without biases', async () => {
    const inp = tfl.input({ shape: [6, 6, 2] });
    const c = (f: number, k: number, act = 'relu') =>
      tfl.layers.conv2d({ filters: f, kernelSize: k, padding: 'same', activation: act as 'relu', useBias: false });
    const a = c(2, 3).apply(inp) as tfl.SymbolicTensor;
    const b = c(2, 3, 'linear').apply(a) as tfl.SymbolicTensor;
    const res = tfl.layers.add().apply([inp, b]) as tfl.SymbolicTensor;
    const r1 = tfl.layers.reLU().apply(res) as tfl.SymbolicTensor;
    const br1 = c(2, 1).apply(r1) as tfl.SymbolicTensor;
    const br2 = c(3, 3).apply(r1) as tfl.SymbolicTensor;
    const br3 = tfl.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(r1) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate().apply([br1, br2, br3]) as tfl.SymbolicTensor;
    const ap = tfl.layers.averagePooling2d({ poolSize: 2 }).apply(cat) as tfl.SymbolicTensor;
    const gp = tfl.layers.globalAveragePooling2d({}).apply(ap) as tfl.SymbolicTensor;
    const dr = tfl.layers.dropout({ rate: 0.5 }).apply(gp) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 3, useBias: false }).apply(dr) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: inp, outputs: out });
    fixWeights(m, 17);
    const x = uniform([2, 6, 6, 2], 6, 0, 1);
    const before = tf.memory().numTensors;
    const r = await lrp(m, x, { rule: rules.zero(), target: [0, 2] });
    const gi = await gradientTimesInput(m, x, { target: [0, 2] });
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(relErr(await r.data(), await gi.data())).toBeLessThan(1e-4);
    const logits = (await (m.predict(x) as tf.Tensor).array()) as number[][];
    const s = await sums(r);
    expect(Math.abs(s[0] - logits[0][0])).toBeLessThan(1e-4 * Math.abs(logits[0][0]) + 1e-6);
    expect(Math.abs(s[1] - logits[1][2])).toBeLessThan(1e-4 * Math.abs(logits[1][2]) + 1e-6);
    tf.dispose([x, r, gi]);
  });

  test.each([
    [
      'Conv1D (causal) + AveragePooling1D + GlobalMaxPooling1D',
      [7, 2],
      () => [
        tfl.layers.conv1d({
          inputShape: [7, 2],
          filters: 3,
          kernelSize: 2,
          padding: 'causal',
          activation: 'relu',
          useBias: false,
        }),
        tfl.layers.averagePooling1d({ poolSize: 2 }),
        tfl.layers.conv1d({ filters: 3, kernelSize: 2, activation: 'relu', useBias: false }),
        tfl.layers.globalMaxPooling1d({}),
        tfl.layers.dense({ units: 2, useBias: false }),
      ],
    ],
    [
      'Conv3D + MaxPooling3D + Reshape',
      [4, 4, 4, 1],
      () => [
        tfl.layers.conv3d({ inputShape: [4, 4, 4, 1], filters: 2, kernelSize: 2, activation: 'relu', useBias: false }),
        tfl.layers.maxPooling3d({ poolSize: 3 }),
        tfl.layers.reshape({ targetShape: [2] }),
        tfl.layers.dense({ units: 2, useBias: false }),
      ],
    ],
    [
      'ZeroPadding2D + DepthwiseConv2D (strided) + Permute + GlobalAveragePooling2D',
      [5, 5, 2],
      () => [
        tfl.layers.zeroPadding2d({ inputShape: [5, 5, 2], padding: 1 }),
        tfl.layers.depthwiseConv2d({
          kernelSize: 3,
          depthMultiplier: 2,
          strides: 2,
          activation: 'relu',
          useBias: false,
        }),
        tfl.layers.permute({ dims: [2, 1, 3] }),
        tfl.layers.globalAveragePooling2d({}),
        tfl.layers.dense({ units: 3, useBias: false }),
      ],
    ],
  ])('%s: LRP-0 equals gradient x input without biases', async (_name, shape, layers) => {
    const m = tfl.sequential({ layers: (layers as () => tfl.layers.Layer[])() });
    fixWeights(m, 31);
    const x = uniform([2, ...(shape as number[])], 12, 0, 1);
    const r = await lrp(m, x, { rule: rules.zero(), target: 1 });
    const gi = await gradientTimesInput(m, x, { target: 1 });
    expect(Math.max(...Array.from(await gi.data(), Math.abs))).toBeGreaterThan(1e-4);
    expect(relErr(await r.data(), await gi.data())).toBeLessThan(1e-4);
    tf.dispose([x, r, gi]);
  });

  test('an unsupported layer raises an error naming the layer and its class', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.upSampling2d({ inputShape: [2, 2, 1], size: [2, 2], name: 'my_up' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    const x = tf.ones([1, 2, 2, 1]);
    const resc = tfl.sequential({
      layers: [
        tfl.layers.rescaling({ inputShape: [4, 4, 1], scale: 2, name: 'my_resc' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    const x4 = tf.ones([1, 4, 4, 1]);
    await expect(lrp(resc, x4)).rejects.toThrow(UnsupportedLayerError);
    await expect(lrp(resc, x4)).rejects.toThrow(/layer "my_resc" of class Rescaling/);
    x4.dispose();
    // gradient methods work on any layer: each input pixel feeds 4 upsampled pixels
    const g = await gradientTimesInput(m, x, { target: 0 });
    expect(g.shape).toEqual([1, 2, 2, 1]);
    const w = (await m.getWeights()[0].array()) as number[][];
    const got = Array.from(await g.data());
    const want = [0, 1, 2, 3].map((p) => {
      const [i, j] = [Math.floor(p / 2), p % 2];
      let s = 0;
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) s += w[(2 * i + a) * 4 + 2 * j + b][0];
      return s;
    });
    expect(relErr(got, want)).toBeLessThan(1e-5);
    tf.dispose([x, g]);
  });

  test('bad input is rejected with InputError', async () => {
    const m = denseNet(true);
    const x = tf.zeros([2, 5]);
    await expect(lrp(m, x)).rejects.toThrow(/lrp: x: expected shape \[N,6\], got \[2,5\]/);
    const ok = tf.zeros([2, 6]);
    await expect(lrp(m, ok, { target: 3 })).rejects.toThrow(/lrp: target: expected class indices in \[0, 3\)/);
    await expect(lrp(m, ok, { target: [0] })).rejects.toThrow(/lrp: target: expected an array of 2/);
    expect(() => rules.alphaBeta({ alpha: 2, beta: 2 })).toThrow(/rules.alphaBeta: options: expected alpha - beta = 1/);
    tf.dispose([x, ok]);
  });
});
