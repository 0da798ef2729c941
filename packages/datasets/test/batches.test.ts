import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentImages, batches, toTfDataset } from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('batches', () => {
  it('yields ordered slices, then a shuffled pass covering every row once', () => {
    const x = tf.tensor2d(
      Float32Array.from({ length: 20 }, (_, i) => i),
      [10, 2],
    );
    const y = tf.tensor1d(
      Int32Array.from({ length: 10 }, (_, i) => i),
      'int32',
    );
    const before = tf.memory().numTensors;
    const sizes: number[] = [];
    const firstCol: number[] = [];
    for (const b of batches({ x, y }, { batchSize: 4 })) {
      sizes.push(b.x.shape[0]);
      firstCol.push(...Array.from(b.y.dataSync()));
      tf.dispose([b.x, b.y]);
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect(firstCol).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const seen: number[] = [];
    for (const b of batches({ x, y }, { batchSize: 3, shuffle: true, seed: 1, dropRemainder: true })) {
      const xs = b.x.dataSync();
      const ys = b.y.dataSync();
      for (let i = 0; i < ys.length; i++) expect(xs[2 * i]).toBe(2 * ys[i]); // rows stay paired
      seen.push(...Array.from(ys));
      tf.dispose([b.x, b.y]);
    }
    expect(seen.length).toBe(9);
    expect(new Set(seen).size).toBe(9);
    expect(seen).not.toEqual([...seen].sort((a, b) => a - b));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('toTfDataset feeds model.fitDataset and reshuffles per epoch', async () => {
    const n = 64;
    const xs = tf.randomUniform([n, 3], -1, 1, 'float32', 1);
    const ys = tf.tidy(() => tf.sum(xs, 1, true));
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [3] })] });
    model.compile({ optimizer: tf.train.sgd(0.2), loss: 'meanSquaredError' });
    const before = tf.memory().numTensors;
    const ds = toTfDataset(xs, ys, { batchSize: 16, shuffle: true, seed: 3 });
    expect(ds.size).toBe(4);
    const hist = await model.fitDataset(ds, { epochs: 30, verbose: 0 });
    const loss = hist.history.loss as number[];
    expect(loss[29]).toBeLessThan(loss[0] / 10);
    expect(tf.memory().numTensors).toBe(before);
    // Two passes give different orders.
    const orders: number[][] = [];
    for (let p = 0; p < 2; p++) {
      const it = await ds.iterator();
      const r = await it.next();
      orders.push(Array.from((r.value as { xs: tf.Tensor }).xs.dataSync()));
      tf.dispose(r.value as { xs: tf.Tensor; ys: tf.Tensor });
      for (let q = await it.next(); !q.done; q = await it.next())
        tf.dispose(q.value as { xs: tf.Tensor; ys: tf.Tensor });
    }
    expect(orders[0]).not.toEqual(orders[1]);
    model.dispose();
    tf.dispose([xs, ys]);
  });

  it('toTfDataset augments each batch (seeded by epoch and batch) and leaks nothing in fitDataset', async () => {
    const xs = tf.randomUniform([32, 8, 8, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const ys = tf.oneHot(
      tf.tensor1d(
        Int32Array.from({ length: 32 }, (_, i) => i % 2),
        'int32',
      ),
      2,
    );
    const model = tfl.sequential({
      layers: [tfl.layers.flatten({ inputShape: [8, 8, 1] }), tfl.layers.dense({ units: 2, activation: 'softmax' })],
    });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const calls: string[] = [];
    const ds = toTfDataset(xs, ys, {
      batchSize: 8,
      augment: (x, epoch, b) => {
        calls.push(`${epoch}:${b}`);
        return augmentImages(x, { seed: epoch * 1000 + b, flipHorizontal: true, noiseStd: 0.01 });
      },
    });
    const before = tf.memory().numTensors;
    await model.fitDataset(ds, { epochs: 2, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    // fitDataset opens one iterator up front and one per epoch: two passes of four batches ran.
    expect(calls.map((c) => c.split(':')[1])).toEqual(['0', '1', '2', '3', '0', '1', '2', '3']);
    expect(calls[0].split(':')[0]).not.toBe(calls[4].split(':')[0]);
    // The batches differ from the raw rows (augmented), but keep their shape.
    const it = await ds.iterator();
    const first = (await it.next()).value as { xs: tf.Tensor; ys: tf.Tensor };
    const raw = tf.slice(xs, 0, 8);
    expect(first.xs.shape).toEqual([8, 8, 8, 1]);
    expect(Array.from(first.xs.dataSync())).not.toEqual(Array.from(raw.dataSync()));
    tf.dispose([first.xs, first.ys, raw]);
    model.dispose();
    tf.dispose([xs, ys]);
  });
});
