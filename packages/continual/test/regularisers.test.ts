/** EWC, SI, MAS and LwF against hand computations on a softmax regression with fixed weights. */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { distillationLoss, ewc, fisherDiagonal, lwf, mas, masImportance, si } from '../src/index.js';
import {
  B0,
  ceGrad,
  flat,
  logits,
  softmax,
  tinyBatch,
  tinyExperience,
  tinyTrainer,
  W0,
  weightsOf,
  X,
  Y,
} from './helpers/tiny.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const close = (a: number[], b: number[], digits = 5) => {
  expect(a.length).toBe(b.length);
  for (const [i, v] of a.entries()) expect(v).toBeCloseTo(b[i], digits);
};

/** Moves the model's weights by `delta` (flat, in variable order). */
function shift(trainer: ReturnType<typeof tinyTrainer>, base: number[], delta: number[]) {
  const v = base.map((x, i) => x + delta[i]);
  const ws = [tf.tensor2d(v.slice(0, 6), [3, 2]), tf.tensor1d(v.slice(6))];
  trainer.model.setWeights(ws);
  tf.dispose(ws);
}
const DELTA = [0.3, -0.2, 0.1, 0.5, -0.4, 0.25, 0.15, -0.35];

describe('EWC', () => {
  test('empirical Fisher = mean of squared per-row gradients of -log p(y|x), computed by hand', async () => {
    const trainer = tinyTrainer([]);
    const data = tinyBatch();
    const f = await fisherDiagonal(trainer.ctx, data, { samples: 100 });
    const hand = new Array(8).fill(0);
    X.forEach((x, r) => {
      const g = ceGrad(W0, B0, x, Y[r]);
      flat(g.dw, g.db).forEach((v, k) => {
        hand[k] += (v * v) / X.length;
      });
    });
    close([...(await f[0].data()), ...(await f[1].data())], hand, 6);
    tf.dispose([...f, data.x, data.y, data.taskIds]);
  });

  test("'true' Fisher draws labels from the model: on a model sure of class 1 it equals the empirical Fisher with y = 1", async () => {
    const trainer = tinyTrainer([]);
    const ws = [tf.zeros([3, 2]), tf.tensor1d([-30, 30])];
    trainer.model.setWeights(ws);
    tf.dispose(ws);
    const data = tinyBatch(X, [1, 1, 1, 1]);
    const t = await fisherDiagonal(trainer.ctx, { ...data, y: tf.tensor1d([0, 0, 0, 0]) }, { fisher: 'true' });
    const e = await fisherDiagonal(trainer.ctx, data, { fisher: 'empirical' });
    close([...(await t[1].data())], [...(await e[1].data())], 12);
    tf.dispose([...t, ...e, data.x, data.y, data.taskIds]);
  });

  test('penalty = lambda / 2 * sum F (theta - theta*)^2 after an experience; online mode merges gamma * F_old + F_new', async () => {
    for (const mode of ['separate', 'online'] as const) {
      const plugin = ewc({ lambda: 7, mode, gamma: 0.5 });
      const trainer = tinyTrainer([plugin]);
      const data = tinyBatch();
      const before = tf.memory().numTensors;
      await plugin.afterTraining?.(data, trainer.ctx);
      const theta = await weightsOf(trainer.model);
      const F = new Array(8).fill(0);
      X.forEach((x, r) => {
        const g = ceGrad(W0, B0, x, Y[r]);
        flat(g.dw, g.db).forEach((v, k) => {
          F[k] += (v * v) / X.length;
        });
      });
      shift(trainer, theta, DELTA);
      const p = plugin.penalty?.(data, trainer.ctx) as tf.Scalar;
      const hand = (7 / 2) * F.reduce((s, fk, k) => s + fk * DELTA[k] ** 2, 0);
      expect((await p.data())[0]).toBeCloseTo(hand, 6);
      p.dispose();
      // A second consolidation at the same weights (theta* = theta + delta, the same Fisher at the new weights):
      await plugin.afterTraining?.(data, trainer.ctx);
      const theta2 = await weightsOf(trainer.model);
      const [w2, b2] = [[theta2.slice(0, 2), theta2.slice(2, 4), theta2.slice(4, 6)], theta2.slice(6)];
      const F2 = new Array(8).fill(0);
      X.forEach((x, r) => {
        const g = ceGrad(w2, b2, x, Y[r]);
        flat(g.dw, g.db).forEach((v, k) => {
          F2[k] += (v * v) / X.length;
        });
      });
      shift(trainer, theta, [0, 0, 0, 0, 0, 0, 0, 0]); // back to the first anchor
      const p2 = plugin.penalty?.(data, trainer.ctx) as tf.Scalar;
      const hand2 =
        mode === 'separate'
          ? (7 / 2) * F2.reduce((s, fk, k) => s + fk * DELTA[k] ** 2, 0) // first anchor: 0 distance; second: delta
          : (7 / 2) * F.reduce((s, fk, k) => s + (0.5 * fk + F2[k]) * DELTA[k] ** 2, 0);
      expect((await p2.data())[0]).toBeCloseTo(hand2, 6);
      p2.dispose();
      plugin.dispose?.();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([data.x, data.y, data.taskIds]);
      trainer.model.dispose();
    }
  });
});

