import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CIFAR10_CLASSES,
  CIFAR100_COARSE_CLASSES,
  DatasetFormatError,
  DatasetMissingError,
  extractTar,
  gzip,
  loadCifar10,
  loadCifar100,
  parseCifar,
  readTar,
} from '../src/index.js';
import { tempDir, writeTar } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

/** One CIFAR record in the official layout, pixel (c, y, x) = (label * 7 + c * 50 + y * 3 + x) mod 256. */
function record(labels: number[], seedValue: number): Uint8Array {
  const r = new Uint8Array(labels.length + 3072);
  r.set(labels);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++)
        r[labels.length + c * 1024 + y * 32 + x] = (seedValue * 7 + c * 50 + y * 3 + x) % 256;
  return r;
}
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
/** CIFAR-10 batch file with labels `labels` (record i uses seed labels[i] + i). */
const batch10 = (labels: number[]) => concat(labels.map((l, i) => record([l], l + i)));

describe('parseCifar', () => {
  it('converts planar RGB to HWC and reads labels (CIFAR-10)', () => {
    const rec = parseCifar([{ name: 'b', bytes: batch10([3, 9]) }], 10);
    expect(rec.count).toBe(2);
    expect(Array.from(rec.labels)).toEqual([3, 9]);
    // Independent: pixel (y, x, c) of record 1 = ((9 + 1) * 7 + c * 50 + y * 3 + x) % 256
    for (const [y, x, c] of [
      [0, 0, 0],
      [5, 7, 2],
      [31, 31, 1],
    ]) {
      expect(rec.pixels[3072 + (y * 32 + x) * 3 + c]).toBe((10 * 7 + c * 50 + y * 3 + x) % 256);
    }
  });

  it('reads coarse and fine labels (CIFAR-100)', () => {
    const rec = parseCifar([{ name: 'b', bytes: concat([record([4, 72], 1), record([19, 99], 2)]) }], 100);
    expect(Array.from(rec.coarseLabels!)).toEqual([4, 19]);
    expect(Array.from(rec.labels)).toEqual([72, 99]);
    expect(rec.pixels[0]).toBe(7);
  });

  it('rejects partial records and out-of-range labels with the offset', () => {
    const bytes = batch10([1, 2]);
    expect(() => parseCifar([{ name: 'cut.bin', bytes: bytes.subarray(0, 5000) }], 10)).toThrow(
      /cut\.bin at byte 3073: expected whole 3073-byte CIFAR-10 records, got 5000 bytes/,
    );
    const bad = bytes.slice();
    bad[3073] = 10;
    expect(() => parseCifar([{ name: 'bad.bin', bytes: bad }], 10)).toThrow(
      /bad\.bin at byte 3073: expected a label in 0\.\.9, got 10/,
    );
  });
});

