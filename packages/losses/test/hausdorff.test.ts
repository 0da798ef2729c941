import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  distanceTransform,
  hausdorffDistance,
  hausdorffDTLoss,
  hausdorffDTWeights,
  maskSurface,
  squaredDistanceTransform,
} from '../src/index.js';
import {
  bruteDistance,
  bruteHausdorff,
  bruteSurface,
  expectClose,
  expectNoLeak,
  rand,
  value,
} from './helpers/reference.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const randomMask = (seed: number, size: number, rate: number) => {
  const r = rand(seed);
  return Array.from({ length: size }, () => (r() < rate ? 1 : 0));
};

describe('exact Euclidean distance transform vs brute force (atol 1e-9)', () => {
  test('hand values on a 1-D line and a 3x3 grid', () => {
    expectClose(distanceTransform([0, 0, 1, 0, 0, 0], [6]), [2, 1, 0, 1, 2, 3], 0);
    expectClose(squaredDistanceTransform([1, 0, 0, 0, 0, 0, 0, 0, 0], [3, 3]), [0, 1, 4, 1, 2, 5, 4, 5, 8], 0);
    expect(Array.from(squaredDistanceTransform([0, 0, 0, 0], [2, 2]))).toEqual(
      new Array(4).fill(Number.POSITIVE_INFINITY),
    );
  });
  for (const [shape, spacing] of [
    [[13, 17], undefined],
    [
      [13, 17],
      [0.5, 2],
    ],
    [[5, 6, 7], undefined],
    [
      [5, 6, 7],
      [2.5, 1, 0.7],
    ],
  ] as Array<[number[], number[] | undefined]>) {
    test(`shape [${shape}] spacing ${spacing ?? 'unit'}`, () => {
      for (const rate of [0.02, 0.3]) {
        const m = randomMask(
          shape.length * 10 + rate * 100,
          shape.reduce((a, b) => a * b),
          rate,
        );
        m[3] = 1;
        expectClose(distanceTransform(m, shape, spacing), bruteDistance(m, shape, spacing), 1e-9);
      }
    });
  }
});

describe('hausdorffDistance (exact, vs brute force on boundaries)', () => {
  test('hand value: two squares', () => {
    // 2x2 square at rows 1-2, cols 1-2 and 1x1 pixel at (5, 6) in an 8x8 image: farthest boundary point of
    // the square from (5, 6) is (1, 1): sqrt(16 + 25); the pixel's nearest square point is (2, 2): sqrt(9 + 16) = 5.
    const a = new Array(64).fill(0);
    for (const [r, c] of [
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
    ])
      a[r * 8 + c] = 1;
    const b = new Array(64).fill(0);
    b[5 * 8 + 6] = 1;
    return expectNoLeak(async () => {
      expect(await hausdorffDistance({ data: a, shape: [8, 8] }, { data: b, shape: [8, 8] })).toBeCloseTo(
        Math.sqrt(41),
        12,
      );
      expect(
        await hausdorffDistance({ data: a, shape: [8, 8] }, { data: b, shape: [8, 8] }, { spacing: [2, 1] }),
      ).toBeCloseTo(Math.sqrt(64 + 25), 12);
    });
  });

  test('2-D and 3-D random masks, HD and HD95, pixels and spacing', async () => {
    for (const shape of [
      [12, 15],
      [6, 7, 8],
    ]) {
      const size = shape.reduce((x, y) => x * y);
      const a = randomMask(1 + shape.length, size, 0.25);
      const b = randomMask(2 + shape.length, size, 0.1);
      const sa = bruteSurface(a, shape);
      const sb = bruteSurface(b, shape);
      expect(Array.from(maskSurface(Uint8Array.from(a), shape))).toEqual(sa);
      const spacing = shape.map((_, i) => 0.5 + i);
      for (const q of [undefined, 95, 50]) {
        for (const sp of [undefined, spacing]) {
          const got = await hausdorffDistance({ data: a, shape }, { data: b, shape }, { percentile: q, spacing: sp });
          expect(got).toBeCloseTo(bruteHausdorff(sa, sb, shape, sp, q), 9);
        }
      }
      // All pixels instead of boundaries, from tensors.
      const ta = tf.tensor(a, shape);
      const tb = tf.tensor(b, shape, 'int32');
      const got = await expectNoLeak(() => hausdorffDistance(ta, tb, { surface: false }));
      expect(got).toBeCloseTo(bruteHausdorff(a, b, shape), 9);
      tf.dispose([ta, tb]);
    }
  });

  test('empty masks, one-pixel masks and bad input', async () => {
    const z = { data: [0, 0, 0, 0], shape: [2, 2] };
    const one = { data: [0, 0, 0, 1], shape: [2, 2] };
    const other = { data: [1, 0, 0, 0], shape: [2, 2] };
    expect(await hausdorffDistance(z, z)).toBe(0);
    expect(await hausdorffDistance(z, one)).toBe(Number.POSITIVE_INFINITY);
    expect(await hausdorffDistance(one, one)).toBe(0);
    expect(await hausdorffDistance(one, other)).toBeCloseTo(Math.SQRT2, 12);
    await expect(hausdorffDistance(one, { data: [0, 0, 0, 1, 0, 0], shape: [2, 3] })).rejects.toThrow(
      /yPred: expected yTrue's shape \[2,2\], got shape \[2,3\]/,
    );
    await expect(hausdorffDistance(one, { data: [0, 0.5, 0, 1], shape: [2, 2] })).rejects.toThrow(InputError);
    await expect(hausdorffDistance(one, one, { percentile: 101 })).rejects.toThrow(/percentile/);
    await expect(hausdorffDistance({ data: [1, 0], shape: [2] }, { data: [1, 0], shape: [2] })).rejects.toThrow(
      /2-D or 3-D/,
    );
  });
});

