import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend, seed } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cutAt, extractFeatures, freeze, headModel, knnClassify, loadModel, stackHead } from '../src/index.js';
import { tinyData, tinyNet } from './helpers/tinyNet.js';

const dir = mkdtempSync(join(tmpdir(), 'tiefe-transfer-features-'));
beforeAll(() => initBackend({ prefer: ['cpu'] }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('extractFeatures', () => {
  test('batched embeddings equal one predict, with no tensor left behind', () => {
    const model = tinyNet();
    const base = cutAt(model, 'fc');
    const { x, y, ids } = tinyData(10);
    const want = tf.tidy(() => Array.from((base.predict(x) as tf.Tensor).dataSync()));
    const before = tf.memory().numTensors;
    for (const batchSize of [1, 3, 10, 64]) {
      const f = extractFeatures(base, x, { batchSize });
      expect(f.shape).toEqual([10, 16]);
      const got = Array.from(f.dataSync());
      got.forEach((v, i) => {
        expect(v).toBeCloseTo(want[i], 5);
      });
      f.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    const small = tf.zeros([2, 4, 4, 1]);
    expect(() => extractFeatures(base, small)).toThrow(/extractFeatures: x: expected a tensor of shape \[N,8,8,1\]/);
    expect(() => extractFeatures(base, x, { batchSize: 0 })).toThrow('extractFeatures: batchSize');
    const nan = tf.fill([2, 8, 8, 1], Number.NaN);
    expect(() => extractFeatures(base, nan)).toThrow(InputError);
    expect(tf.memory().numTensors).toBe(before + 2); // small and nan: nothing of extractFeatures'
    tf.dispose([x, y, ids, nan, small]);
    model.dispose();
  });

  test('a head trained on cached embeddings, stacked on the base: one model that saves and predicts the same', async () => {
    seed(11); // the head's initialisation and fit's shuffling: the same run every time
    const model = tinyNet();
    const base = cutAt(model, 'flat');
    freeze(base, { to: 'flat' });
    const { x, y, ids } = tinyData(12, 4);
    const features = extractFeatures(base, x, { batchSize: 5 });
    const head = headModel([32], { kind: 'classification', classes: 4, hidden: [8] });
    head.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
    const h = await head.fit(features, y, { epochs: 20, batchSize: 12, verbose: 0 });
    expect(h.history.loss[19]).toBeLessThan(h.history.loss[0] as number);
    const full = stackHead(base, head, { name: 'digits' });
    const direct = tf.tidy(() => Array.from((head.predict(features) as tf.Tensor).dataSync()));
    const stacked = tf.tidy(() => Array.from((full.predict(x) as tf.Tensor).dataSync()));
    stacked.forEach((v, i) => {
      expect(v).toBeCloseTo(direct[i], 5);
    });
    await full.save(`file://${join(dir, 'digits')}`);
    const again = await loadModel(`file://${join(dir, 'digits')}`);
    expect(tf.tidy(() => Array.from((again.predict(x) as tf.Tensor).dataSync()))).toEqual(stacked);
    expect(() => stackHead(cutAt(model, 'fc'), head)).toThrow(
      "stackHead: head: expected a head taking the base's output [null,16]",
    );
    again.dispose();
    tf.dispose([x, y, ids, features]);
    model.dispose();
    seed(undefined);
  });
});

/** Brute force: every distance in plain JS, sort, vote (ties: smaller total distance, then smaller id). */
function bruteForce(train: number[][], labels: number[], queries: number[][], k: number, metric: string): number[] {
  const dist = (a: number[], b: number[]) => {
    if (metric === 'euclidean') return a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0);
    const dot = a.reduce((s, v, i) => s + v * b[i], 0);
    const n = (v: number[]) => Math.sqrt(v.reduce((s, e) => s + e * e, 0));
    return 1 - dot / (n(a) * n(b));
  };
  return queries.map((q) => {
    const near = train
      .map((t, i) => ({ d: dist(q, t), c: labels[i] }))
      .sort((a, b) => a.d - b.d)
      .slice(0, k);
    const votes = new Map<number, [number, number]>();
    for (const { d, c } of near) {
      const v = votes.get(c) ?? [0, 0];
      votes.set(c, [v[0] + 1, v[1] + d]);
    }
    return [...votes.entries()].sort((a, b) => b[1][0] - a[1][0] || a[1][1] - b[1][1] || a[0] - b[0])[0][0];
  });
}

describe('knnClassify', () => {
  test('matches brute force (euclidean and cosine, k 1, 4, 7), batched', () => {
    let s = 42;
    const r = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31 - 0.5;
    };
    const train = Array.from({ length: 60 }, () => Array.from({ length: 5 }, r));
    const labels = train.map((_, i) => i % 4);
    const queries = Array.from({ length: 25 }, () => Array.from({ length: 5 }, r));
    const e = tf.tensor2d(train);
    const l = tf.tensor1d(labels);
    const q = tf.tensor2d(queries);
    const before = tf.memory().numTensors;
    for (const metric of ['euclidean', 'cosine'] as const) {
      for (const k of [1, 4, 7]) {
        const got = Array.from(knnClassify(e, l, q, { k, metric, batchSize: 8 }));
        expect(got).toEqual(bruteForce(train, labels, queries, k, metric));
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => knnClassify(e, l, q, { k: 61 })).toThrow('knnClassify: k: expected an integer in [1, 60], got 61');
    expect(() => knnClassify(e, l, tf.zeros([2, 3]))).toThrow('knnClassify: queries');
    tf.dispose([e, l, q]);
  });
});
