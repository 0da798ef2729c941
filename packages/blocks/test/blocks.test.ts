import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bottleneckBlock,
  convUnit,
  downsample,
  inceptionModule,
  residualBlock,
  type Sym,
  upsample,
} from '../src/index.js';
import { bnParams, convParams } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

/** Builds a one-input model around `f` and returns it (caller disposes). */
function wrap(shape: number[], f: (x: Sym) => Sym): tfl.LayersModel {
  const input = tfl.input({ shape });
  return tfl.model({ inputs: input, outputs: f(input) });
}

/** Builds, counts and disposes, checking that no tensor is left behind. */
function paramsOf(shape: number[], f: (x: Sym) => Sym): { params: number; out: (number | null)[] } {
  const before = tf.memory().numTensors;
  const m = wrap(shape, f);
  const r = { params: m.countParams(), out: m.outputs[0].shape };
  m.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return r;
}

describe('convUnit', () => {
  it('gives the output sizes of same/valid padding, strides and dilation', () => {
    // same: ceil(n / s); valid: floor((n - (k - 1) d - 1) / s) + 1
    expect(paramsOf([9, 9, 2], (x) => convUnit(x, { filters: 4, strides: 2 })).out).toEqual([null, 5, 5, 4]);
    expect(paramsOf([9, 9, 2], (x) => convUnit(x, { filters: 4, padding: 'valid', strides: 2 })).out).toEqual([
      null,
      4,
      4,
      4,
    ]);
    expect(paramsOf([9, 9, 2], (x) => convUnit(x, { filters: 4, padding: 'valid', dilation: 2 })).out).toEqual([
      null,
      5,
      5,
      4,
    ]);
    expect(
      paramsOf([5, 6, 7, 1], (x) => convUnit(x, { filters: 3, kernelSize: [1, 3, 5], padding: 'valid' })).out,
    ).toEqual([null, 5, 4, 3, 3]);
    expect(
      paramsOf([4, 4, 2], (x) => convUnit(x, { filters: 3, kernelSize: 2, strides: 2, transpose: true })).out,
    ).toEqual([null, 8, 8, 3]);
  });

  it('has k^r C_in F (+F bias) (+4F batch norm) (+F PReLU slopes) parameters', () => {
    expect(paramsOf([8, 8, 3], (x) => convUnit(x, { filters: 5 })).params).toBe(convParams(3, 3, 5));
    expect(paramsOf([8, 8, 3], (x) => convUnit(x, { filters: 5, batchNorm: true })).params).toBe(
      convParams(3, 3, 5, false) + bnParams(5),
    );
    // PReLU shares its slope over the spatial axes: one per channel.
    expect(paramsOf([8, 8, 3], (x) => convUnit(x, { filters: 5, activation: 'prelu' })).params).toBe(
      convParams(3, 3, 5) + 5,
    );
    expect(
      paramsOf([4, 4, 4, 2], (x) => convUnit(x, { filters: 3, kernelSize: 5, batchNorm: true, activation: 'prelu' }))
        .params,
    ).toBe(convParams(5, 2, 3, false, 3) + bnParams(3) + 3);
  });

  it('applies the activation, and BN normalises in training (mean 0, variance 1 per channel)', () => {
    const m = wrap([4, 4, 2], (x) => convUnit(x, { filters: 3, batchNorm: true, activation: null }));
    const x = tf.randomNormal([4, 4, 4, 2], 2, 3, 'float32', 1);
    const y = m.apply(x, { training: true }) as tf.Tensor;
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    for (const v of mean.dataSync()) expect(Math.abs(v)).toBeLessThan(1e-4);
    // tfjs BN divides by sqrt(var + 1e-3).
    for (const v of variance.dataSync()) expect(v).toBeGreaterThan(0.99);
    const relu = wrap([4, 4, 2], (t) => convUnit(t, { filters: 3, activation: 'elu' }));
    const yr = relu.predict(x) as tf.Tensor;
    const minElu = tf.tidy(() => tf.min(yr).dataSync()[0]);
    expect(minElu).toBeGreaterThanOrEqual(-1); // ELU is bounded below by -1
    expect(minElu).toBeLessThan(0);
    tf.dispose([x, y, mean, variance, yr]);
    m.dispose();
    relu.dispose();
  });

  it('passes bnMomentum to batch norm (default 0.99, as Keras)', () => {
    const m = wrap([4, 4, 2], (x) =>
      convUnit(convUnit(x, { filters: 2, batchNorm: true }), { filters: 2, batchNorm: true, bnMomentum: 0.9 }),
    );
    const momenta = m.layers
      .filter((l) => l.getClassName() === 'BatchNormalization')
      .map((l) => l.getConfig().momentum);
    expect(momenta).toEqual([0.99, 0.9]);
    expect(() => convUnit(tfl.input({ shape: [4, 4, 1] }), { filters: 2, bnMomentum: 2 })).toThrow(/bnMomentum/);
    m.dispose();
  });

  it('adds L2 weight decay l2 * sum(W^2) to the model losses', () => {
    const m = wrap([4, 4, 2], (x) => convUnit(x, { filters: 3, l2: 0.01 }));
    const w = m.layers[1].getWeights()[0];
    const expected = 0.01 * tf.tidy(() => tf.sum(tf.square(w)).dataSync()[0]);
    // calculateLosses() evaluates every regularizer term, as model.fit adds them to the loss.
    const losses = m.calculateLosses();
    expect(losses.length).toBe(1);
    const got = losses[0];
    expect(got.dataSync()[0]).toBeCloseTo(expected, 6);
    got.dispose();
    m.dispose();
  });

  it('dropout is active in training only', () => {
    const m = wrap([16], (x) =>
      convUnit(tfl.layers.reshape({ targetShape: [4, 4, 1] }).apply(x) as Sym, {
        filters: 8,
        dropout: 0.5,
        activation: 'sigmoid',
      }),
    );
    const x = tf.ones([2, 16]);
    const inference = m.predict(x) as tf.Tensor;
    const train = m.apply(x, { training: true }) as tf.Tensor;
    expect(tf.tidy(() => tf.min(inference).dataSync()[0])).toBeGreaterThan(0); // sigmoid > 0 everywhere
    const zeros = tf.tidy(() => tf.sum(tf.equal(train, 0)).dataSync()[0]);
    expect(zeros).toBeGreaterThan(0.3 * train.size);
    expect(zeros).toBeLessThan(0.7 * train.size);
    tf.dispose([x, inference, train]);
    m.dispose();
  });

  it('rejects bad options with InputError naming the option', () => {
    const x = tfl.input({ shape: [4, 4, 1] });
    expect(() => convUnit(x, { filters: 0 })).toThrow(/convUnit: filters: expected an integer >= 1, got 0/);
    expect(() => convUnit(x, { filters: 2, padding: 'full' as 'same' })).toThrow(InputError);
    expect(() => convUnit(x, { filters: 2, kernelSize: [3, 3, 3] })).toThrow(/kernelSize/);
    expect(() => convUnit(x, { filters: 2, dropout: 1 })).toThrow(/dropout/);
    expect(() => convUnit(x, { filters: 2, activation: 'nope' as 'relu' })).toThrow(/activation/);
    expect(() => convUnit(tfl.input({ shape: [4] }), { filters: 2 })).toThrow(/rank-4/);
  });
});

