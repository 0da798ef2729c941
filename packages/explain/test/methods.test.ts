import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { deepLift, gradCam, gradientShap, guidedBackprop, guidedGradCam } from '../src/index.js';
import { fixWeights, relErr, uniform } from './helpers.js';
import { rows, unrollConv2d } from './reference.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const relu = (v: number) => Math.max(v, 0);
const matVec = (w: number[][], a: number[], b: number[]) =>
  b.map((bj, j) => a.reduce((s, ai, i) => s + ai * w[i][j], bj));
const vecMat = (w: number[][], g: number[]) => w.map((row) => row.reduce((s, wij, j) => s + wij * g[j], 0));

/** conv 'c1' (3x3 same, relu) -> conv 'c2' (3x3 valid, relu) -> flatten -> dense 3, on 6x6x1 inputs. */
function convNet(): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [6, 6, 1],
        filters: 2,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        name: 'c1',
      }),
      tfl.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', name: 'c2' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  fixWeights(m, 41, 1);
  return m;
}

/** Plain-array activations of c2 ([16 positions][3 channels]) and d logit_c / d A (the dense column). */
function plainCam(m: tfl.LayersModel, x: number[], c: number, plusPlus: boolean): number[] {
  const [k1, b1, k2, b2, w3] = m.getWeights();
  const u1 = unrollConv2d(k1.dataSync() as Float32Array, k1.shape, [6, 6], 'same');
  const u2 = unrollConv2d(k2.dataSync() as Float32Array, k2.shape, [6, 6], 'valid');
  const tile = (b: tf.Tensor, n: number) => Array.from({ length: n }, () => Array.from(b.dataSync())).flat();
  const a1 = matVec(u1.w, x, tile(b1, 36)).map(relu);
  const a2 = matVec(u2.w, a1, tile(b2, 16)).map(relu); // index (pos * 3 + k)
  const wd = rows(w3.dataSync() as Float32Array, 48, 3);
  const g = wd.map((r) => r[c]);
  const weights = [0, 1, 2].map((k) => {
    if (!plusPlus) return g.filter((_, i) => i % 3 === k).reduce((s, v) => s + v, 0) / 16;
    const sumA = a2.filter((_, i) => i % 3 === k).reduce((s, v) => s + v, 0);
    let w = 0;
    for (let pos = 0; pos < 16; pos++) {
      const gi = g[pos * 3 + k];
      const den = 2 * gi * gi + sumA * gi ** 3;
      w += (den !== 0 ? (gi * gi) / den : 0) * relu(gi);
    }
    return w;
  });
  const cam = Array.from({ length: 16 }, (_, pos) =>
    relu([0, 1, 2].reduce((s, k) => s + weights[k] * a2[pos * 3 + k], 0)),
  );
  // Bilinear 4x4 -> 6x6 with half-pixel centres (src = (dst + 0.5) * 4/6 - 0.5, clamped).
  const out: number[] = [];
  const src = (d: number) => Math.min(3, Math.max(0, ((d + 0.5) * 4) / 6 - 0.5));
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 6; j++) {
      const [si, sj] = [src(i), src(j)];
      const [i0, j0] = [Math.floor(si), Math.floor(sj)];
      const [i1, j1] = [Math.min(3, i0 + 1), Math.min(3, j0 + 1)];
      const [fi, fj] = [si - i0, sj - j0];
      const v = (a: number, b: number) => cam[a * 4 + b];
      out.push((1 - fi) * ((1 - fj) * v(i0, j0) + fj * v(i0, j1)) + fi * ((1 - fj) * v(i1, j0) + fj * v(i1, j1)));
    }
  }
  return out;
}

