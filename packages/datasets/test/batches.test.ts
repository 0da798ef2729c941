import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batches, toTfDataset } from '../src/index.js';

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
});
