import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  accuracy,
  classificationReport,
  confusionMatrix,
  createRng,
  InputError,
  initBackend,
  topKError,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
});

/** Plain-array reference for per-class precision/recall/F1 (sklearn definitions, zero_division=0). */
function reference(t: number[], p: number[], classes: number[]) {
  const rows = classes.map((c) => {
    const tp = t.filter((v, i) => v === c && p[i] === c).length;
    const predicted = p.filter((v) => v === c).length;
    const support = t.filter((v) => v === c).length;
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support };
  });
  const n = t.length;
  const mean = (k: 'precision' | 'recall' | 'f1') => rows.reduce((a, r) => a + r[k], 0) / rows.length;
  const wmean = (k: 'precision' | 'recall' | 'f1') => rows.reduce((a, r) => a + r[k] * r.support, 0) / n;
  return {
    rows,
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
    weighted: { precision: wmean('precision'), recall: wmean('recall'), f1: wmean('f1') },
    accuracy: t.filter((v, i) => v === p[i]).length / n,
  };
}

describe('classificationReport', () => {
  test("matches sklearn's documented example, numbers and text", async () => {
    // sklearn.metrics.classification_report docs: y_true = [0, 1, 2, 2, 2], y_pred = [0, 0, 2, 2, 1].
    const before = tf.memory().numTensors;
    const yTrue = tf.tensor1d([0, 1, 2, 2, 2], 'int32');
    const yPred = tf.tensor1d([0, 0, 2, 2, 1], 'int32');
    const r = await classificationReport(yTrue, yPred, { classNames: ['class 0', 'class 1', 'class 2'] });
    tf.dispose([yTrue, yPred]);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.classes.map((c) => c.precision)).toEqual([0.5, 0, 1]);
    expect(r.classes.map((c) => c.recall)).toEqual([1, 0, 2 / 3]);
    expect(r.classes[0].f1).toBeCloseTo(2 / 3, 12);
    expect(r.classes[2].f1).toBeCloseTo(0.8, 12);
    expect(r.classes.map((c) => c.support)).toEqual([1, 1, 3]);
    expect(r.accuracy).toBe(0.6);
    expect(r.macro.precision).toBeCloseTo(0.5, 12);
    expect(r.macro.recall).toBeCloseTo(5 / 9, 12);
    expect(r.macro.f1).toBeCloseTo((2 / 3 + 0.8) / 3, 12); // 0.48889
    expect(r.weighted.precision).toBeCloseTo(0.7, 12);
    expect(r.weighted.recall).toBeCloseTo(0.6, 12);
    expect(r.weighted.f1).toBeCloseTo((2 / 3 + 2.4) / 5, 12); // 0.61333
    expect(r.confusion).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [0, 1, 2],
    ]);
    const sklearn = [
      '              precision    recall  f1-score   support',
      '',
      '     class 0       0.50      1.00      0.67         1',
      '     class 1       0.00      0.00      0.00         1',
      '     class 2       1.00      0.67      0.80         3',
      '',
      '    accuracy                           0.60         5',
      '   macro avg       0.50      0.56      0.49         5',
      'weighted avg       0.70      0.60      0.61         5',
      '',
    ].join('\n');
    expect(r.toString()).toBe(sklearn);
    expect(JSON.parse(JSON.stringify(r)).macro.recall).toBeCloseTo(5 / 9, 12);
  });

  test('agrees with a plain-array implementation on 300 random logits (one-hot truth)', async () => {
    const rng = createRng(7);
    const n = 300;
    const c = 5;
    const labels = Array.from({ length: n }, () => rng.int(c));
    // Logits biased towards the true class so that the classifier is decent but imperfect.
    const logits = labels.map((l) => Array.from({ length: c }, (_, j) => rng.normal() + (j === l ? 1.5 : 0)));
    const predicted = logits.map((row) => row.indexOf(Math.max(...row)));
    const before = tf.memory().numTensors;
    const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), c));
    const scores = tf.tensor2d(logits);
    const r = await classificationReport(oneHot, scores);
    const acc = await accuracy(oneHot, scores);
    const cm = await confusionMatrix(labels, scores, c);
    tf.dispose([oneHot, scores]);
    expect(tf.memory().numTensors).toBe(before);
    const ref = reference(labels, predicted, [0, 1, 2, 3, 4]);
    expect(acc).toBeCloseTo(ref.accuracy, 12);
    expect(acc).toBeGreaterThan(0.4);
    expect(acc).toBeLessThan(0.95);
    expect(r.accuracy).toBeCloseTo(ref.accuracy, 12);
    r.classes.forEach((row, i) => {
      expect(row.precision).toBeCloseTo(ref.rows[i].precision, 12);
      expect(row.recall).toBeCloseTo(ref.rows[i].recall, 12);
      expect(row.f1).toBeCloseTo(ref.rows[i].f1, 12);
      expect(row.support).toBe(ref.rows[i].support);
    });
    for (const k of ['precision', 'recall', 'f1'] as const) {
      expect(r.macro[k]).toBeCloseTo(ref.macro[k], 12);
      expect(r.weighted[k]).toBeCloseTo(ref.weighted[k], 12);
    }
    for (let i = 0; i < c; i++) {
      for (let j = 0; j < c; j++) {
        expect(cm[i][j]).toBe(labels.filter((l, s) => l === i && predicted[s] === j).length);
      }
    }
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(n);
  });

  test('reports only the labels present unless the class set is given (sklearn)', async () => {
    const r = await classificationReport([0, 3, 3], [0, 3, 0]);
    expect(r.classes.map((c) => c.label)).toEqual([0, 3]);
    expect(r.macro.recall).toBeCloseTo((1 + 0.5) / 2, 12);
    const full = await classificationReport([0, 3, 3], [0, 3, 0], { numClasses: 4 });
    expect(full.classes.map((c) => c.support)).toEqual([1, 0, 0, 2]);
    expect(full.macro.recall).toBeCloseTo((1 + 0 + 0 + 0.5) / 4, 12);
  });
});

