import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CITYSCAPES_CATEGORIES,
  CITYSCAPES_TRAIN_CLASSES,
  DatasetMissingError,
  loadCityscapes,
  mapCityscapesLabels,
  randomCropImageAndMask,
  resizeImageAndMask,
} from '../src/index.js';
import { png, tempDir } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

// Independent reference: the trainIds of cityscapesScripts labels.py for labelIds 0..33.
const TRAIN_ID = [
  255, 255, 255, 255, 255, 255, 255, 0, 1, 255, 255, 2, 3, 4, 255, 255, 255, 5, 255, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  255, 255, 16, 17, 18,
];
const CAT_ID = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7];

describe('Cityscapes label mapping', () => {
  it('matches the official labelId -> trainId and category tables', () => {
    const ids = Uint8Array.from({ length: 34 }, (_, i) => i);
    expect(Array.from(mapCityscapesLabels(ids, 'trainId'))).toEqual(TRAIN_ID);
    expect(Array.from(mapCityscapesLabels(ids, 'category'))).toEqual(CAT_ID);
    expect(Array.from(mapCityscapesLabels(Uint8Array.from([34, 200]), 'trainId'))).toEqual([255, 255]);
    expect(CITYSCAPES_TRAIN_CLASSES.length).toBe(19);
    expect(CITYSCAPES_TRAIN_CLASSES[0]).toBe('road');
    expect(CITYSCAPES_TRAIN_CLASSES[18]).toBe('bicycle');
    expect(CITYSCAPES_CATEGORIES.length).toBe(8);
  });
});

describe('loadCityscapes on an official-layout fixture', () => {
  const W = 12;
  const H = 8;
  const labelAt = (x: number, y: number, k: number) => (x + 3 * y + 5 * k) % 34;
  function makeRoot() {
    const t = tempDir();
    for (const [city, k] of [
      ['aachen', 0],
      ['bochum', 1],
    ] as const) {
      for (const frame of ['000000_000019', '000001_000019']) {
        const kk = k * 2 + (frame.startsWith('000001') ? 1 : 0);
        const imgDir = join(t.dir, 'leftImg8bit', 'train', city);
        const gtDir = join(t.dir, 'gtFine', 'train', city);
        mkdirSync(imgDir, { recursive: true });
        mkdirSync(gtDir, { recursive: true });
        // Red channel = 7 * labelId, so image/mask alignment can be checked after cropping.
        writeFileSync(
          join(imgDir, `${city}_${frame}_leftImg8bit.png`),
          png(W, H, (x, y, c) => (c === 0 ? 7 * labelAt(x, y, kk) : 50 + c)),
        );
        writeFileSync(
          join(gtDir, `${city}_${frame}_gtFine_labelIds.png`),
          png(W, H, (x, y) => labelAt(x, y, kk)),
        );
        writeFileSync(
          join(gtDir, `${city}_${frame}_gtFine_color.png`),
          png(W, H, () => 0),
        );
      }
    }
    return t;
  }

  it('reads images and trainId masks in city/file order', async () => {
    const t = makeRoot();
    try {
      const before = tf.memory().numTensors;
      const d = await loadCityscapes({ dir: t.dir, split: 'train', scale: 'raw' });
      expect(d.images.shape).toEqual([4, H, W, 3]);
      expect(d.masks.shape).toEqual([4, H, W]);
      expect(d.masks.dtype).toBe('int32');
      expect(d.files.map((f) => f.image.split('/').pop())).toEqual([
        'aachen_000000_000019_leftImg8bit.png',
        'aachen_000001_000019_leftImg8bit.png',
        'bochum_000000_000019_leftImg8bit.png',
        'bochum_000001_000019_leftImg8bit.png',
      ]);
      const m = d.masks.dataSync();
      for (const [k, y, x] of [
        [0, 0, 0],
        [1, 3, 7],
        [3, 7, 11],
        [2, 5, 2],
      ])
        expect(m[(k * H + y) * W + x]).toBe(TRAIN_ID[labelAt(x, y, k)]);
      expect(d.classNames).toEqual([...CITYSCAPES_TRAIN_CLASSES]);
      const cats = await loadCityscapes({ dir: t.dir, labels: 'category', cities: ['bochum'], limit: 1 });
      expect(cats.masks.shape).toEqual([1, H, W]);
      expect(cats.masks.dataSync()[2 * W + 4]).toBe(CAT_ID[labelAt(4, 2, 2)]);
      tf.dispose([d.images, d.masks, cats.images, cats.masks]);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      t.cleanup();
    }
  });

  it('crops image and mask together and resizes masks with nearest neighbour', async () => {
    const t = makeRoot();
    try {
      const d = await loadCityscapes({ dir: t.dir, labels: 'labelId', crop: [5, 6], seed: 3, scale: 'raw' });
      expect(d.images.shape).toEqual([4, 5, 6, 3]);
      const im = d.images.dataSync();
      const mk = d.masks.dataSync();
      for (let p = 0; p < mk.length; p++) expect(im[3 * p]).toBe(7 * mk[p]);
      const r = await loadCityscapes({ dir: t.dir, size: [4, 6] });
      expect(r.images.shape).toEqual([4, 4, 6, 3]);
      const valid = new Set(TRAIN_ID);
      for (const v of r.masks.dataSync()) expect(valid.has(v)).toBe(true);
      tf.dispose([d.images, d.masks, r.images, r.masks]);
    } finally {
      t.cleanup();
    }
  });

  it('names a missing mask file', async () => {
    const t = makeRoot();
    try {
      const img = join(t.dir, 'leftImg8bit', 'train', 'aachen', 'aachen_000002_000019_leftImg8bit.png');
      writeFileSync(
        img,
        png(W, H, () => 0),
      );
      const err = await loadCityscapes({ dir: t.dir }).catch((e) => e);
      expect(err).toBeInstanceOf(DatasetMissingError);
      expect(err.message).toContain('gtFine/train/aachen/aachen_000002_000019_gtFine_labelIds.png');
    } finally {
      t.cleanup();
    }
  });
});

describe('joint resize and crop helpers', () => {
  it('resize keeps masks integral and crops align', () => {
    const images = tf.tensor4d(
      Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => i % 16),
      [2, 4, 4, 1],
    );
    const masks = tf.tensor3d(
      Int32Array.from({ length: 2 * 4 * 4 }, (_, i) => i % 16),
      [2, 4, 4],
      'int32',
    );
    const before = tf.memory().numTensors;
    const r = resizeImageAndMask(images, masks, [2, 2]);
    expect(r.masks.dtype).toBe('int32');
    expect(Array.from(r.masks.dataSync().subarray(0, 4))).toEqual([5, 7, 13, 15]); // nearest, half-pixel centres
    const c = randomCropImageAndMask(images, masks, [2, 3], 5);
    expect(Array.from(c.images.dataSync())).toEqual(Array.from(c.masks.dataSync()));
    tf.dispose([r.images, r.masks, c.images, c.masks]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([images, masks]);
  });
});
