import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { saliency } from '@tiefe/explain';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  ADDING_BASELINE_MSE,
  addingProblem,
  digitAddition,
  isReberString,
  noisySines,
  persistenceMae,
  reberText,
  reberValidity,
  recurrentModel,
} from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('adding problem', () => {
  test('two marks, one per half; the target is the sum of the marked values; the mean predictor scores 2/12', () => {
    const d = addingProblem({ count: 4000, length: 20, seed: 3 });
    const x = d.x.arraySync();
    const y = d.y.dataSync();
    d.marks.forEach(([a, b], i) => {
      expect(a).toBeLessThan(10);
      expect(b).toBeGreaterThanOrEqual(10);
      expect(x[i].filter((s) => s[1] === 1).length).toBe(2);
      expect(y[i]).toBeCloseTo(x[i][a][0] + x[i][b][0], 6);
    });
    const mse = Array.from(y).reduce((s, v) => s + (v - 1) ** 2, 0) / y.length;
    expect(Math.abs(mse - ADDING_BASELINE_MSE)).toBeLessThan(0.01); // sd of this estimate ~ 0.003
    tf.dispose([d.x, d.y]);
  });

  test('explain composes: saliency of a 1-output recurrent model is the input gradient of that output', async () => {
    const m = recurrentModel({ cell: 'lstm', timeSteps: 6, features: 2, units: 4, outputUnits: 1 });
    const d = addingProblem({ count: 3, length: 6, seed: 1 });
    const s = await saliency(m, d.x, { target: 0, absolute: false });
    const g = tf.grad((x: tf.Tensor) => tf.sum(m.apply(x) as tf.Tensor))(d.x);
    expect(s.shape).toEqual([3, 6, 2]);
    expect(tf.max(tf.abs(tf.sub(s, g))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([d.x, d.y, s, g]);
  });
});

describe('Reber grammar', () => {
  test('generated text splits into valid strings; bits count the binary choices', () => {
    const { text, bits } = reberText({ strings: 200, seed: 2 });
    const pieces = text.split(/(?<=E)(?=B)/);
    expect(pieces.length).toBe(200);
    expect(pieces.every((p) => isReberString(p))).toBe(true);
    // embedded: one outer choice + the inner string's choices = inner length - 2 (B and E are forced)
    expect(bits).toBe(pieces.reduce((s, p) => s + 1 + (p.length - 4 - 2), 0));
    expect(reberValidity(text)).toEqual({ complete: 198, valid: 198 });
    const plain = reberText({ strings: 50, embedded: false, seed: 2 }).text;
    expect(plain.split(/(?<=E)(?=B)/).every((p) => isReberString(p, false))).toBe(true);
  });

  test('isReberString rejects strings off the grammar', () => {
    expect(isReberString('BTBTSSXSETE')).toBe(true);
    expect(isReberString('BTBTSSXSEPE')).toBe(false); // outer letters differ
    expect(isReberString('BTSXSE', false)).toBe(true);
    expect(isReberString('BTSXE', false)).toBe(false);
    expect(isReberString('BTTE', false)).toBe(false);
  });
});

describe('digit addition and sines', () => {
  test('digitAddition: correct sums, padded, reversed questions, distinct pairs', () => {
    const d = digitAddition({ count: 500, digits: 3, seed: 4 });
    const keys = new Set<string>();
    d.questions.forEach((q, i) => {
      expect(q.length).toBe(7);
      expect(d.answers[i].length).toBe(4);
      const [a, b] = Array.from(q).reverse().join('').trim().split('+').map(Number);
      expect(Number(d.answers[i].trim())).toBe(a + b);
      keys.add(a < b ? `${a}+${b}` : `${b}+${a}`);
    });
    expect(keys.size).toBe(500);
    expect(() => digitAddition({ count: 100, digits: 1 })).toThrow(/digitAddition: count/);
  });

  test('noisySines: noise of the stated sd around the clean signal; persistence MAE by hand', () => {
    const { series, clean } = noisySines({ length: 5000, noise: 0.2, seed: 1 });
    const resid = Array.from(series, (v, t) => v - clean[t]);
    const sd = Math.sqrt(resid.reduce((s, r) => s + r * r, 0) / resid.length);
    expect(sd).toBeCloseTo(0.2, 1);
    // windows of 2 steps, horizon 1: last seen 2 -> 5 (|3|), last seen 4 -> 3 (|1|)
    expect(persistenceMae([1, 2, 3, 4], [5, 3], 2)).toBe(2);
    expect(() => noisySines({ length: 10, periods: [] })).toThrow(/noisySines: periods/);
  });
});
