import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DIGIT_ADDITION_VOCABULARY,
  syntheticAddingProblem,
  syntheticDigitAddition,
  syntheticNoisySines,
  syntheticShapeClasses,
  syntheticShapes2d,
  syntheticShapes3d,
} from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('synthetic shape scenes', () => {
  it('2-D: masks mark the bright pixels, all classes occur, same seed same data', () => {
    const before = tf.memory().numTensors;
    const a = syntheticShapes2d({ n: 20, size: 24, seed: 1, noise: 0 });
    const b = syntheticShapes2d({ n: 20, size: 24, seed: 1, noise: 0 });
    expect(a.images.shape).toEqual([20, 24, 24, 1]);
    expect(a.masks.shape).toEqual([20, 24, 24]);
    expect(a.classNames).toEqual(['background', 'circle', 'square', 'triangle']);
    const im = a.images.dataSync();
    const mk = a.masks.dataSync();
    const seen = new Set<number>();
    for (let i = 0; i < mk.length; i++) {
      seen.add(mk[i]);
      if (mk[i] === 0) expect(im[i]).toBeCloseTo(0.1, 6);
      else expect(im[i]).toBeGreaterThanOrEqual(0.5);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    expect(Array.from(b.masks.dataSync())).toEqual(Array.from(mk));
    const rgb = syntheticShapes2d({ n: 2, size: 16, channels: 3, seed: 2 });
    expect(rgb.images.shape).toEqual([2, 16, 16, 3]);
    tf.dispose([a.images, a.masks, b.images, b.masks, rgb.images, rgb.masks]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('3-D: spheres and cubes in NDHWC volumes', () => {
    const d = syntheticShapes3d({ n: 6, size: 12, seed: 3, noise: 0 });
    expect(d.images.shape).toEqual([6, 12, 12, 12, 1]);
    expect(d.masks.shape).toEqual([6, 12, 12, 12]);
    const im = d.images.dataSync();
    const mk = d.masks.dataSync();
    let fg = 0;
    for (let i = 0; i < mk.length; i++) {
      if (mk[i] > 0) {
        fg++;
        expect(im[i]).toBeGreaterThanOrEqual(0.5);
      } else expect(im[i]).toBeCloseTo(0.1, 6);
    }
    expect(fg).toBeGreaterThan(0);
    expect(new Set(mk).size).toBe(3);
    tf.dispose([d.images, d.masks]);
  });
});

describe('synthetic shape classes', () => {
  it('balanced labels, one bright shape per image, reproducible', () => {
    const before = tf.memory().numTensors;
    const d = syntheticShapeClasses({ count: 60, size: 28, seed: 1, noise: 0 });
    expect(d.images.shape).toEqual([60, 28, 28, 1]);
    expect(d.classNames.length).toBe(6);
    const l = Array.from(d.labels.dataSync());
    expect([0, 1, 2, 3, 4, 5].map((c) => l.filter((v) => v === c).length)).toEqual([10, 10, 10, 10, 10, 10]);
    expect(l.slice(0, 12)).not.toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
    const px = d.images.dataSync();
    for (let i = 0; i < 60; i++) {
      const img = px.subarray(i * 784, (i + 1) * 784);
      const lit = img.filter((v) => v > 0).length;
      expect(lit).toBeGreaterThan(5);
      expect(Math.max(...img)).toBeGreaterThanOrEqual(0.6);
    }
    // Squares fill more of their bounding box than crosses of the same radius: mean lit area differs by class.
    const area = (c: number) => {
      const idx = l.map((v, i) => (v === c ? i : -1)).filter((i) => i >= 0);
      return idx.reduce((a, i) => a + px.subarray(i * 784, (i + 1) * 784).filter((v) => v > 0).length, 0) / idx.length;
    };
    expect(area(1)).toBeGreaterThan(area(4));
    const again = syntheticShapeClasses({ n: 60, size: 28, seed: 1, noise: 0 });
    expect(Array.from(again.images.dataSync())).toEqual(Array.from(px));
    tf.dispose([d.images, d.labels, again.images, again.labels]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('synthetic sequence tasks', () => {
  it('noisy sines: targets are the clean continuation', () => {
    const d = syntheticNoisySines({ n: 4, length: 30, horizon: 2, noise: 0.05, seed: 5 });
    expect(d.xs.shape).toEqual([4, 30, 1]);
    expect(d.ys.shape).toEqual([4, 2]);
    const xs = d.xs.dataSync();
    const ys = d.ys.dataSync();
    d.params.forEach(({ amplitude: A, frequency: w, phase: p }, i) => {
      expect(ys[2 * i + 1]).toBeCloseTo(A * Math.sin(w * 31 + p), 5);
      let err = 0;
      for (let t = 0; t < 30; t++) err += (xs[i * 30 + t] - A * Math.sin(w * t + p)) ** 2;
      expect(Math.sqrt(err / 30)).toBeLessThan(0.08);
    });
    tf.dispose([d.xs, d.ys]);
  });

  it('adding problem: two markers, one per half, target = sum of marked values', () => {
    const d = syntheticAddingProblem({ n: 50, length: 20, seed: 7 });
    const xs = d.xs.arraySync();
    const ys = d.ys.dataSync();
    xs.forEach((seq, i) => {
      const marked = seq.map((s, t) => [s[1], t, s[0]]).filter(([m]) => m === 1);
      expect(marked.length).toBe(2);
      expect(marked[0][1]).toBeLessThan(10);
      expect(marked[1][1]).toBeGreaterThanOrEqual(10);
      expect(ys[i]).toBeCloseTo(marked[0][2] + marked[1][2], 5);
    });
    tf.dispose([d.xs, d.ys]);
  });

  it('digit addition: one-hot decodes to correct sums, questions distinct', () => {
    const d = syntheticDigitAddition({ n: 200, digits: 3, seed: 9 });
    expect(d.xs.shape).toEqual([200, 7, 12]);
    expect(d.ys.shape).toEqual([200, 4, 12]);
    const decode = (t: tf.Tensor3D) =>
      (t.arraySync() as number[][][]).map((rows) => rows.map((r) => DIGIT_ADDITION_VOCABULARY[r.indexOf(1)]).join(''));
    const qs = decode(d.xs);
    const as = decode(d.ys);
    expect(qs).toEqual(d.questions);
    qs.forEach((q, i) => {
      const [a, b] = q.trim().split('+').map(Number);
      expect(Number(as[i].trim())).toBe(a + b);
    });
    expect(new Set(qs).size).toBe(200);
    const r = syntheticDigitAddition({ n: 3, digits: 2, seed: 9, reverse: true });
    expect(r.questions[0].length).toBe(5);
    expect(() => syntheticDigitAddition({ n: 101, digits: 1 })).toThrow(/at most 100 distinct questions/);
    tf.dispose([d.xs, d.ys, r.xs, r.ys]);
  });
});