describe('hausdorffDTLoss (Karimi & Salcudean 2019, MONAI form)', () => {
  // Distance field of MONAI: distance to the nearest pixel of the other label; 0 for empty / full masks.
  const field = (mask: number[], shape: number[]) => {
    const on = mask.map((v) => (v > 0.5 ? 1 : 0));
    const s = on.reduce<number>((a, b) => a + b, 0);
    if (s === 0 || s === on.length) return on.map(() => 0);
    const toFg = bruteDistance(on, shape);
    const toBg = bruteDistance(
      on.map((v) => 1 - v),
      shape,
    );
    return on.map((v, i) => (v ? toBg[i] : toFg[i]));
  };

  test('binary: mean((p - g)^2 (d_p^2 + d_g^2)) against brute-force distances (atol 1e-5)', async () => {
    const shape = [5, 6];
    const r = rand(8);
    const imgs = [0, 1].map((b) => ({
      g: randomMask(40 + b, 30, 0.35),
      p: Array.from({ length: 30 }, () => r()),
    }));
    let s = 0;
    for (const { g, p } of imgs) {
      const dg = field(g, shape);
      const dp = field(p, shape);
      p.forEach((pi, i) => {
        s += (pi - g[i]) ** 2 * (dp[i] ** 2 + dg[i] ** 2);
      });
    }
    const want = s / 60;
    const yPred = tf.tensor4d(
      imgs.flatMap((i) => i.p),
      [2, 5, 6, 1],
    );
    const yTrue = tf.tensor4d(
      imgs.flatMap((i) => i.g),
      [2, 5, 6, 1],
    );
    expect(value(hausdorffDTLoss(), yTrue, yPred)).toBeCloseTo(want, 4);
    // alpha 1 uses distances, not squares.
    let s1 = 0;
    for (const { g, p } of imgs) {
      const dg = field(g, shape);
      const dp = field(p, shape);
      p.forEach((pi, i) => {
        s1 += (pi - g[i]) ** 2 * (dp[i] + dg[i]);
      });
    }
    expect(value(hausdorffDTLoss({ alpha: 1 }), yTrue, yPred)).toBeCloseTo(s1 / 60, 4);
    // Precomputed weights (the asynchronous path) give the same loss.
    const w = await expectNoLeak(() => hausdorffDTWeights(yTrue, yPred));
    const w2 = await hausdorffDTWeights(yTrue, yPred);
    const l = hausdorffDTLoss();
    const viaWeights = l(yTrue, yPred, w2);
    expect(viaWeights.dataSync()[0]).toBeCloseTo(want, 4);
    tf.dispose([yPred, yTrue, w2, viaWeights]);
    expect(w).toBeDefined();
  });

  test('multiclass with includeBackground false and a 3-D volume', () => {
    const shape = [3, 4, 5];
    const r = rand(12);
    const ids = Array.from({ length: 60 }, () => Math.floor(r() * 3));
    const logits = Array.from({ length: 180 }, () => 3 * (r() - 0.5));
    const probs: number[] = [];
    for (let i = 0; i < 60; i++) {
      const row = logits.slice(i * 3, i * 3 + 3).map(Math.exp);
      const z = row.reduce((a, b) => a + b);
      probs.push(...row.map((v) => v / z));
    }
    let s = 0;
    for (const c of [1, 2]) {
      const g = ids.map((id) => (id === c ? 1 : 0));
      const p = ids.map((_, i) => probs[i * 3 + c]);
      const dg = field(g, shape);
      const dp = field(p, shape);
      p.forEach((pi, i) => {
        s += (pi - g[i]) ** 2 * (dp[i] ** 2 + dg[i] ** 2);
      });
    }
    const yPred = tf.tensor5d(logits, [1, 3, 4, 5, 3]);
    const yTrue = tf.tensor4d(ids, [1, 3, 4, 5], 'int32');
    expect(value(hausdorffDTLoss({ fromLogits: true, includeBackground: false }), yTrue, yPred)).toBeCloseTo(
      s / 120,
      4,
    );
    tf.dispose([yPred, yTrue]);
  });

  test('all-zero and all-one masks: finite loss and gradient (distance fields are 0)', () => {
    for (const fill of [0, 1]) {
      const yTrue = tf.fill([1, 4, 4, 1], fill);
      const yPred = tf.fill([1, 4, 4, 1], fill === 1 ? 0.9 : 0.1);
      expect(value(hausdorffDTLoss(), yTrue, yPred)).toBe(0);
      const g = tf.grad((x: tf.Tensor) => hausdorffDTLoss()(yTrue, x))(yPred);
      expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([yTrue, yPred, g]);
    }
  });
});
