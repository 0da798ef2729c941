import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend, Standardizer, TiefeError } from '@tiefe/core';
import { gunzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetFormatError,
  DatasetMissingError,
  loadFashionMnist,
  loadMnist,
  MNIST,
  readIdx,
  writeIdx,
} from '../src/index.js';
import { FASHION_DIR, MNIST_DIR, tempDir } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('real MNIST test set', () => {
  it('has the published decompressed MD5s (independent check of the shared files)', () => {
    const md5 = (f: string) =>
      createHash('md5')
        .update(gunzipSync(readFileSync(join(MNIST_DIR, f))))
        .digest('hex');
    expect(md5('t10k-images-idx3-ubyte.gz')).toBe('2646ac647ad5339dbf082846283269ea');
    expect(md5('t10k-labels-idx1-ubyte.gz')).toBe('27ae3e4e09519cfbb04c329615203637');
  });

  it('loads 10,000 digits with the known labels and label counts', async () => {
    const before = tf.memory().numTensors;
    const { images, labels, classNames } = await loadMnist({ dir: MNIST_DIR, split: 'test' });
    expect(images.shape).toEqual([10000, 28, 28, 1]);
    expect(images.dtype).toBe('float32');
    expect(labels.shape).toEqual([10000]);
    expect(labels.dtype).toBe('float32');
    expect(classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const l = labels.dataSync();
    expect(Array.from(l.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    const counts = new Array(10).fill(0);
    for (const v of l) counts[v]++;
    // The published class counts of the MNIST test set.
    expect(counts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    // Pixels: [0, 1]; compare with the raw bytes read independently (header 16 bytes).
    const raw = gunzipSync(readFileSync(join(MNIST_DIR, 't10k-images-idx3-ubyte.gz')));
    const px = images.dataSync();
    let maxErr = 0;
    for (let i = 0; i < px.length; i += 997) maxErr = Math.max(maxErr, Math.abs(px[i] - raw[16 + i] / 255));
    expect(maxErr).toBeLessThan(1e-7);
    expect(Math.max(...px.subarray(0, 784))).toBe(1);
    tf.dispose([images, labels]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('scales to [-1, 1], raw, per-channel mean/std and one-hot labels', async () => {
    const before = tf.memory().numTensors;
    const signed = await loadMnist({ dir: MNIST_DIR, split: 'test', scale: 'signed', limit: 5 });
    const raw = await loadMnist({ dir: MNIST_DIR, split: 'test', scale: 'raw', limit: 5, labels: 'onehot' });
    const std = await loadMnist({ dir: MNIST_DIR, split: 'test', scale: { mean: 0.1307, std: 0.3081 }, limit: 5 });
    const r = raw.images.dataSync();
    const s = signed.images.dataSync();
    const z = std.images.dataSync();
    for (let i = 0; i < r.length; i += 37) {
      expect(s[i]).toBeCloseTo(r[i] / 127.5 - 1, 6);
      expect(z[i]).toBeCloseTo((r[i] / 255 - 0.1307) / 0.3081, 5);
    }
    expect(raw.labels.shape).toEqual([5, 10]);
    expect(Array.from(raw.labels.dataSync().subarray(0, 10))).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    tf.dispose([signed.images, signed.labels, raw.images, raw.labels, std.images, std.labels]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('applies a transform() object (a fitted Standardizer) to the [0, 1] pixels', async () => {
    const before = tf.memory().numTensors;
    const shift = { transform: (x: tf.Tensor) => tf.sub(x, 0.5) };
    const a = await loadMnist({ dir: MNIST_DIR, split: 'test', scale: shift, limit: 3 });
    const b = await loadMnist({ dir: MNIST_DIR, split: 'test', limit: 3 });
    const da = a.images.dataSync();
    const db = b.images.dataSync();
    for (let i = 0; i < da.length; i += 11) expect(da[i]).toBeCloseTo(db[i] - 0.5, 6);
    tf.dispose([a.images, a.labels, b.images, b.labels]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("standardises with core's fitted Standardizer (per channel: mean 0, std 1)", async () => {
    const unit = await loadMnist({ dir: MNIST_DIR, split: 'test', limit: 500 });
    const standardizer = await new Standardizer().fit(unit.images);
    const before = tf.memory().numTensors;
    const z = await loadMnist({ dir: MNIST_DIR, split: 'test', limit: 500, scale: standardizer });
    const v = z.images.dataSync();
    let s = 0;
    let s2 = 0;
    for (const x of v) {
      s += x;
      s2 += x * x;
    }
    const mean = s / v.length;
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    expect(Math.sqrt(s2 / v.length - mean * mean)).toBeCloseTo(1, 3);
    tf.dispose([z.images, z.labels]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([unit.images, unit.labels]);
    standardizer.dispose();
  });

  it("fails at once for split 'train' when the folder lacks the train files, naming them and the folder", async () => {
    const t0 = Date.now();
    const err = await loadMnist({ dir: MNIST_DIR, split: 'train' }).catch((e) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(DatasetMissingError);
    expect(err).toBeInstanceOf(TiefeError);
    expect(err.message).toContain('train-images-idx3-ubyte.gz');
    expect(err.message).toContain('train-labels-idx1-ubyte.gz');
    expect(err.message).toContain(MNIST_DIR);
    expect(err.message).toContain(MNIST.files[0].urls[0]);
  });

  it('rejects a bad split name', async () => {
    await expect(loadMnist({ dir: MNIST_DIR, split: 'val' as 'test' })).rejects.toThrow(InputError);
  });
});

describe('Fashion-MNIST sample', () => {
  it('loads the 50 test and 50 train images', async () => {
    const before = tf.memory().numTensors;
    const test = await loadFashionMnist({ dir: FASHION_DIR, split: 'test' });
    const train = await loadFashionMnist({ dir: FASHION_DIR, split: 'train' });
    expect(test.images.shape).toEqual([50, 28, 28, 1]);
    expect(train.images.shape).toEqual([50, 28, 28, 1]);
    expect(Array.from(test.labels.dataSync().subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    expect(test.classNames[9]).toBe('Ankle boot');
    tf.dispose([test.images, test.labels, train.images, train.labels]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('bad MNIST files', () => {
  function fixture(images: Uint8Array, labels: Uint8Array) {
    const t = tempDir();
    writeFileSync(join(t.dir, 't10k-images-idx3-ubyte.gz'), images);
    writeFileSync(join(t.dir, 't10k-labels-idx1-ubyte.gz'), labels);
    return t;
  }
  const img = (n: number) => writeIdx({ data: new Uint8Array(n * 4), shape: [n, 2, 2] }, { gzip: true });
  const lab = (v: number[]) => writeIdx({ data: Uint8Array.from(v), shape: [v.length] }, { gzip: true });

  it('rejects a label/image count mismatch, naming the label file', async () => {
    const t = fixture(img(3), lab([1, 2]));
    try {
      const err = await loadMnist({ dir: t.dir, split: 'test' }).catch((e) => e);
      expect(err).toBeInstanceOf(DatasetFormatError);
      expect(err.message).toMatch(/t10k-labels-idx1-ubyte\.gz at byte 4: expected 3 labels/);
    } finally {
      t.cleanup();
    }
  });

  it('rejects a label out of range', async () => {
    const t = fixture(img(2), lab([1, 12]));
    try {
      await expect(loadMnist({ dir: t.dir, split: 'test' })).rejects.toThrow(
        /at byte 9: expected a label in 0\.\.9, got 12/,
      );
    } finally {
      t.cleanup();
    }
  });

  it('rejects a truncated real file and a swapped (wrong-magic) pair', async () => {
    const t = tempDir();
    try {
      const real = gunzipSync(readFileSync(join(MNIST_DIR, 't10k-images-idx3-ubyte.gz')));
      writeFileSync(join(t.dir, 't10k-images-idx3-ubyte.gz'), real.subarray(0, 5000)); // raw, not gzipped
      copyFileSync(join(MNIST_DIR, 't10k-labels-idx1-ubyte.gz'), join(t.dir, 't10k-labels-idx1-ubyte.gz'));
      await expect(loadMnist({ dir: t.dir, split: 'test' })).rejects.toThrow(
        /t10k-images-idx3-ubyte\.gz at byte 5000: expected 7840016 bytes/,
      );
      // Labels where images belong: a rank-1 file; then a non-IDX file.
      copyFileSync(join(MNIST_DIR, 't10k-labels-idx1-ubyte.gz'), join(t.dir, 't10k-images-idx3-ubyte.gz'));
      await expect(loadMnist({ dir: t.dir, split: 'test' })).rejects.toThrow(/expected ubyte images of rank 3/);
      writeFileSync(join(t.dir, 't10k-images-idx3-ubyte.gz'), new TextEncoder().encode('<html>404</html>'));
      await expect(loadMnist({ dir: t.dir, split: 'test' })).rejects.toThrow(/at byte 0: expected IDX magic/);
    } finally {
      t.cleanup();
    }
  });

  it('reads the uncompressed IDX the same as the gzipped one', () => {
    const gz = readFileSync(join(MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
    const a = readIdx(gz);
    const b = readIdx(gunzipSync(gz));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });
});
