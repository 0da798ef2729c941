import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, expect, test } from 'vitest';
import { frechetDistance } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['wasm', 'cpu'] });
});

/** Rows of a fixed, deterministic pseudo-random matrix. */
function rowsOf(n: number, d: number, seed: number): number[][] {
  let s = seed;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return (s / 2147483647) * 2 - 1;
  };
  return Array.from({ length: n }, () => Array.from({ length: d }, rnd));
}

test('frechetDistance: 0 for identical sets, the 1-D formula, and the closed form for commuting covariances', () => {
  const x = tf.tensor2d(rowsOf(200, 5, 7));
  expect(frechetDistance(x, x)).toBeLessThan(1e-8);
  // 1-D: (m1 - m2)^2 + (s1 - s2)^2
  const a = [1, 2, 3, 4, 5];
  const b = [2, 6, 10, 14, 18]; // mean 10, sd 4x a's
  const va = 2.5;
  const vb = 40;
  const fd = (3 - 10) ** 2 + va + vb - 2 * Math.sqrt(va * vb);
  const ta = tf.tensor2d(a.map((v) => [v]));
  const tb = tf.tensor2d(b.map((v) => [v]));
  expect(frechetDistance(ta, tb)).toBeCloseTo(fd, 8);
  // y = 2x + 1: means differ by mean(x) + 1, covariances C and 4C commute: Tr(C + 4C - 2 (4 C^2)^(1/2)) = Tr C
  const y = tf.tidy(() => tf.add(tf.mul(x, 2), 1));
  const cov = tf.tidy(() => {
    const c = tf.sub(x, tf.mean(x, 0));
    return tf.div(tf.sum(tf.square(c)), 199).dataSync()[0];
  });
  const shift = (tf.mean(x, 0).arraySync() as number[]).reduce((t, m) => t + (m + 1) ** 2, 0);
  expect(frechetDistance(x, y)).toBeCloseTo(shift + cov, 3);
  tf.dispose([x, ta, tb, y]);
});