describe('residual blocks', () => {
  it('basic block: identity shortcut keeps params at 2 * (9 F^2) + 2 BN; projection adds 1x1 conv + BN', () => {
    const id = paramsOf([8, 8, 16], (x) => residualBlock(x, { filters: 16 }));
    expect(id.out).toEqual([null, 8, 8, 16]);
    expect(id.params).toBe(2 * convParams(3, 16, 16, false) + 2 * bnParams(16));
    const proj = paramsOf([8, 8, 16], (x) => residualBlock(x, { filters: 32, strides: 2 }));
    expect(proj.out).toEqual([null, 4, 4, 32]);
    expect(proj.params).toBe(
      convParams(3, 16, 32, false) + convParams(3, 32, 32, false) + convParams(1, 16, 32, false) + 3 * bnParams(32),
    );
  });

  it('basic block computes relu(F(x) + x) with an identity shortcut', () => {
    const m = wrap([4, 4, 2], (x) => residualBlock(x, { filters: 2, batchNorm: false }));
    // Zero the convolution kernels: F(x) = 0, so the block is relu(x).
    for (const l of m.layers) if (l.getWeights().length) l.setWeights(l.getWeights().map((w) => tf.zerosLike(w)));
    const x = tf.randomNormal([1, 4, 4, 2]);
    const y = m.predict(x) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual(tf.tidy(() => Array.from(tf.relu(x).dataSync())));
    tf.dispose([x, y]);
    m.dispose();
  });

  it('pre-activation block: BN-ReLU before each conv, no activation after the addition', () => {
    const m = wrap([4, 4, 3], (x) => residualBlock(x, { filters: 3, preActivation: true }));
    expect(m.countParams()).toBe(2 * convParams(3, 3, 3, false) + 2 * bnParams(3));
    expect(m.layers[m.layers.length - 1].getClassName()).toBe('Add');
    const x = tf.randomNormal([1, 4, 4, 3], -5, 1);
    for (const l of m.layers) if (l.getClassName() === 'Conv2D') l.setWeights([tf.zerosLike(l.getWeights()[0])]);
    const y = m.predict(x) as tf.Tensor; // identity: negative values pass (no final ReLU)
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(y, x))).dataSync()[0])).toBe(0);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('bottleneck block: 1x1 (F), 3x3 (F), 1x1 (4F) and a projection to 4F', () => {
    const b = paramsOf([8, 8, 64], (x) => bottleneckBlock(x, { filters: 64 }));
    expect(b.out).toEqual([null, 8, 8, 256]);
    // ResNet-50 conv2_1 (without biases): 4,096 + 36,864 + 16,384 + 16,384 weights and BN of 64, 64, 256, 256.
    expect(b.params).toBe(4096 + 36864 + 16384 + 16384 + bnParams(64) * 2 + bnParams(256) * 2);
    const s = paramsOf([8, 8, 256], (x) => bottleneckBlock(x, { filters: 64, strides: 2, preActivation: true }));
    expect(s.out).toEqual([null, 4, 4, 256]);
    expect(s.params).toBe(256 * 64 + 9 * 64 * 64 + 64 * 256 + 256 * 256 + bnParams(256) + 2 * bnParams(64));
  });

  it('projection shortcut: a 1x1 conv (+ BN) of x, or of act(BN(x)) with pre-activation', () => {
    const inboundOf = (l: tfl.layers.Layer) => l.inboundNodes[0].inboundLayers[0];
    const blocks = [
      (x: Sym, pre: boolean) => residualBlock(x, { filters: 8, strides: 2, preActivation: pre }),
      (x: Sym, pre: boolean) => bottleneckBlock(x, { filters: 4, strides: 2, preActivation: pre }),
    ];
    for (const block of blocks) {
      for (const pre of [false, true]) {
        const m = wrap([8, 8, 4], (x) => block(x, pre));
        const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D');
        const projection = convs.filter((l) => inboundOf(l) === convs[0].inboundNodes[0].inboundLayers[0]);
        // The projection reads what the first conv reads: x itself, or the block's act(BN(x)).
        expect(projection).toHaveLength(2);
        const shortcut = projection[1];
        expect(shortcut.getWeights()[0].shape.slice(0, 2)).toEqual([1, 1]);
        expect(inboundOf(convs[0]).getClassName()).toBe(pre ? 'Activation' : 'InputLayer');
        if (pre) expect(inboundOf(inboundOf(convs[0])).getClassName()).toBe('BatchNormalization');
        const after = m.layers.filter((l) => l.inboundNodes[0]?.inboundLayers.includes(shortcut));
        expect(after.map((l) => l.getClassName())).toEqual([pre ? 'Add' : 'BatchNormalization']);
        m.dispose();
      }
    }
  });

  it('works on volumes (3x3x3 kernels)', () => {
    const r = paramsOf([4, 4, 4, 2], (x) => residualBlock(x, { filters: 4, strides: 2 }));
    expect(r.out).toEqual([null, 2, 2, 2, 4]);
    expect(r.params).toBe(
      convParams(3, 2, 4, false, 3) + convParams(3, 4, 4, false, 3) + convParams(1, 2, 4, false, 3) + 3 * bnParams(4),
    );
  });
});