describe('Grad-CAM, guided backprop, DeepLIFT, gradient SHAP against plain-array references', () => {
  test.each([false, true])('Grad-CAM (plusPlus %s) at the last conv, upsampled bilinearly to the input', async (pp) => {
    const m = convNet();
    const x = uniform([2, 6, 6, 1], 7, 0, 1);
    const xs = (await x.data()) as Float32Array;
    const variant = pp ? 'gradCamPlusPlus' : 'gradCam';
    let alive = 0;
    for (const c of [0, 1, 2]) {
      const target = [c, (c + 1) % 3];
      const before = tf.memory().numTensors;
      const cam = await gradCam(m, x, { target, variant });
      const named = await gradCam(m, x, { target, variant, layer: 'c2' });
      expect(tf.memory().numTensors).toBe(before + 2);
      expect(cam.shape).toEqual(x.shape);
      const got = (await cam.data()) as Float32Array;
      target.forEach((k, i) => {
        const want = plainCam(m, Array.from(xs.subarray(i * 36, (i + 1) * 36)), k, pp);
        if (Math.max(...want) > 1e-3) alive++;
        expect(relErr(got.subarray(i * 36, (i + 1) * 36), want)).toBeLessThan(1e-4);
      });
      expect(relErr(got, await named.data())).toBe(0);
      const first = await gradCam(m, x, { target, layer: 'c1' });
      if (c === 0) expect(relErr(await first.data(), got)).toBeGreaterThan(1e-3);
      tf.dispose([cam, named, first]);
    }
    expect(alive).toBeGreaterThanOrEqual(3);
    await expect(gradCam(m, x, { layer: 'nope' })).rejects.toThrow(/gradCam: layer: expected the name of a layer/);
    x.dispose();
  });

  test('guided backprop on a ReLU Dense net: only positive gradients pass each ReLU; guided Grad-CAM = product', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [6], units: 5, activation: 'relu' }),
        tfl.layers.dense({ units: 4, activation: 'relu' }),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    fixWeights(m, 11);
    const x = uniform([3, 6], 9, -1, 1);
    const [w1, b1, w2, b2, w3] = m.getWeights();
    const W = [w1, w2, w3].map((w) => rows(w.dataSync() as Float32Array, w.shape[0] as number, w.shape[1] as number));
    const B = [b1, b2].map((b) => Array.from(b.dataSync()));
    const xs = (await x.array()) as number[][];
    let nontrivial = 0;
    for (const c of [0, 1, 2]) {
      const before = tf.memory().numTensors;
      const gb = await guidedBackprop(m, x, { target: c });
      expect(tf.memory().numTensors).toBe(before + 1);
      const got = (await gb.array()) as number[][];
      gb.dispose();
      xs.forEach((xi, n) => {
        const z1 = matVec(W[0], xi, B[0]);
        const z2 = matVec(W[1], z1.map(relu), B[1]);
        let g = W[2].map((r) => r[c]); // d logit_c / d a2
        g = g.map((v, j) => relu(v) * (z2[j] > 0 ? 1 : 0));
        let g1 = vecMat(W[1], g);
        g1 = g1.map((v, j) => relu(v) * (z1[j] > 0 ? 1 : 0));
        const want = vecMat(W[0], g1);
        nontrivial += want.filter((v) => Math.abs(v) > 1e-4).length;
        expect(relErr(got[n], want)).toBeLessThan(1e-5);
      });
    }
    expect(nontrivial).toBeGreaterThan(3);
    const cm = convNet();
    const xc = uniform([2, 6, 6, 1], 3, 0, 1);
    const gg = await guidedGradCam(cm, xc, { target: 1 });
    const [g2, cam] = [await guidedBackprop(cm, xc, { target: 1 }), await gradCam(cm, xc, { target: 1 })];
    const prod = tf.mul(g2, cam);
    expect(relErr(await gg.data(), await prod.data())).toBeLessThan(1e-6);
    tf.dispose([x, xc, gg, g2, cam, prod]);
  });

  test('DeepLIFT (rescale) on a tanh/ReLU net equals the plain-array multipliers and sums to f(x) - f(x_ref)', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [5], units: 6, activation: 'tanh' }),
        tfl.layers.dense({ units: 4, activation: 'relu' }),
        tfl.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    fixWeights(m, 13, 0.8);
    const x = uniform([3, 5], 5, -1, 1);
    const ref = uniform([5], 6, -0.3, 0.3);
    const [w1, b1, w2, b2, w3, b3] = m.getWeights();
    const W = [w1, w2, w3].map((w) => rows(w.dataSync() as Float32Array, w.shape[0] as number, w.shape[1] as number));
    const B = [b1, b2, b3].map((b) => Array.from(b.dataSync()));
    const fs = [Math.tanh, relu];
    const forward = (v: number[]) => {
      const z1 = matVec(W[0], v, B[0]);
      const z2 = matVec(W[1], z1.map(fs[0]), B[1]);
      return { z1, z2, out: matVec(W[2], z2.map(fs[1]), B[2]) };
    };
    const before = tf.memory().numTensors;
    const dl = await deepLift(m, x, { target: 2, baseline: ref });
    expect(tf.memory().numTensors).toBe(before + 1);
    const got = (await dl.array()) as number[][];
    const r = Array.from(await ref.data());
    const fr = forward(r);
    const slope = (f: (v: number) => number, z: number, zr: number) =>
      Math.abs(z - zr) > 1e-6 ? (f(z) - f(zr)) / (z - zr) : (f(z + 1e-3) - f(z - 1e-3)) / 2e-3;
    ((await x.array()) as number[][]).forEach((xi, n) => {
      const f = forward(xi);
      let mm = W[2].map((row) => row[2]).map((v, j) => v * slope(fs[1], f.z2[j], fr.z2[j]));
      mm = vecMat(W[1], mm).map((v, j) => v * slope(fs[0], f.z1[j], fr.z1[j]));
      const want = vecMat(W[0], mm).map((v, i) => v * (xi[i] - r[i]));
      expect(relErr(got[n], want)).toBeLessThan(1e-4);
      const sum = got[n].reduce((s, v) => s + v, 0);
      expect(Math.abs(sum - (f.out[2] - fr.out[2]))).toBeLessThan(1e-4 * Math.max(1, Math.abs(f.out[2])));
    });
    tf.dispose([x, ref, dl]);
  });

  test('gradient SHAP: (x - b) w on a linear model, and sums to f(x) - E f(b) in expectation on a tanh net', async () => {
    const lin = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 2 })] });
    fixWeights(lin, 3);
    const x = uniform([2, 4], 1, -1, 1);
    const b = uniform([1, 4], 2, -1, 1);
    const before = tf.memory().numTensors;
    const s1 = await gradientShap(lin, x, { baselines: b, target: 1, samples: 8 });
    expect(tf.memory().numTensors).toBe(before + 1);
    const w = ((await lin.getWeights()[0].array()) as number[][]).map((r) => r[1]);
    const bs = Array.from(await b.data());
    ((await x.array()) as number[][]).forEach((xi, n) => {
      expect(
        relErr(
          (s1.arraySync() as number[][])[n],
          xi.map((v, i) => (v - bs[i]) * w[i]),
        ),
      ).toBeLessThan(1e-5);
    });
    const m = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [4], units: 6, activation: 'tanh' }), tfl.layers.dense({ units: 2 })],
    });
    fixWeights(m, 8, 0.9);
    const refs = uniform([3, 4], 4, -1, 1);
    const shap = await gradientShap(m, x, { baselines: refs, target: 0, samples: 1500, batchSize: 512, seed: 3 });
    const sums = Array.from(await tf.sum(shap, 1).data());
    const fx = Array.from(await tf.slice(m.predict(x) as tf.Tensor, [0, 0], [-1, 1]).data());
    const fb = Array.from(await tf.slice(m.predict(refs) as tf.Tensor, [0, 0], [-1, 1]).data());
    const meanFb = fb.reduce((s, v) => s + v, 0) / 3;
    sums.forEach((s, n) => {
      expect(Math.abs(s - (fx[n] - meanFb))).toBeLessThan(0.05 * Math.max(1, Math.abs(fx[n] - meanFb)));
    });
    tf.dispose([x, b, s1, refs, shap]);
  });
});