describe('SI', () => {
  test('omega = sum over steps of g * (-delta) / (Delta^2 + xi), by hand for two SGD steps; penalty c * sum omega (theta - theta*)^2', async () => {
    const plugin = si({ lambda: 3, xi: 0.1 });
    const trainer = tinyTrainer([plugin], { learningRate: 0.5, epochs: 2 });
    const exp = tinyExperience();
    await trainer.train(exp); // batch 4 = all rows: one full-batch SGD step per epoch, no penalty yet
    // Two full-batch gradient steps by hand.
    let w = W0.map((r) => [...r]);
    let b = [...B0];
    const start = flat(w, b);
    const contrib = new Array(8).fill(0);
    for (let step = 0; step < 2; step++) {
      const g = new Array(8).fill(0);
      X.forEach((x, r) => {
        const gr = ceGrad(w, b, x, Y[r]);
        flat(gr.dw, gr.db).forEach((v, k) => {
          g[k] += v / X.length;
        });
      });
      const next = flat(w, b).map((v, k) => v - 0.5 * g[k]);
      next.forEach((v, k) => {
        contrib[k] -= g[k] * (v - flat(w, b)[k]);
      });
      w = [next.slice(0, 2), next.slice(2, 4), next.slice(4, 6)];
      b = next.slice(6);
    }
    const end = flat(w, b);
    close(await weightsOf(trainer.model), end, 5);
    const omega = contrib.map((c, k) => c / ((end[k] - start[k]) ** 2 + 0.1));
    shift(trainer, end, DELTA);
    const data = tinyBatch();
    const p = plugin.penalty?.(data, trainer.ctx) as tf.Scalar;
    expect((await p.data())[0]).toBeCloseTo(3 * omega.reduce((s, o, k) => s + o * DELTA[k] ** 2, 0), 5);
    tf.dispose([p, data.x, data.y, data.taskIds, exp.x, exp.y]);
    trainer.dispose();
    trainer.model.dispose();
  });
});

describe('MAS', () => {
  test('importance = mean |d ||xW + b||^2 / d theta| = mean |2 x z^T|, |2 z| by hand; penalty lambda * sum Omega (theta - theta*)^2', async () => {
    const trainer = tinyTrainer([]);
    const data = tinyBatch();
    const imp = masImportance(trainer.ctx, data);
    const hand = new Array(8).fill(0);
    for (const x of X) {
      const z = logits(W0, B0, x);
      flat(
        x.map((xi) => z.map((zj) => 2 * xi * zj)),
        z.map((zj) => 2 * zj),
      ).forEach((v, k) => {
        hand[k] += Math.abs(v) / X.length;
      });
    }
    close([...(await imp[0].data()), ...(await imp[1].data())], hand, 6);
    tf.dispose(imp);
    const plugin = mas({ lambda: 2, alpha: 0.5 });
    await plugin.afterTraining?.(data, trainer.ctx);
    const theta = await weightsOf(trainer.model);
    shift(trainer, theta, DELTA);
    const p = plugin.penalty?.(data, trainer.ctx) as tf.Scalar;
    expect((await p.data())[0]).toBeCloseTo(2 * hand.reduce((s, o, k) => s + o * DELTA[k] ** 2, 0), 5);
    tf.dispose([p, data.x, data.y, data.taskIds]);
    plugin.dispose?.();
    trainer.model.dispose();
  });
});

describe('LwF', () => {
  test('distillation loss = mean over rows of KL(softmax(old/T) || softmax(new/T)) on the chosen units, by hand', async () => {
    const a = [
      [1, 2, 0.5],
      [-1, 0, 3],
    ];
    const b = [
      [0.5, 1.5, 2],
      [2, -1, 0],
    ];
    const T = 2;
    const kl = (units: number[]) =>
      a.reduce((s, row, r) => {
        const p = softmax(units.map((u) => row[u] / T));
        const q = softmax(units.map((u) => b[r][u] / T));
        return s + q.reduce((t, qi, i) => t + qi * Math.log(qi / p[i]), 0) / a.length;
      }, 0);
    const all = distillationLoss(tf.tensor2d(a), tf.tensor2d(b), T);
    const two = distillationLoss(tf.tensor2d(a), tf.tensor2d(b), T, [0, 2]);
    expect((await all.data())[0]).toBeCloseTo(kl([0, 1, 2]), 6);
    expect((await two.data())[0]).toBeCloseTo(kl([0, 2]), 6);
    tf.dispose([all, two]);
  });

  test('the plugin distils towards the model as it was before the experience, on the targets seen (0 before any change)', async () => {
    const plugin = lwf({ alpha: 1.5, temperature: 2 });
    const trainer = tinyTrainer([plugin]);
    const exp = tinyExperience();
    await trainer.train(exp); // experience 0: no distillation
    const theta = await weightsOf(trainer.model);
    await plugin.beforeTraining?.(trainer.ctx); // now a frozen copy is taken
    const data = tinyBatch();
    const same = plugin.penalty?.(data, trainer.ctx) as tf.Scalar;
    expect((await same.data())[0]).toBeCloseTo(0, 7);
    shift(trainer, theta, DELTA);
    const p = plugin.penalty?.(data, trainer.ctx) as tf.Scalar;
    const w2 = [theta.slice(0, 2), theta.slice(2, 4), theta.slice(4, 6)];
    const moved = theta.map((v, k) => v + DELTA[k]);
    const w3 = [moved.slice(0, 2), moved.slice(2, 4), moved.slice(4, 6)];
    const hand =
      X.reduce((s, x) => {
        const q = softmax(logits(w2, theta.slice(6), x).map((v) => v / 2));
        const pn = softmax(logits(w3, moved.slice(6), x).map((v) => v / 2));
        return s + q.reduce((t, qi, i) => t + qi * Math.log(qi / pn[i]), 0);
      }, 0) / X.length;
    expect((await p.data())[0]).toBeCloseTo(1.5 * hand, 5);
    tf.dispose([same, p, data.x, data.y, data.taskIds, exp.x, exp.y]);
    plugin.dispose?.();
    trainer.model.dispose();
  });
});