describe('inceptionModule', () => {
  it('GoogLeNet 3a on 28x28x192: 256 channels and the hand-counted parameters', () => {
    const o = { f1x1: 64, f3x3Reduce: 96, f3x3: 128, f5x5Reduce: 16, f5x5: 32, poolProj: 32 };
    const r = paramsOf([28, 28, 192], (x) => inceptionModule(x, o));
    expect(r.out).toEqual([null, 28, 28, 256]);
    const c = 192;
    const expected =
      (c + 1) * 64 + (c + 1) * 96 + (9 * 96 + 1) * 128 + (c + 1) * 16 + (25 * 16 + 1) * 32 + (c + 1) * 32;
    expect(expected).toBe(163696);
    expect(r.params).toBe(expected);
  });
});

describe('downsample / upsample', () => {
  it('pooling halves without parameters; strided conv learns factor^r C F + F', () => {
    expect(paramsOf([8, 8, 3], (x) => downsample(x))).toEqual({ params: 0, out: [null, 4, 4, 3] });
    expect(paramsOf([8, 8, 8, 3], (x) => downsample(x, { method: 'average' }))).toEqual({
      params: 0,
      out: [null, 4, 4, 4, 3],
    });
    expect(paramsOf([8, 8, 8, 3], (x) => downsample(x, { method: 'strided', filters: 6 }))).toEqual({
      params: convParams(2, 3, 6, true, 3),
      out: [null, 4, 4, 4, 6],
    });
  });

  it('upsample doubles; transpose learns a (2^r C F + F) kernel; upsample+filters adds a 2x2 conv', () => {
    expect(paramsOf([4, 4, 3], (x) => upsample(x, { method: 'upsample' }))).toEqual({
      params: 0,
      out: [null, 8, 8, 3],
    });
    expect(paramsOf([4, 4, 4, 3], (x) => upsample(x, { method: 'upsample' }))).toEqual({
      params: 0,
      out: [null, 8, 8, 8, 3],
    });
    expect(paramsOf([4, 4, 3], (x) => upsample(x, { filters: 2 }))).toEqual({
      params: convParams(2, 3, 2),
      out: [null, 8, 8, 2],
    });
    expect(paramsOf([2, 2, 2, 3], (x) => upsample(x, { filters: 2, factor: 3 }))).toEqual({
      params: convParams(3, 3, 2, true, 3),
      out: [null, 6, 6, 6, 2],
    });
    expect(paramsOf([4, 4, 3], (x) => upsample(x, { method: 'upsample', filters: 5 }))).toEqual({
      params: convParams(2, 3, 5),
      out: [null, 8, 8, 5],
    });
  });

  it('nearest up-sampling of volumes repeats values (predict)', () => {
    const m = wrap([1, 1, 2, 1], (x) => upsample(x, { method: 'upsample' }));
    const y = m.predict(tf.tensor5d([3, 7], [1, 1, 1, 2, 1])) as tf.Tensor;
    // [1,1,1,2,1] -> [1,2,2,4,1]: each of the 2x2 (D, H) copies is the width row 3 3 7 7.
    expect(Array.from(y.dataSync())).toEqual([3, 3, 7, 7, 3, 3, 7, 7, 3, 3, 7, 7, 3, 3, 7, 7]);
    y.dispose();
    m.dispose();
  });

  it('rejects unknown methods', () => {
    const x = tfl.input({ shape: [4, 4, 1] });
    expect(() => downsample(x, { method: 'median' as 'max' })).toThrow(/downsample: method/);
    expect(() => upsample(x, { method: 'pixelShuffle' as 'upsample' })).toThrow(/upsample: method/);
  });
});
