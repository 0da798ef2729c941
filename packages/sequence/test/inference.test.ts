import * as tf from '@tensorflow/tfjs-core';
import { createRng, InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { generate, recurrentModel, sampleToken, samplingDistribution, streamingModel } from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('streamingModel', () => {
  test.each(['lstm', 'gru', 'simpleRnn'] as const)(
    '%s: step-by-step outputs equal the full-sequence outputs; reset restarts; no leak',
    async (cell) => {
      const m = recurrentModel({ cell, features: 3, units: [5, 4], output: 'sequence', outputUnits: 2 });
      const x = tf.randomNormal([2, 6, 3], 0, 1, 'float32', 7);
      const full = m.predict(x) as tf.Tensor;
      const beforeCopy = tf.memory().numTensors;
      const live = await streamingModel(m, { batchSize: 2 });
      const run = () => {
        const ys: tf.Tensor[] = [];
        for (let t = 0; t < 6; t++) {
          const xt = tf.tidy(() => tf.squeeze(tf.slice(x, [0, t, 0], [2, 1, 3]), [1]));
          ys.push(live.step(xt));
          xt.dispose();
        }
        const s = tf.stack(ys, 1);
        tf.dispose(ys);
        return s;
      };
      const first = run();
      expect(maxDiff(first, full)).toBeLessThan(1e-5);
      // without reset the state carries on: the same input now gives other outputs
      const carried = run();
      expect(maxDiff(carried, full)).toBeGreaterThan(1e-4);
      live.reset();
      const before = tf.memory().numTensors;
      const again = run();
      expect(tf.memory().numTensors).toBe(before + 1); // just the result
      expect(maxDiff(again, full)).toBeLessThan(1e-5);
      tf.dispose([first, carried, again]);
      live.dispose();
      // the copy's weights and its recurrent states (kept by tfjs per layer, not freed by model.dispose) all go
      expect(tf.memory().numTensors).toBe(beforeCopy);
      tf.dispose([x, full]);
      expect(() => live.step(tf.zeros([2, 3]))).toThrow(/a disposed one/);
    },
  );

  test('many-to-one with an embedding: the output after t steps equals the model on the first t tokens', async () => {
    const m = recurrentModel({
      cell: 'lstm',
      embedding: { vocabSize: 9, dim: 3 },
      units: 4,
      outputUnits: 3,
      outputActivation: 'softmax',
    });
    const live = await streamingModel(m);
    const ids = [3, 1, 4, 1, 5];
    ids.forEach((id, t) => {
      const x = tf.tensor1d([id]);
      const y = live.step(x);
      const ref = m.predict(tf.tensor2d([ids.slice(0, t + 1)])) as tf.Tensor;
      expect(maxDiff(y, ref)).toBeLessThan(1e-5);
      tf.dispose([x, y, ref]);
    });
  });

  test('a different batch size, a wrong rank or feature count, a bidirectional model: typed errors', async () => {
    const m = recurrentModel({ cell: 'gru', features: 2, units: 3, outputUnits: 1 });
    const live = await streamingModel(m, { batchSize: 2 });
    expect(() => live.step(tf.zeros([3, 2]))).toThrow(/StreamingModel.step: x: expected a batch of 2/);
    expect(() => live.step(tf.zeros([2, 1, 2]))).toThrow(/StreamingModel.step: x: expected a rank-2/);
    expect(() => live.step(tf.zeros([2, 3]))).toThrow(/StreamingModel.step: x: expected shape \[2,2\]/);
    const bi = recurrentModel({ features: 2, units: 3, outputUnits: 1, bidirectional: true });
    await expect(streamingModel(bi)).rejects.toThrow(InputError);
  });
});

describe('sampling', () => {
  const probs = [0.5, 0.25, 0.15, 0.1];

  test('samplingDistribution follows its formulas: p^(1/T) normalised, top-k renormalised, T = 0 greedy', () => {
    const t = 0.5;
    const z = probs.reduce((s, p) => s + p ** (1 / t), 0);
    for (const [i, q] of Array.from(samplingDistribution(probs, { temperature: t })).entries()) {
      expect(q).toBeCloseTo(probs[i] ** (1 / t) / z, 12);
    }
    const k2 = samplingDistribution(probs, { topK: 2 });
    expect(Array.from(k2)).toEqual([0.5 / 0.75, 0.25 / 0.75, 0, 0].map((v) => expect.closeTo(v, 12)));
    const both = samplingDistribution(probs, { topK: 3, temperature: 2 });
    const z3 = [0.5, 0.25, 0.15].reduce((s, p) => s + Math.sqrt(p), 0);
    expect(both[2]).toBeCloseTo(Math.sqrt(0.15) / z3, 12);
    expect(both[3]).toBe(0);
    expect(Array.from(samplingDistribution([0.2, 0.7, 0.1], { temperature: 0 }))).toEqual([0, 1, 0]);
    // tiny temperatures stay finite (log space)
    expect(samplingDistribution([0.5, 0.49], { temperature: 1e-4 })[0]).toBeCloseTo(1, 6);
  });

  test('sampleToken draws with those frequencies (20,000 draws, within 4 standard errors)', () => {
    const rng = createRng(11);
    for (const options of [{}, { temperature: 0.5 }, { temperature: 2, topK: 3 }]) {
      const q = samplingDistribution(probs, options);
      const counts = [0, 0, 0, 0];
      const n = 20000;
      for (let i = 0; i < n; i++) counts[sampleToken(probs, { ...options, rng })]++;
      counts.forEach((c, i) => {
        const se = Math.sqrt((q[i] * (1 - q[i])) / n);
        expect(Math.abs(c / n - q[i])).toBeLessThanOrEqual(4 * se + 1e-12);
      });
    }
  });

  test('bad probabilities and options are typed errors', () => {
    expect(() => samplingDistribution([0.5, Number.NaN])).toThrow(/samplingDistribution: probs/);
    expect(() => samplingDistribution(probs, { temperature: -1 })).toThrow(/samplingDistribution: temperature/);
    expect(() => samplingDistribution(probs, { topK: 0 })).toThrow(/samplingDistribution: topK/);
  });

  test('generate: greedy generation is deterministic and equals argmax-feeding by hand; no leak', async () => {
    const m = recurrentModel({
      cell: 'gru',
      embedding: { vocabSize: 6, dim: 3, maskZero: false },
      units: 8,
      output: 'sequence',
      outputUnits: 6,
      outputActivation: 'softmax',
    });
    const live = await streamingModel(m);
    const before = tf.memory().numTensors;
    const ids = generate(live, { prompt: [2, 3], length: 5, temperature: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const seq = [2, 3];
    for (let i = 0; i < 5; i++) {
      const p = m.predict(tf.tensor2d([seq])) as tf.Tensor;
      seq.push(tf.argMax(tf.slice(tf.squeeze(p, [0]), [seq.length - 1, 0], [1, 6]), -1).dataSync()[0]);
    }
    expect(ids).toEqual(seq.slice(2));
    const a = generate(live, { prompt: [2], length: 10, temperature: 1.5, topK: 4, seed: 5 });
    const b = generate(live, { prompt: [2], length: 10, temperature: 1.5, topK: 4, seed: 5 });
    expect(a).toEqual(b);
  });
});
