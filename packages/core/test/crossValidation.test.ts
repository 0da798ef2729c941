import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  accuracy,
  crossValidate,
  type Fold,
  InputError,
  initBackend,
  kFold,
  seed,
  stratifiedKFold,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
});

describe('kFold', () => {
  test("sklearn's KFold split rule: contiguous folds, the first n % k one larger", () => {
    expect(kFold({ k: 2 }).split(4)).toEqual([
      { train: [2, 3], test: [0, 1] },
      { train: [0, 1], test: [2, 3] },
    ]);
    const folds = kFold({ k: 3 }).split(10);
    expect(folds.map((f) => f.test)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(folds[1].train).toEqual([0, 1, 2, 3, 7, 8, 9]);
  });

  test('shuffled folds partition 0..n-1, are reproducible per seed and differ between seeds', () => {
    const a = kFold({ k: 5, shuffle: true, seed: 1 }).split(23);
    const b = kFold({ k: 5, shuffle: true, seed: 1 }).split(23);
    const c = kFold({ k: 5, shuffle: true, seed: 2 }).split(23);
    expect(a).toEqual(b);
    expect(a.map((f) => f.test)).not.toEqual(c.map((f) => f.test));
    expect(a.map((f) => f.test.length)).toEqual([5, 5, 5, 4, 4]);
    expect(a.flatMap((f) => f.test).sort((p, q) => p - q)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    for (const f of a) {
      expect(f.train.length + f.test.length).toBe(23);
      expect(f.train.some((i) => f.test.includes(i))).toBe(false);
    }
    expect(() => kFold({ k: 4 }).split(3)).toThrow(/kFold.split: n: expected an integer >= 4, got 3/);
    expect(() => kFold({ k: 1 })).toThrow(/kFold: k: expected an integer >= 2, got 1/);
  });
});

describe('stratifiedKFold', () => {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const sorted = (a: number[]) => [...a].sort((p, q) => p - q);

  test("sklearn's StratifiedKFold allocation: sorted labels dealt to the folds in turn", () => {
    // Worked by hand with sklearn's rule: classes in order of first appearance (1, 0, 2); sorted codes
    // 0000 11111 2 dealt to folds 0,1,2,0,1,2,...: fold 0 holds 2 ones, 1 zero, the 2; folds 1, 2: 1 one, 2 zeros.
    const labels = [1, 0, 1, 0, 0, 1, 0, 2, 0, 1];
    expect(stratifiedKFold(labels, { k: 3 }).split(10)).toEqual([
      { test: [0, 1, 2, 7], train: [3, 4, 5, 6, 8, 9] },
      { test: [3, 4, 5], train: [0, 1, 2, 6, 7, 8, 9] },
      { test: [6, 8, 9], train: [0, 1, 2, 3, 4, 5, 7] },
    ]);
  });

  test('shuffled: test parts partition the data, classes spread evenly, train is the complement', () => {
    const labels = range(27).map((i) => i % 3);
    const folds = stratifiedKFold(labels, { k: 3, shuffle: true, seed: 1 }).split(27);
    expect(sorted(folds.flatMap((f) => f.test))).toEqual(range(27));
    for (const f of folds) {
      expect([0, 1, 2].map((c) => f.test.filter((i) => labels[i] === c).length)).toEqual([3, 3, 3]);
      expect(f.train).toEqual(range(27).filter((i) => !f.test.includes(i)));
    }
    expect(folds).not.toEqual(stratifiedKFold(labels, { k: 3, shuffle: true, seed: 2 }).split(27));
    const uneven = stratifiedKFold([...new Array(7).fill(0), ...new Array(3).fill(1)], {
      k: 3,
      shuffle: true,
      seed: 2,
    });
    const parts = uneven.split(10);
    expect(parts.map((f) => f.test.length)).toEqual([4, 3, 3]);
    expect(parts.map((f) => f.test.filter((i) => i >= 7).length)).toEqual([1, 1, 1]);
    expect(() => uneven.split(9)).toThrow(/stratifiedKFold.split: n: expected 10 \(one label per sample\), got 9/);
    expect(() => stratifiedKFold([0, 0, 1, 1], { k: 3 })).toThrow(/stratifiedKFold: k: expected at most 2/);
    expect(() => stratifiedKFold([0, 0.5, 1], { k: 2 })).toThrow(/stratifiedKFold: labels\[1\]: expected an integer/);
  });
});

function classifier(fold: number): tfl.LayersModel {
  seed(100 + fold);
  const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, activation: 'softmax', inputShape: [2] })] });
  // A fresh optimizer object per fold: crossValidate disposes it with the model.
  model.compile({ optimizer: tf.train.adam(0.1), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

function blobs(n: number) {
  return tf.tidy(() => {
    const labels = tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % 2),
      'int32',
    );
    const centres = tf.expandDims(tf.mul(tf.sub(tf.cast(labels, 'float32'), 0.5), 4), 1);
    const x = tf.add(tf.randomNormal([n, 2], 0, 1, 'float32', 9), centres);
    return { x, y: tf.oneHot(labels, 2) };
  });
}