describe('accuracy', () => {
  test('labels as ints or one-hot, predictions as probabilities, logits, ints or binary scores', async () => {
    const before = tf.memory().numTensors;
    const probs = tf.tensor2d([
      [0.9, 0.1, 0],
      [0.2, 0.7, 0.1],
      [0.1, 0.1, 0.8],
      [0.5, 0.4, 0.1],
    ]);
    expect(await accuracy([0, 1, 2, 2], probs)).toBe(0.75);
    const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 2], 'int32'), 3));
    expect(await accuracy(oneHot, probs)).toBe(0.75);
    expect(await accuracy([0, 1, 2, 2], [0, 1, 2, 0])).toBe(0.75);
    expect(await accuracy([0, 1, 1], [0.2, 0.7, 0.5])).toBe(1);
    expect(await accuracy([0, 1, 1], [[0.2], [0.7], [0.5]], { threshold: 0.6 })).toBeCloseTo(2 / 3, 12);
    expect(await accuracy([0, 1, 1], [-2, 0.3, -0.1], { threshold: 0 })).toBeCloseTo(2 / 3, 12);
    tf.dispose([probs, oneHot]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('rejects bad input with InputError', async () => {
    await expect(accuracy([0, 1], [0, 1, 1])).rejects.toThrow(/accuracy: yPred: expected 2 samples/);
    await expect(accuracy([0, 1.5], [0, 1])).rejects.toBeInstanceOf(InputError);
    await expect(accuracy([0, 1], [Number.NaN, 1])).rejects.toThrow(
      /accuracy: yPred: expected finite numbers, got NaN/,
    );
    await expect(accuracy([], [])).rejects.toThrow(/accuracy: yTrue: expected at least one sample/);
    await expect(confusionMatrix([0, 5], [0, 1], 3)).rejects.toThrow(
      /confusionMatrix: yTrue: expected class indices < numClasses/,
    );
  });
});

describe('topKError', () => {
  test('hand-computed top-1/2/3 errors with a tie', async () => {
    const scores = tf.tensor2d([
      [0.1, 0.5, 0.4], // label 2 is 2nd
      [0.3, 0.3, 0.4], // label 1 ties with class 0, which ranks first: 3rd
      [0.6, 0.3, 0.1], // label 0 is 1st
    ]);
    const before = tf.memory().numTensors;
    expect(await topKError([2, 1, 0], scores, 1)).toBeCloseTo(2 / 3, 12);
    expect(await topKError([2, 1, 0], scores, 2)).toBeCloseTo(1 / 3, 12);
    expect(await topKError([2, 1, 0], scores, 3)).toBe(0);
    expect(1 - (await topKError([2, 1, 0], scores, 1))).toBeCloseTo(await accuracy([2, 1, 0], scores), 12);
    expect(tf.memory().numTensors).toBe(before);
    scores.dispose();
    await expect(topKError([0], [[1, 2]], 0)).rejects.toThrow(/topKError: k: expected an integer >= 1/);
    await expect(topKError([0, 1], [0.3, 0.2])).rejects.toBeInstanceOf(InputError);
  });

  test('agrees with tf.topk on 200 x 20 random scores (top-5)', async () => {
    const rng = createRng(3);
    const n = 200;
    const c = 20;
    // Rounded to 1 decimal so that ties occur.
    const data = Array.from({ length: n }, () => Array.from({ length: c }, () => Math.round(rng.next() * 10) / 10));
    const labels = Array.from({ length: n }, () => rng.int(c));
    const scores = tf.tensor2d(data);
    const top = tf.topk(scores, 5);
    const idx = (await top.indices.array()) as number[][];
    tf.dispose([top.indices, top.values]);
    const misses = labels.filter((l, i) => !idx[i].includes(l)).length;
    expect(await topKError(labels, scores)).toBeCloseTo(misses / n, 12);
    scores.dispose();
  });
});
