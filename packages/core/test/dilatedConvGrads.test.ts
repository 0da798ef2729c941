import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initBackend } from '../src/index.js';

/**
 * Plain-loop gradients of L = sum(conv(x, w) * r) for a dilated convolution with explicit padding:
 * dL/dw[i,j,c,o] = sum_{b,oh,ow} x[b, oh*s + i*d - pt, ow*s + j*d - pl, c] r[b,oh,ow,o], and dL/dx likewise.
 */
function reference(
  x: Float32Array,
  [n, h, w, c]: number[],
  f: Float32Array,
  [kh, kw, , co]: number[],
  r: Float32Array,
  [oh, ow]: number[],
  s: number,
  d: number,
  pt: number,
  pl: number,
  depthwise: boolean,
) {
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(f.length);
  const mult = depthwise ? co : 0;
  const outC = depthwise ? c * co : co;
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let z = 0; z < ow; z++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const hy = y * s + i * d - pt;
            const wz = z * s + j * d - pl;
            if (hy < 0 || hy >= h || wz < 0 || wz >= w) continue;
            for (let ci = 0; ci < c; ci++) {
              const xi = ((b * h + hy) * w + wz) * c + ci;
              const outs = depthwise
                ? Array.from({ length: mult }, (_, m) => ci * mult + m)
                : Array.from({ length: co }, (_, o) => o);
              for (const o of outs) {
                const g = r[((b * oh + y) * ow + z) * outC + o];
                const fi = depthwise
                  ? ((i * kw + j) * c + ci) * mult + (o - ci * mult)
                  : ((i * kw + j) * c + ci) * co + o;
                dw[fi] += x[xi] * g;
                dx[xi] += f[fi] * g;
              }
            }
          }
  return { dx, dw };
}

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return s / 1073741823.5 - 1;
  });
}

function maxRelErr(got: Float32Array, want: Float64Array): number {
  const scale = Math.max(...want.map(Math.abs));
  return Math.max(...got.map((g, i) => Math.abs(g - want[i]))) / scale;
}

describe('dilated convolution gradients (tfjs throws for them; Tiefe registers its own)', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['cpu'] });
  });

  for (const depthwise of [false, true]) {
    for (const pad of ['valid', 'same'] as const) {
      test(`${depthwise ? 'depthwiseConv2d' : 'conv2d'}, dilation 2x3, ${pad}`, () => {
        const xs = [2, 9, 10, 3];
        const ws = [3, 2, 3, 2];
        const d: [number, number] = [2, 3];
        const x = tf.tensor4d(rand(2 * 9 * 10 * 3, 1), xs as [number, number, number, number]);
        const w = tf.tensor4d(rand(3 * 2 * 3 * 2, 2), ws as [number, number, number, number]);
        const conv = (a: tf.Tensor4D, b: tf.Tensor4D) =>
          depthwise ? tf.depthwiseConv2d(a, b, 1, pad, 'NHWC', d) : tf.conv2d(a, b, 1, pad, 'NHWC', d);
        const y = conv(x, w);
        const r = tf.tensor(rand(y.size, 3), y.shape);
        const before = tf.memory().numTensors;
        const [gx, gw] = tf.grads((...[a, b]: tf.Tensor[]) =>
          tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), r)),
        )([x, w]);
        expect(tf.memory().numTensors).toBe(before + 2);
        // Padding as TensorFlow computes it for 'same': total = max((out - 1) * s + (k - 1) * d + 1 - in, 0).
        const [, oh, ow] = y.shape;
        const pt = pad === 'same' ? Math.floor(Math.max(oh - 1 + (3 - 1) * 2 + 1 - 9, 0) / 2) : 0;
        const pl = pad === 'same' ? Math.floor(Math.max(ow - 1 + (2 - 1) * 3 + 1 - 10, 0) / 2) : 0;
        const refD = referenceDilated(
          x.dataSync() as Float32Array,
          xs,
          w.dataSync() as Float32Array,
          ws,
          r.dataSync() as Float32Array,
          [oh, ow],
          d,
          pt,
          pl,
          depthwise,
        );
        expect(maxRelErr(gx.dataSync() as Float32Array, refD.dx)).toBeLessThan(1e-5);
        expect(maxRelErr(gw.dataSync() as Float32Array, refD.dw)).toBeLessThan(1e-5);
        tf.dispose([x, w, y, r, gx, gw]);
      });
    }
  }
});

/** `reference` with separate dilations for height and width (stride 1). */
function referenceDilated(
  x: Float32Array,
  xs: number[],
  f: Float32Array,
  ws: number[],
  r: Float32Array,
  out: number[],
  [dh, dw]: [number, number],
  pt: number,
  pl: number,
  depthwise: boolean,
) {
  // Stretch the filter by zero-stuffing in plain arrays, then use the dilation-1 loops.
  const [kh, kw, c, m] = ws;
  const sh = (kh - 1) * dh + 1;
  const sw = (kw - 1) * dw + 1;
  const stuffed = new Float32Array(sh * sw * c * m);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let k = 0; k < c * m; k++) stuffed[(i * dh * sw + j * dw) * c * m + k] = f[(i * kw + j) * c * m + k];
  const full = reference(x, xs, stuffed, [sh, sw, c, m], r, out, 1, 1, pt, pl, depthwise);
  const dwTaps = new Float64Array(f.length);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let k = 0; k < c * m; k++) dwTaps[(i * kw + j) * c * m + k] = full.dw[(i * dh * sw + j * dw) * c * m + k];
  return { dx: full.dx, dw: dwTaps };
}