describe('crossValidate', () => {
  test('default score = first compiled metric; folds, mean and std; models and data disposed', async () => {
    const { x, y } = blobs(60);
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const cv = await crossValidate({
      createModel: classifier,
      x,
      y,
      splitter: kFold({ k: 3, shuffle: true, seed: 4 }),
      fitArgs: { epochs: 10, batchSize: 10 },
      onFold: (r) => seen.push(r.fold),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual([0, 1, 2]);
    expect(cv.metric).toBe('acc');
    expect(cv.scores).toHaveLength(3);
    expect(cv.folds.map((f) => [f.trainSize, f.testSize])).toEqual([
      [40, 20],
      [40, 20],
      [40, 20],
    ]);
    const mean = cv.scores.reduce((a, b) => a + b, 0) / 3;
    expect(cv.mean).toBeCloseTo(mean, 12);
    expect(cv.std).toBeCloseTo(Math.sqrt(cv.scores.reduce((a, s) => a + (s - mean) ** 2, 0) / 3), 12);
    // Separable blobs 4 standard deviations apart: well above chance.
    expect(cv.mean).toBeGreaterThan(0.85);
    for (const f of cv.folds) {
      expect(Object.keys(f.evaluation)).toEqual(['loss', 'acc']);
      expect(f.score).toBe(f.evaluation.acc);
      expect(f.history.loss).toHaveLength(10);
    }
    tf.dispose([x, y]);
  });

  test('a custom metric sees exactly the held-out rows of each fold', async () => {
    const n = 12;
    const x = tf.tensor2d(Array.from({ length: n }, (_, i) => [i, -i]));
    const y = tf.tidy(() =>
      tf.oneHot(
        tf.tensor1d(
          Array.from({ length: n }, (_, i) => (i * 7) % 2),
          'int32',
        ),
        2,
      ),
    );
    const folds = kFold({ k: 4, shuffle: true, seed: 3 }).split(n);
    const before = tf.memory().numTensors;
    const cv = await crossValidate({
      createModel: classifier,
      x,
      y,
      splitter: kFold({ k: 4, shuffle: true, seed: 3 }),
      fitArgs: { epochs: 1 },
      // Not a real score: the sum of the first feature of the held-out rows, i.e. of their indices.
      metric: async (_model, xTest) => {
        const col = tf.tidy(() => tf.sum(tf.slice(xTest, [0, 0], [-1, 1])));
        const v = (await col.data())[0];
        col.dispose();
        return v;
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(cv.metric).toBe('custom');
    expect(cv.scores).toEqual(folds.map((f) => f.test.reduce((a, b) => a + b, 0)));
    // And accuracy() from the metrics module plugs in directly.
    const acc = await crossValidate({
      createModel: classifier,
      x,
      y,
      splitter: kFold({ k: 2 }),
      fitArgs: { epochs: 1 },
      metric: async (m, xt, yt) => {
        const p = m.predict(xt) as tf.Tensor;
        const a = await accuracy(yt, p);
        p.dispose();
        return a;
      },
    });
    expect(acc.scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    const [x4, y3] = [tf.zeros([4, 2]), tf.zeros([3, 2])];
    await expect(crossValidate({ createModel: classifier, x: x4, y: y3 })).rejects.toThrow(InputError);
    tf.dispose([x4, y3]);
  });

  test('any splitter: stratified folds, a grouped splitter written here, and bad splitters', async () => {
    const n = 12;
    const x = tf.tensor2d(Array.from({ length: n }, (_, i) => [i, -i]));
    const labels = Array.from({ length: n }, (_, i) => (i < 8 ? 0 : 1));
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 2));
    const heldOut: number[][] = [];
    const rows = async (_m: tfl.LayersModel, xTest: tf.Tensor) => {
      const first = tf.slice(xTest, [0, 0], [-1, 1]);
      heldOut.push(Array.from(await first.data()));
      first.dispose();
      return 0;
    };
    const before = tf.memory().numTensors;
    const strat = stratifiedKFold(labels, { k: 4, shuffle: true, seed: 7 });
    const cv = await crossValidate({
      createModel: classifier,
      x,
      y,
      splitter: strat,
      fitArgs: { epochs: 1 },
      metric: rows,
    });
    expect(heldOut).toEqual(strat.split(n).map((f) => f.test));
    // Every held-out fold has two samples of class 0 and one of class 1.
    for (const part of heldOut) expect(part.map((i) => labels[i]).sort()).toEqual([0, 0, 1]);
    expect(cv.folds.map((f) => f.testSize)).toEqual([3, 3, 3, 3]);
    // Leave one group out (sklearn's LeaveOneGroupOut), through the same interface.
    const groups = Array.from({ length: n }, (_, i) => Math.floor(i / 4));
    const byGroup = {
      split: (m: number): Fold[] =>
        [0, 1, 2].map((g) => ({
          train: Array.from({ length: m }, (_, i) => i).filter((i) => groups[i] !== g),
          test: Array.from({ length: m }, (_, i) => i).filter((i) => groups[i] === g),
        })),
    };
    heldOut.length = 0;
    await crossValidate({ createModel: classifier, x, y, splitter: byGroup, fitArgs: { epochs: 1 }, metric: rows });
    expect(heldOut).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    expect(tf.memory().numTensors).toBe(before);
    const bad = (splitter: unknown) =>
      crossValidate({ createModel: classifier, x, y, splitter: splitter as { split: (n: number) => Fold[] } });
    await expect(bad({})).rejects.toThrow(/crossValidate: splitter: expected an object with split\(n\)/);
    await expect(bad({ split: () => [{ train: [0, 1], test: [12] }] })).rejects.toThrow(/fold 0 with non-empty train/);
    await expect(bad({ split: () => [{ train: [0, 1], test: [1] }] })).rejects.toThrow(/fold 0 with disjoint train/);
    await expect(bad(stratifiedKFold([0, 1, 0, 1], { k: 2 }))).rejects.toThrow(/expected 4 \(one label per sample\)/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });
});
