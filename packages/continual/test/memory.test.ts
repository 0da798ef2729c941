/** Replay buffers, A-GEM's projection and iCaRL's prototypes against hand computations. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng, InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  agem,
  classBalancedBuffer,
  classMeans,
  featureModel,
  herding,
  icarl,
  nearestMean,
  projectGradients,
  replay,
  reservoirBuffer,
  type StoredRow,
} from '../src/index.js';
import { tinyBatch, tinyTrainer } from './helpers/tiny.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const row = (id: number, y = 0, taskId = 0): StoredRow => ({ x: Float32Array.of(id), y, taskId });

describe('reservoir buffer', () => {
  test('after n offered rows every row is kept with probability capacity / n (4,000 trials, within 5 sd)', () => {
    const rng = createRng(3);
    const counts = new Array(50).fill(0);
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      const b = reservoirBuffer(10);
      // Offered in two experiences: the first 20 rows, then 30.
      b.add(
        Array.from({ length: 20 }, (_, i) => row(i)),
        rng,
      );
      b.add(
        Array.from({ length: 30 }, (_, i) => row(20 + i)),
        rng,
      );
      expect(b.rows).toHaveLength(10);
      for (const r of b.rows) counts[r.x[0]]++;
    }
    const sd = Math.sqrt((0.2 * 0.8) / trials);
    for (const c of counts) expect(Math.abs(c / trials - 0.2)).toBeLessThan(5 * sd);
  });
});

describe('class-balanced buffer', () => {
  test('each class seen keeps floor(capacity / classes) rows; older classes give rows up; too small a buffer is an error', () => {
    const rng = createRng(1);
    const b = classBalancedBuffer(9);
    b.add(
      [...Array.from({ length: 8 }, (_, i) => row(i, 0)), ...Array.from({ length: 8 }, (_, i) => row(10 + i, 1))],
      rng,
    );
    const per = (rows: StoredRow[]) => {
      const counts: Record<string, number> = {};
      for (const r of rows) counts[`${r.taskId}:${r.y}`] = (counts[`${r.taskId}:${r.y}`] ?? 0) + 1;
      return counts;
    };
    expect(per(b.rows)).toEqual({ '0:0': 4, '0:1': 4 });
    // Task 1 reuses targets 0 and 1: two new classes in a task-incremental stream.
    b.add(
      [
        ...Array.from({ length: 8 }, (_, i) => row(20 + i, 0, 1)),
        ...Array.from({ length: 8 }, (_, i) => row(30 + i, 1, 1)),
      ],
      rng,
    );
    expect(per(b.rows)).toEqual({ '0:0': 2, '0:1': 2, '1:0': 2, '1:1': 2 });
    expect(new Set(b.rows.map((r) => r.x[0])).size).toBe(8);
    // A class that comes back (domain-incremental: same task id and target) mixes old and new rows.
    let old = 0;
    for (let t = 0; t < 500; t++) {
      const again = classBalancedBuffer(4);
      again.add(
        Array.from({ length: 10 }, (_, i) => row(i, 0)),
        rng,
      );
      again.add(
        Array.from({ length: 10 }, (_, i) => row(100 + i, 0)),
        rng,
      );
      old += again.rows.filter((r) => r.x[0] < 100).length;
    }
    // Each of the 20 rows kept with probability 4/20: on average 2 of the 4 from the first offer.
    expect(old / 500).toBeGreaterThan(1.8);
    expect(old / 500).toBeLessThan(2.2);
    const small = classBalancedBuffer(3);
    expect(() => small.add([row(0, 0), row(1, 1), row(2, 2), row(3, 3)], rng)).toThrow(InputError);
    expect(() => small.add([row(0, 0), row(1, 1), row(2, 2), row(3, 3)], rng)).toThrow(
      /classBalancedBuffer: capacity: expected at least one row per class \(4 classes seen\), got 3/,
    );
  });

  test("replay's option picks it, and its batches are the minibatch plus replaySize stored rows", async () => {
    const plugin = replay({ bufferSize: 4, buffer: 'classBalanced', replaySize: 3 });
    const trainer = tinyTrainer([plugin]);
    const data = tinyBatch();
    await plugin.afterTraining?.(data, trainer.ctx);
    const out = (await plugin.adaptBatch?.(data, trainer.ctx)) as typeof data;
    expect(out.x.shape).toEqual([7, 3]);
    expect([...(await out.x.data())].slice(0, 12)).toEqual([...(await data.x.data())]);
    tf.dispose([out.x, out.y, out.taskIds, data.x, data.y, data.taskIds]);
    expect(() => replay({ bufferSize: 0 })).toThrow(/replay: bufferSize/);
    trainer.model.dispose();
  });
});

describe('A-GEM', () => {
  test('projection on hand vectors: g . r < 0 gives g - (g.r / r.r) r; g . r >= 0 leaves g', async () => {
    // g = ([1, 0], [2]), r = ([-1, 1], [0]): g.r = -1, r.r = 2, so g' = g + r / 2 = ([0.5, 0.5], [2]).
    const g = [tf.tensor1d([1, 0]), tf.tensor1d([2])];
    const r = [tf.tensor1d([-1, 1]), tf.tensor1d([0])];
    const p = projectGradients(g, r);
    expect([...(await p[0].data())]).toEqual([0.5, 0.5]);
    expect([...(await p[1].data())]).toEqual([2]);
    // The projected gradient is orthogonal to r.
    const ok = projectGradients(g, [tf.tensor1d([1, 1]), tf.tensor1d([1])]);
    expect([...(await ok[0].data())]).toEqual([1, 0]);
    expect([...(await ok[1].data())]).toEqual([2]);
    tf.dispose([...g, ...r, ...p, ...ok]);
  });

  test('the plugin projects the step with the memory gradient (the result has g . r >= 0)', async () => {
    const plugin = agem({ patternsPerExperience: 4, sampleSize: 4 });
    const trainer = tinyTrainer([plugin]);
    const data = tinyBatch();
    await plugin.afterTraining?.(data, trainer.ctx);
    // A gradient opposite to the memory's own: projection must cancel it completely.
    const ref = trainer.ctx.gradients(data);
    const against = Object.fromEntries(Object.entries(ref).map(([k, v]) => [k, tf.neg(v)]));
    const out = await plugin.adaptGradients?.(against, data, trainer.ctx);
    for (const v of Object.values(out ?? {})) expect(Math.max(...(await v.data()).map(Math.abs))).toBeLessThan(1e-6);
    tf.dispose([
      ...Object.values(ref),
      ...Object.values(against),
      ...Object.values(out ?? {}),
      data.x,
      data.y,
      data.taskIds,
    ]);
    trainer.model.dispose();
  });
});

describe('iCaRL', () => {
  test('class means are the normalised means of normalised features; nearest mean picks the closest prototype', async () => {
    // A trunk of fixed weights: features = relu(x W1), W1 = identity on 2 inputs.
    const input = tfl.input({ shape: [2] });
    const h = tfl.layers
      .dense({ units: 2, activation: 'relu', useBias: false, kernelInitializer: 'identity' })
      .apply(input) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2 }).apply(h) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const features = featureModel(model);
    const rows: StoredRow[] = [
      { x: Float32Array.of(3, 4), y: 0, taskId: 0 }, // normalised (0.6, 0.8)
      { x: Float32Array.of(1, 0), y: 0, taskId: 0 }, // (1, 0)
      { x: Float32Array.of(-1, 2), y: 1, taskId: 0 }, // relu -> (0, 2) -> (0, 1)
    ];
    const means = await classMeans(features, rows);
    const m0 = [0.8, 0.4].map((v) => v / Math.hypot(0.8, 0.4));
    expect(means.get('0:0')?.[0]).toBeCloseTo(m0[0], 6);
    expect(means.get('0:0')?.[1]).toBeCloseTo(m0[1], 6);
    expect(means.get('0:1')).toEqual([0, 1]);
    const pred = nearestMean(
      [
        [5, 1],
        [0.1, 3],
      ],
      [0, 0],
      means,
      false,
    );
    expect([...(await pred.data())]).toEqual([0, 1]);
    pred.dispose();
    model.dispose();
  });

  test('herding picks, one by one, the row that keeps the running mean closest to the class mean', () => {
    // Class mean (1, 1.05). Pick 1: (1, 1) (distance 0.05). Pick 2: (1, 1.2) makes the mean (1, 1.1), 0.05 away;
    // (0, 2) would give (0.5, 1.5). Pick 3: (2, 0) gives (1.33, 0.73), 0.46 away; (0, 2) gives (0.67, 1.4), 0.48.
    const f = [
      [0, 2],
      [2, 0],
      [1, 1],
      [1, 1.2],
    ];
    expect(herding(f, 3)).toEqual([2, 3, 1]);
    expect(herding(f, 10)).toEqual([2, 3, 1, 0]);
  });

  test('a memory smaller than the classes seen is a typed error', async () => {
    const plugin = icarl({ memorySize: 1 });
    const trainer = tinyTrainer([plugin]);
    const data = tinyBatch();
    await expect(Promise.resolve(plugin.afterTraining?.(data, trainer.ctx))).rejects.toThrow(
      /icarl: memorySize: expected at least one exemplar per class \(2 classes seen\)/,
    );
    tf.dispose([data.x, data.y, data.taskIds]);
    trainer.model.dispose();
  });
});