describe('loadCifar10 / loadCifar100 on official-layout fixtures', () => {
  it('reads the extracted folder and the .tar.gz archive identically', async () => {
    const t = tempDir();
    try {
      const files: Record<string, Uint8Array> = {};
      for (let b = 1; b <= 5; b++) files[`data_batch_${b}.bin`] = batch10([b, (b + 3) % 10]);
      files['test_batch.bin'] = batch10([0, 1, 2]);
      const folder = join(t.dir, 'extracted', 'cifar-10-batches-bin');
      mkdirSync(folder, { recursive: true });
      for (const [n, b] of Object.entries(files)) writeFileSync(join(folder, n), b);
      const tar = writeTar([
        { path: 'cifar-10-batches-bin/', type: '5' },
        ...Object.entries(files).map(([n, b]) => ({ path: `cifar-10-batches-bin/${n}`, bytes: b })),
      ]);
      mkdirSync(join(t.dir, 'archive'));
      writeFileSync(join(t.dir, 'archive', 'cifar-10-binary.tar.gz'), gzip(tar));

      const before = tf.memory().numTensors;
      const a = await loadCifar10({ dir: join(t.dir, 'extracted'), split: 'train' });
      const b = await loadCifar10({ dir: join(t.dir, 'archive'), split: 'train' });
      const test = await loadCifar10({ dir: join(t.dir, 'archive'), split: 'test', scale: 'raw', labels: 'onehot' });
      expect(a.images.shape).toEqual([10, 32, 32, 3]);
      expect(Array.from(a.labels.dataSync())).toEqual([1, 4, 2, 5, 3, 6, 4, 7, 5, 8]);
      expect(Array.from(b.images.dataSync())).toEqual(Array.from(a.images.dataSync()));
      expect(a.classNames).toEqual(CIFAR10_CLASSES);
      expect(test.labels.shape).toEqual([3, 10]);
      // raw pixel (y=2, x=3, c=1) of test record 2: ((2 + 2) * 7 + 50 + 6 + 3) % 256 = 87
      expect(test.images.dataSync()[2 * 3072 + (2 * 32 + 3) * 3 + 1]).toBe(87);
      expect(a.images.dataSync()[(2 * 32 + 3) * 3 + 1]).toBeCloseTo((1 * 7 + 50 + 9) / 255, 6);
      tf.dispose([a.images, a.labels, b.images, b.labels, test.images, test.labels]);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      t.cleanup();
    }
  });

  it('CIFAR-100 fine and coarse labels', async () => {
    const t = tempDir();
    try {
      const folder = join(t.dir, 'cifar-100-binary');
      mkdirSync(folder);
      writeFileSync(join(folder, 'test.bin'), concat([record([3, 40], 0), record([11, 5], 1)]));
      const fine = await loadCifar100({ dir: t.dir, split: 'test' });
      const coarse = await loadCifar100({ dir: t.dir, split: 'test', labelMode: 'coarse' });
      expect(Array.from(fine.labels.dataSync())).toEqual([40, 5]);
      expect(fine.classNames.length).toBe(100);
      expect(fine.classNames[40]).toBe('lamp');
      expect(Array.from(coarse.labels.dataSync())).toEqual([3, 11]);
      expect(coarse.classNames).toEqual(CIFAR100_COARSE_CLASSES);
      tf.dispose([fine.images, fine.labels, coarse.images, coarse.labels]);
    } finally {
      t.cleanup();
    }
  });

  it('reads the archive from the cache folder when no dir is given', async () => {
    const t = tempDir();
    try {
      mkdirSync(join(t.dir, 'cifar-10'));
      const tar = writeTar([{ path: 'cifar-10-batches-bin/test_batch.bin', bytes: batch10([6, 2]) }]);
      writeFileSync(join(t.dir, 'cifar-10', 'cifar-10-binary.tar.gz'), gzip(tar));
      const d = await loadCifar10({ cacheDir: t.dir, split: 'test' });
      expect(Array.from(d.labels.dataSync())).toEqual([6, 2]);
      tf.dispose([d.images, d.labels]);
      const err = await loadCifar100({ cacheDir: t.dir }).catch((e) => e);
      expect(err).toBeInstanceOf(DatasetMissingError);
      expect(err.message).toContain(join(t.dir, 'cifar-100'));
    } finally {
      t.cleanup();
    }
  });

  it('fails at once when neither files nor archive are there', async () => {
    const t = tempDir();
    try {
      const err = await loadCifar10({ dir: t.dir }).catch((e) => e);
      expect(err).toBeInstanceOf(DatasetMissingError);
      expect(err.message).toContain('cifar-10-binary.tar.gz');
      expect(err.message).toContain(t.dir);
    } finally {
      t.cleanup();
    }
  });
});

describe('tar safety', () => {
  const one = new Uint8Array([1, 2, 3]);
  it('reads files and directories', () => {
    const entries = readTar(
      writeTar([
        { path: 'a/', type: '5' },
        { path: 'a/./b.bin', bytes: one },
      ]),
    );
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ['a', 'directory'],
      ['a/b.bin', 'file'],
    ]);
    expect(Array.from(entries[1].bytes)).toEqual([1, 2, 3]);
  });
  it('refuses paths that leave the target, links, and oversized members', () => {
    expect(() => readTar(writeTar([{ path: '../evil', bytes: one }]))).toThrow(/expected a member path without \.\./);
    expect(() => readTar(writeTar([{ path: 'a/../../evil', bytes: one }]))).toThrow(DatasetFormatError);
    expect(() => readTar(writeTar([{ path: '/etc/passwd', bytes: one }]))).toThrow(/expected a relative member path/);
    expect(() => readTar(writeTar([{ path: 'l', type: '2', link: '/etc/passwd' }]))).toThrow(
      /symbolic link 'l' -> '\/etc\/passwd'/,
    );
    expect(() => readTar(writeTar([{ path: 'h', type: '1', link: 'x' }]))).toThrow(/hard link/);
    expect(() => readTar(writeTar([{ path: 'big', bytes: new Uint8Array(2000) }]), { maxMemberBytes: 1000 })).toThrow(
      /at byte 124: expected members of at most 1000 bytes, got 2000 bytes/,
    );
  });
  it('rejects a bad checksum and a truncated member', () => {
    const tar = writeTar([{ path: 'f', bytes: new Uint8Array(600) }]);
    const bad = tar.slice();
    bad[0] = 'g'.charCodeAt(0);
    expect(() => readTar(bad, { name: 't.tar' })).toThrow(/t\.tar at byte 148: expected header checksum/);
    expect(() => readTar(tar.subarray(0, 700), { name: 't.tar' })).toThrow(/truncated/);
  });
  it('extracts into the target folder only', async () => {
    const t = tempDir();
    try {
      const written = await extractTar(writeTar([{ path: 'x/y.bin', bytes: one }]), t.dir);
      expect(written).toEqual([join(t.dir, 'x', 'y.bin')]);
      expect(Array.from(readFileSync(join(t.dir, 'x', 'y.bin')))).toEqual([1, 2, 3]);
      await expect(
        extractTar(
          writeTar([
            { path: 'ok', bytes: one },
            { path: '../escape', bytes: one },
          ]),
          join(t.dir, 'sub'),
        ),
      ).rejects.toThrow(DatasetFormatError);
      expect(existsSync(join(t.dir, 'escape'))).toBe(false);
    } finally {
      t.cleanup();
    }
  });
});
