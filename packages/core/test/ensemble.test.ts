import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, test } from 'vitest';
import { ensemble, InputError, initBackend, seed } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
});

/** A predictor that always returns the same scores for a batch of any content. */
const fixed = (rows: number[][]) => ({ predict: (_x: tf.Tensor) => tf.tensor2d(rows) });

const close = (got: ArrayLike<number>, want: number[]) => {
  for (const [i, w] of want.entries()) expect(got[i]).toBeCloseTo(w, 6);
};

describe('ensemble', () => {
  const a = fixed([
    [0.7, 0.2, 0.1],
    [0.1, 0.3, 0.6],
  ]);
  const b = fixed([
    [0.2, 0.5, 0.3],
    [0.2, 0.2, 0.6],
  ]);
  const c = fixed([
    [0.1, 0.8, 0.1],
    [0.5, 0.4, 0.1],
  ]);
  const x = tf.zeros([2, 1]);

  test('mean: weighted average of probabilities; vote: weighted share of arg-max votes', async () => {
    const before = tf.memory().numTensors;
    const mean = ensemble([a, b], { weights: [1, 3] });
    const p = mean.predict(x);
    close(await p.data(), [
      (0.7 + 0.6) / 4,
      (0.2 + 1.5) / 4,
      (0.1 + 0.9) / 4,
      (0.1 + 0.6) / 4,
      (0.3 + 0.6) / 4,
      (0.6 + 1.8) / 4,
    ]);
    const vote = ensemble([a, b, c], { method: 'vote' });
    const v = vote.predict(x);
    // Row 0 votes: a->0, b->1, c->1. Row 1: a->2, b->2, c->0.
    close(await v.data(), [1 / 3, 2 / 3, 0, 1 / 3, 0, 2 / 3]);
    const classes = vote.predictClasses(x);
    expect(classes.dtype).toBe('int32');
    expect(Array.from(await classes.data())).toEqual([1, 2]);
    // Weighted vote: a alone outweighs b and c.
    const heavy = ensemble([a, b, c], { method: 'vote', weights: [3, 1, 1] }).predictClasses(x);
    expect(Array.from(await heavy.data())).toEqual([0, 2]);
    tf.dispose([p, v, classes, heavy]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a tie goes to the lowest class index', async () => {
    const tie = ensemble([fixed([[0, 0, 1]]), fixed([[0, 1, 0]])], { method: 'vote' }).predictClasses(tf.zeros([1, 1]));
    expect(Array.from(await tie.data())).toEqual([1]);
    tie.dispose();
  });

  test('real LayersModels: the mean equals the average of their own predictions', async () => {
    const models = [1, 2, 3].map((s) => {
      seed(s);
      return tfl.sequential({ layers: [tfl.layers.dense({ units: 4, activation: 'softmax', inputShape: [3] })] });
    });
    const input = tf.randomNormal([5, 3], 0, 1, 'float32', 1);
    const before = tf.memory().numTensors;
    const e = ensemble(models);
    const got = e.predict(input);
    expect(tf.memory().numTensors).toBe(before + 1);
    const want = tf.tidy(() => tf.div(tf.addN(models.map((m) => m.predict(input) as tf.Tensor)), 3));
    close(await got.data(), Array.from(await want.data()));
    close(await tf.sum(got, 1).data(), [1, 1, 1, 1, 1]);
    tf.dispose([got, want, input]);
    for (const m of models) m.dispose();
  });

  test('bad input', () => {
    expect(() => ensemble([])).toThrow(InputError);
    expect(() => ensemble([a, b], { weights: [1] })).toThrow(/ensemble: weights: expected 2 weights/);
    expect(() => ensemble([a, b], { weights: [0, 0] })).toThrow(/at least one weight > 0/);
    expect(() => ensemble([a, fixed([[1, 0]])]).predict(x)).toThrow(
      /ensemble: models\[1\].predict: expected shape \[2,3\]/,
    );
  });
});
