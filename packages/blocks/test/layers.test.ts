import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpSampling3D, upSampling3d } from '../src/index.js';
import { roundTripDiff } from './helpers.js';

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  dir = mkdtempSync(join(tmpdir(), 'tiefe-blocks-layers-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Plain-array nearest-neighbour up-sampling of an [N, D, H, W, C] array (independent reference). */
function upsampleRef(x: Float32Array, [n, d, h, w, c]: number[], [sd, sh, sw]: number[]): Float32Array {
  const out = new Float32Array(n * d * sd * h * sh * w * sw * c);
  let i = 0;
  for (let a = 0; a < n; a++)
    for (let z = 0; z < d * sd; z++)
      for (let y = 0; y < h * sh; y++)
        for (let xx = 0; xx < w * sw; xx++)
          for (let ch = 0; ch < c; ch++) {
            const src = (((a * d + Math.floor(z / sd)) * h + Math.floor(y / sh)) * w + Math.floor(xx / sw)) * c + ch;
            out[i++] = x[src];
          }
  return out;
}

describe('UpSampling3D', () => {
  it('repeats every voxel size[k] times along D, H, W (matches a plain-array reference)', () => {
    const shape = [2, 2, 3, 2, 3];
    const x = tf.randomNormal(shape);
    const before = tf.memory().numTensors;
    const layer = new UpSampling3D({ size: [2, 3, 1] });
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 4, 9, 2, 3]);
    const ref = upsampleRef(x.dataSync() as Float32Array, shape, [2, 3, 1]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(ref));
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('has the block-sum gradient: d sum(g * up(x)) / dx = sum of g over each block of repeats', () => {
    const shape = [1, 2, 2, 2, 2];
    const x = tf.randomNormal(shape);
    const g = tf.randomNormal([1, 4, 4, 4, 2]);
    const layer = upSampling3d({ size: 2 });
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, g)))(x);
    const gv = g.arraySync() as number[][][][][];
    const dxv = dx.arraySync() as number[][][][][];
    for (let d = 0; d < 2; d++)
      for (let h = 0; h < 2; h++)
        for (let w = 0; w < 2; w++)
          for (let c = 0; c < 2; c++) {
            let s = 0;
            for (let i = 0; i < 8; i++) s += gv[0][2 * d + (i >> 2)][2 * h + ((i >> 1) & 1)][2 * w + (i & 1)][c];
            expect(dxv[0][d][h][w][c]).toBeCloseTo(s, 5);
          }
    tf.dispose([x, g, dx]);
  });

  it('serialises: a model with UpSampling3D saves to a folder and reloads with identical predictions', async () => {
    const input = tfl.input({ shape: [2, 2, 2, 1] });
    const up = upSampling3d({ size: [2, 1, 2] }).apply(input) as tfl.SymbolicTensor;
    const out = tfl.layers.conv3d({ filters: 2, kernelSize: 1 }).apply(up) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    expect(model.outputs[0].shape).toEqual([null, 4, 2, 4, 2]);
    const x = tf.randomNormal([1, 2, 2, 2, 1]);
    const { diff, loaded } = await roundTripDiff(model, join(dir, 'up3d'), x);
    expect(diff).toBe(0);
    expect(loaded.layers.some((l) => l instanceof UpSampling3D)).toBe(true);
    expect((loaded.layers.find((l) => l instanceof UpSampling3D) as UpSampling3D).size).toEqual([2, 1, 2]);
    x.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('rejects bad sizes and ranks with InputError', () => {
    expect(() => new UpSampling3D({ size: 0 })).toThrow(InputError);
    expect(() => new UpSampling3D({ size: [2, 2] as unknown as [number, number, number] })).toThrow(
      /three positive integers/,
    );
    const layer = new UpSampling3D();
    const x = tf.zeros([1, 2, 2, 1]);
    expect(() => layer.apply(x)).toThrow(InputError);
    x.dispose();
  });
});

describe('Conv3DBackpropInputV2 gradient (3-D transposed convolution)', () => {
  /** Central finite differences of f at each element of the tensor `at` (mutated copy per element). */
  function finiteDiff(f: (t: tf.Tensor) => number, at: tf.Tensor, eps = 1e-2): Float32Array {
    const base = at.dataSync().slice() as Float32Array;
    const out = new Float32Array(base.length);
    for (let i = 0; i < base.length; i++) {
      const plus = base.slice();
      plus[i] += eps;
      const minus = base.slice();
      minus[i] -= eps;
      const fp = tf.tidy(() => f(tf.tensor(plus, at.shape)));
      const fm = tf.tidy(() => f(tf.tensor(minus, at.shape)));
      out[i] = (fp - fm) / (2 * eps);
    }
    return out;
  }

  for (const [strides, pad] of [
    [1, 'same'],
    [2, 'same'],
    [2, 'valid'],
  ] as const) {
    it(`matches finite differences for input and filter (strides ${strides}, ${pad})`, () => {
      const x = tf.randomNormal([1, 2, 2, 2, 2], 0, 1, 'float32', 3);
      const filter = tf.randomNormal([2, 2, 2, 3, 2], 0, 1, 'float32', 4); // [kd, kh, kw, outC, inC]
      const outSpatial = pad === 'same' ? 2 * strides : (2 - 1) * strides + 2;
      const outShape: [number, number, number, number, number] = [1, outSpatial, outSpatial, outSpatial, 3];
      const g = tf.randomNormal(outShape, 0, 1, 'float32', 5);
      const loss = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv3dTranspose(a as tf.Tensor5D, b as tf.Tensor5D, outShape, strides, pad), g));
      const [dx, dw] = tf.grads(loss)([x, filter]);
      const fdx = finiteDiff((t) => loss(t, filter).dataSync()[0], x);
      const fdw = finiteDiff((t) => loss(x, t).dataSync()[0], filter);
      const ax = dx.dataSync();
      const aw = dw.dataSync();
      // The loss is linear in each argument, so central differences are exact up to float32 rounding.
      for (let i = 0; i < fdx.length; i++) expect(ax[i]).toBeCloseTo(fdx[i], 2);
      for (let i = 0; i < fdw.length; i++) expect(aw[i]).toBeCloseTo(fdw[i], 2);
      expect(Math.max(...Array.from(ax).map(Math.abs))).toBeGreaterThan(0.1);
      tf.dispose([x, filter, g, dx, dw]);
    });
  }
});
