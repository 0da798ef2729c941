import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetFormatError, decodeImage, loadImageFolder } from '../src/index.js';
import { png, tempDir } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

function jpg(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  return new Uint8Array(jpeg.encode({ width, height, data }, 100).data);
}

describe('decodeImage', () => {
  it('decodes PNG exactly and JPEG closely', async () => {
    const a = await decodeImage(png(5, 3, (x, y, c) => x * 40 + y * 7 + c));
    expect([a.width, a.height]).toEqual([5, 3]);
    expect(Array.from(a.data.subarray((1 * 5 + 2) * 4, (1 * 5 + 2) * 4 + 4))).toEqual([87, 88, 89, 255]);
    const b = await decodeImage(jpg(8, 8, [200, 40, 90]));
    for (const [i, v] of [200, 40, 90].entries()) expect(Math.abs(b.data[4 * 27 + i] - v)).toBeLessThanOrEqual(3);
  });

  it('rejects non-images and corrupt PNGs, naming the file', async () => {
    await expect(decodeImage(new TextEncoder().encode('GIF89a....'), 'x.gif')).rejects.toThrow(
      /x\.gif at byte 0: expected a PNG .* or JPEG .* signature, got 47 49 46 38/,
    );
    const bad = png(4, 4, () => 1);
    bad.fill(7, 40);
    await expect(decodeImage(bad, 'bad.png')).rejects.toThrow(DatasetFormatError);
    await expect(decodeImage(bad, 'bad.png')).rejects.toThrow(/bad\.png at byte \d+: expected a/);
  });
});

describe('loadImageFolder', () => {
  function makeFolder() {
    const t = tempDir();
    mkdirSync(join(t.dir, 'dog'));
    mkdirSync(join(t.dir, 'cat'));
    writeFileSync(
      join(t.dir, 'cat', 'a.png'),
      png(4, 4, (_x, _y, c) => [255, 0, 0][c]),
    );
    writeFileSync(
      join(t.dir, 'cat', 'b.png'),
      png(4, 4, (x) => x * 60),
    );
    writeFileSync(join(t.dir, 'dog', 'c.jpg'), jpg(4, 4, [10, 200, 30]));
    writeFileSync(join(t.dir, 'dog', 'notes.txt'), 'not an image');
    return t;
  }

  it('reads root/<class>/<image> with sorted classes, RGB or grey', async () => {
    const t = makeFolder();
    try {
      const before = tf.memory().numTensors;
      const rgb = await loadImageFolder({ dir: t.dir, scale: 'raw' });
      expect(rgb.classNames).toEqual(['cat', 'dog']);
      expect(rgb.images.shape).toEqual([3, 4, 4, 3]);
      expect(Array.from(rgb.labels.dataSync())).toEqual([0, 0, 1]);
      expect(rgb.files.map((f) => f.slice(t.dir.length))).toEqual(['/cat/a.png', '/cat/b.png', '/dog/c.jpg']);
      const px = rgb.images.dataSync();
      expect(Array.from(px.subarray(0, 3))).toEqual([255, 0, 0]);
      expect(Array.from(px.subarray(48 + 3 * 2, 48 + 3 * 2 + 3))).toEqual([120, 120, 120]);
      const grey = await loadImageFolder({ dir: t.dir, channels: 1, scale: 'raw', labels: 'onehot' });
      expect(grey.images.shape).toEqual([3, 4, 4, 1]);
      expect(grey.images.dataSync()[0]).toBe(Math.round(0.299 * 255)); // BT.601 luma of pure red = 76
      expect(grey.labels.shape).toEqual([3, 2]);
      tf.dispose([rgb.images, rgb.labels, grey.images, grey.labels]);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      t.cleanup();
    }
  });

  it('resizes to a common size when asked, and otherwise rejects mixed sizes', async () => {
    const t = makeFolder();
    try {
      writeFileSync(
        join(t.dir, 'dog', 'd.png'),
        png(8, 6, () => 100),
      );
      await expect(loadImageFolder({ dir: t.dir })).rejects.toThrow(
        /d\.png at byte 0: expected an image of 4x4 like the first one \(or pass size\), got 8x6/,
      );
      const r = await loadImageFolder({ dir: t.dir, size: [4, 4], scale: 'raw' });
      expect(r.images.shape).toEqual([4, 4, 4, 3]);
      expect(r.images.dataSync()[3 * 48 + 5]).toBe(100); // flat colour survives resizing
      tf.dispose([r.images, r.labels]);
    } finally {
      t.cleanup();
    }
  });
});
