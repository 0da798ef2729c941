/** Scenario builders on synthetic and real digits, and their bad input. */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { classIncremental, domainIncremental, permutedMnist, splitMnist } from '../src/index.js';

const MNIST = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
beforeAll(() => initBackend({ prefer: ['cpu'] }));

/** Rows [class id, row index] of 6 classes, 3 rows each (train) and 1 (test). */
function labelled(perClass: number) {
  const ys: number[] = [];
  for (let c = 0; c < 6; c++) for (let k = 0; k < perClass; k++) ys.push(c);
  return {
    x: tf.tensor2d(
      ys.map((c, i) => [c, i]),
      [ys.length, 2],
    ),
    y: tf.tensor1d(ys, 'float32'),
  };
}

describe('classIncremental / domainIncremental', () => {
  test('experiences hold their classes; class-IL keeps class ids, task-IL numbers them per task, domain-IL shares outputs', async () => {
    const train = labelled(3);
    const test = labelled(1);
    const before = tf.memory().numTensors;
    const c = await classIncremental(train, test, { classOrder: [4, 5, 0, 1, 2, 3], classesPerExperience: 2 });
    expect(c.train.map((e) => e.classes)).toEqual([
      [4, 5],
      [0, 1],
      [2, 3],
    ]);
    expect([c.kind, c.outputs, c.heads]).toEqual(['class', 6, 1]);
    expect([...(await c.train[0].y.data())]).toEqual([4, 4, 4, 5, 5, 5]);
    expect((await c.train[0].x.array()).map((r) => r[0])).toEqual([4, 4, 4, 5, 5, 5]);
    expect(c.train.map((e) => e.taskId)).toEqual([0, 0, 0]);
    const t = await classIncremental(train, test, { classesPerExperience: 3, task: true });
    expect([t.kind, t.outputs, t.heads]).toEqual(['task', 3, 2]);
    expect(t.train.map((e) => e.taskId)).toEqual([0, 1]);
    expect([...(await t.train[1].y.data())]).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const d = await domainIncremental(train, test, {
      experiences: [
        [1, 0],
        [3, 2],
        [5, 4],
      ],
    });
    expect([d.kind, d.outputs, d.heads]).toEqual(['domain', 2, 1]);
    expect([...(await d.test[2].y.data())]).toEqual([1, 0]);
    const shuffled = await classIncremental(train, test, { seed: 5 });
    expect(shuffled.train.flatMap((e) => e.classes).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const s of [c, t, d, shuffled]) s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([train.x, train.y, test.x, test.y]);
  });

  test('overlapping classes, unknown classes and uneven domain experiences are typed errors', async () => {
    const train = labelled(2);
    const test = labelled(1);
    await expect(
      classIncremental(train, test, {
        experiences: [
          [0, 1],
          [1, 2],
        ],
      }),
    ).rejects.toThrow(
      /classIncremental: experiences: expected experiences with disjoint classes, got class 1 in experiences 0 and 1/,
    );
    await expect(classIncremental(train, test, { experiences: [[0, 9]] })).rejects.toThrow(InputError);
    await expect(
      domainIncremental(train, test, {
        experiences: [
          [0, 1],
          [2, 3, 4],
        ],
      }),
    ).rejects.toThrow(/domainIncremental: experiences/);
    await expect(classIncremental(train, test, { classesPerExperience: 4 })).rejects.toThrow(
      /a divisor of the 6 classes/,
    );
    tf.dispose([train.x, train.y, test.x, test.y]);
  });
});

describe('splitMnist / permutedMnist on real digits', () => {
  test('five experiences of two digits in each scenario; targets per scenario; 80/20 split', async () => {
    const before = tf.memory().numTensors;
    const c = await splitMnist({ dir: MNIST, limit: 500, scenario: 'class' });
    expect(c.train.map((e) => e.classes)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 9],
    ]);
    const n = c.train.reduce((a, e) => a + e.x.shape[0], 0);
    const m = c.test.reduce((a, e) => a + e.x.shape[0], 0);
    expect([n, m]).toEqual([400, 100]);
    expect(c.train[2].x.shape[1]).toBe(784);
    expect(new Set(await c.train[2].y.data())).toEqual(new Set([4, 5]));
    const t = await splitMnist({ dir: MNIST, limit: 500, scenario: 'task' });
    expect(new Set(await t.train[2].y.data())).toEqual(new Set([0, 1]));
    expect([t.heads, t.outputs, t.train[3].taskId]).toEqual([5, 2, 3]);
    const p = await permutedMnist({ dir: MNIST, limit: 200, experiences: 3, seed: 1 });
    // The same digits, each row's pixels permuted by one fixed permutation: sorted rows agree.
    const [a, b] = [await p.train[0].x.array(), await p.train[2].x.array()];
    expect([...a[0]].sort()).toEqual([...b[0]].sort());
    expect(a[0]).not.toEqual(b[0]);
    expect([p.kind, p.outputs, p.heads]).toEqual(['domain', 10, 1]);
    for (const s of [c, t, p]) s.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
