import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { InputError, initBackend, Standardizer, TiefeError } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
});

const close = (got: ArrayLike<number>, want: number[], tol = 1e-6) => {
  expect(got.length).toBe(want.length);
  for (const [i, w] of want.entries()) expect(Math.abs(got[i] - w)).toBeLessThan(tol);
};

describe('Standardizer', () => {
  test('per-column mean/std (population), transform, inverse, constant column -> 0', async () => {
    const x = tf.tensor2d([
      [1, 10, 7],
      [2, 20, 7],
      [3, 30, 7],
      [4, 40, 7],
    ]);
    const before = tf.memory().numTensors;
    const s = await new Standardizer().fit(x);
    expect(tf.memory().numTensors).toBe(before + 2); // mean and scale
    // mean = 2.5, 25, 7; variance = mean((x - m)^2) = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25 (x100 for col 2)
    close(s.mean, [2.5, 25, 7], 1e-12);
    close(s.std, [Math.sqrt(1.25), Math.sqrt(125), 0], 1e-12);
    const z = s.transform(x);
    const sd = Math.sqrt(1.25);
    close(await z.data(), [
      -1.5 / sd,
      -1.5 / sd,
      0,
      -0.5 / sd,
      -0.5 / sd,
      0,
      0.5 / sd,
      0.5 / sd,
      0,
      1.5 / sd,
      1.5 / sd,
      0,
    ]);
    const back = s.inverseTransform(z);
    close(await back.data(), [1, 10, 7, 2, 20, 7, 3, 30, 7, 4, 40, 7], 1e-5);
    tf.dispose([z, back]);
    s.dispose();
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  test('images [n, h, w, c] are standardised per channel; custom axis per row', async () => {
    // Channel 0 holds 0..7, channel 1 holds 100 + 2 * (0..7).
    const values: number[] = [];
    for (let i = 0; i < 8; i++) values.push(i, 100 + 2 * i);
    const img = tf.tensor4d(values, [2, 2, 2, 2]);
    const s = await new Standardizer().fit(img);
    const var0 = [0, 1, 2, 3, 4, 5, 6, 7].reduce((a, v) => a + (v - 3.5) ** 2, 0) / 8; // 5.25
    close(s.mean, [3.5, 107], 1e-12);
    close(s.std, [Math.sqrt(var0), 2 * Math.sqrt(var0)], 1e-12);
    expect(s.toJSON().shape).toEqual([1, 1, 1, 2]);
    const z = s.transform(img);
    const zs = await z.data();
    close(
      [zs[0], zs[1], zs[14], zs[15]],
      [-3.5 / Math.sqrt(var0), -3.5 / Math.sqrt(var0), 3.5 / Math.sqrt(var0), 3.5 / Math.sqrt(var0)],
    );
    tf.dispose([img, z]);
    s.dispose();

    const rows = tf.tensor2d([
      [1, 3],
      [10, 30],
    ]);
    const r = await new Standardizer().fit(rows, 1);
    close(r.mean, [2, 20], 1e-12);
    close(r.std, [1, 10], 1e-12);
    const zr = r.transform(rows);
    close(await zr.data(), [-1, 1, -1, 1]);
    tf.dispose([rows, zr]);
    r.dispose();
  });

  test('toJSON / fromJSON round trip through JSON text gives identical transforms', async () => {
    const x = tf.tensor2d([
      [0.1, -3],
      [0.4, 5],
      [0.7, 1],
    ]);
    const s = await new Standardizer({ epsilon: 1e-6 }).fit(x);
    const text = JSON.stringify(s);
    const t = Standardizer.fromJSON(JSON.parse(text));
    expect(t.epsilon).toBe(1e-6);
    expect(t.toJSON()).toEqual(s.toJSON());
    const a = s.transform(x);
    const b = t.transform(x);
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([a, b, x]);
    s.dispose();
    t.dispose();
    expect(() => Standardizer.fromJSON({ ...JSON.parse(text), mean: [1] })).toThrow(
      /Standardizer.fromJSON: json.mean: expected 2 finite numbers/,
    );
    expect(() => Standardizer.fromJSON({ format: 'other' } as never)).toThrow(InputError);
  });

  test('errors: unfitted, wrong feature count, non-finite data', async () => {
    const s = new Standardizer();
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    expect(() => s.transform(x)).toThrow(TiefeError);
    expect(() => s.toJSON()).toThrow(/call fit\(\)/);
    await s.fit(x);
    const wrong = tf.tensor2d([[1, 2, 3]]);
    expect(() => s.transform(wrong)).toThrow(
      /Standardizer.transform: x: expected shape \[\*,2\] \(as fitted\), got \[1,3\]/,
    );
    const bad = tf.tensor2d([[1, Number.NaN]]);
    await expect(new Standardizer().fit(bad)).rejects.toThrow(/Standardizer.fit: x: expected finite values, got NaN/);
    await expect(new Standardizer().fit(x, 2)).rejects.toThrow(
      /Standardizer.fit: axis: expected integers in \[-2, 2\)/,
    );
    tf.dispose([x, wrong, bad]);
    s.dispose();
  });
});
