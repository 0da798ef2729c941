import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { shuffledIndices, splitData, splitIndices, stratifiedSplitIndices, trainTestSplit } from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const sorted = (a: ArrayLike<number>) => Array.from(a).sort((x, y) => x - y);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('index splits', () => {
  it('shuffles reproducibly and is a permutation', () => {
    const a = shuffledIndices(100, 7);
    expect(Array.from(a)).toEqual(Array.from(shuffledIndices(100, 7)));
    expect(Array.from(a)).not.toEqual(Array.from(shuffledIndices(100, 8)));
    expect(Array.from(a)).not.toEqual(range(100));
    expect(sorted(a)).toEqual(range(100));
  });

  it('splits by counts and by fractions into disjoint covering parts', () => {
    const [tr, te] = splitIndices(10000, [8000, 2000], { seed: 42 });
    expect(tr.length).toBe(8000);
    expect(te.length).toBe(2000);
    expect(sorted([...tr, ...te])).toEqual(range(10000));
    const parts = splitIndices(10, [0.7, 0.15, 0.15], { seed: 1 });
    expect(parts.map((p) => p.length)).toEqual([7, 1, 2]);
    expect(Array.from(splitIndices(5, [2, 3], { shuffle: false })[1])).toEqual([2, 3, 4]);
    expect(() => splitIndices(10, [8, 3])).toThrow(/counts summing to at most n = 10/);
    expect(() => splitIndices(10, [0.8, 0.5])).toThrow(/fractions summing to at most 1/);
  });

  it('stratifies: each class keeps its share in each part', () => {
    // 60 of class 0, 30 of class 1, 10 of class 2.
    const labels = [...new Array(60).fill(0), ...new Array(30).fill(1), ...new Array(10).fill(2)];
    const [a, b] = stratifiedSplitIndices(labels, [80, 20], { seed: 3 });
    const count = (idx: Int32Array, c: number) => Array.from(idx).filter((i) => labels[i] === c).length;
    expect([count(b, 0), count(b, 1), count(b, 2)]).toEqual([12, 6, 2]);
    expect([count(a, 0), count(a, 1), count(a, 2)]).toEqual([48, 24, 8]);
    expect(sorted([...a, ...b])).toEqual(range(100));
  });
});

describe('trainTestSplit', () => {
  it('splits all tensor fields with one permutation and keeps other fields', () => {
    const before = tf.memory().numTensors;
    const n = 50;
    const images = tf.tensor4d(
      Float32Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4)),
      [n, 2, 2, 1],
    );
    const labels = tf.tensor1d(
      Int32Array.from(range(n), (i) => i % 5),
      'int32',
    );
    const data = { images, labels, classNames: ['a', 'b', 'c', 'd', 'e'] };
    const { train, test } = trainTestSplit(data, { testSize: 10, seed: 4, stratify: true });
    expect(train.images.shape).toEqual([40, 2, 2, 1]);
    expect(test.labels.shape).toEqual([10]);
    expect(test.classNames).toEqual(data.classNames);
    // Row i of images holds the value i everywhere, and label i % 5: rows and labels stayed paired.
    const ti = test.images.dataSync();
    const tl = test.labels.dataSync();
    for (let r = 0; r < 10; r++) expect(ti[r * 4] % 5).toBe(tl[r]);
    const counts = [0, 0, 0, 0, 0];
    for (const v of tl) counts[v]++;
    expect(counts).toEqual([2, 2, 2, 2, 2]);
    const all = sorted([
      ...Array.from(train.images.dataSync()).filter((_, i) => i % 4 === 0),
      ...Array.from(ti).filter((_, i) => i % 4 === 0),
    ]);
    expect(all).toEqual(range(n));
    tf.dispose([images, labels, train.images, train.labels, test.images, test.labels]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('splitData makes train / validation / test parts, stratified', () => {
    const labels = tf.tensor1d(
      Int32Array.from(range(100), (i) => (i < 80 ? 0 : 1)),
      'int32',
    );
    const x = tf.tensor2d(Float32Array.from(range(100)), [100, 1]);
    const before = tf.memory().numTensors;
    const parts = splitData({ x, labels }, [0.8, 0.1, 0.1], { seed: 3, stratify: true });
    expect(parts.map((p) => p.x.shape[0])).toEqual([80, 10, 10]);
    expect(parts.map((p) => Array.from(p.labels.dataSync()).filter((v) => v === 1).length)).toEqual([16, 2, 2]);
    expect(sorted(parts.flatMap((p) => Array.from(p.x.dataSync())))).toEqual(range(100));
    tf.dispose(parts.flatMap((p) => [p.x, p.labels]));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, labels]);
  });

  it('rejects fields of different lengths', () => {
    const a = tf.zeros([4, 2]);
    const b = tf.zeros([3]);
    expect(() => trainTestSplit({ a, b })).toThrow(/data\.b: expected first dimension 4/);
    tf.dispose([a, b]);
  });
});
