import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync, crc32 as zlibCrc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import {
  blankImage,
  drawImage,
  drawLine,
  encodePng,
  fillRect,
  grayImage,
  InputError,
  imageGrid,
  labelImage,
  type RgbaImage,
  upscale,
  writePng,
} from '../src/index.js';

const px = (img: RgbaImage, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

/** An image whose rows exercise every PNG filter: gradients, noise, flat runs, alpha. */
function testImage(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  let s = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const kind = y % 4;
      data[i] = kind === 0 ? x * 7 : kind === 1 ? s & 0xff : kind === 2 ? 90 : (x * y) & 0xff;
      data[i + 1] = kind === 0 ? y * 11 : kind === 1 ? (s >> 8) & 0xff : 90 + (x % 2);
      data[i + 2] = (x + 3 * y) & 0xff;
      data[i + 3] = kind === 3 ? (x * 37) & 0xff : 255;
    }
  }
  return { width, height, data };
}

/** Splits PNG bytes into chunks, independently of the encoder. */
function chunks(bytes: Uint8Array): { type: string; data: Buffer; crc: number; crcInput: Buffer }[] {
  const buf = Buffer.from(bytes);
  const out = [];
  for (let o = 8; o < buf.length; ) {
    const len = buf.readUInt32BE(o);
    out.push({
      type: buf.toString('latin1', o + 4, o + 8),
      data: buf.subarray(o + 8, o + 8 + len),
      crc: buf.readUInt32BE(o + 8 + len),
      crcInput: buf.subarray(o + 4, o + 8 + len),
    });
    o += 12 + len;
  }
  return out;
}

describe('encodePng', () => {
  test('pngjs (an independent decoder) reads back every pixel, alpha included; the CRCs are right', () => {
    for (const [w, h] of [
      [1, 1],
      [37, 23],
      [64, 64],
    ]) {
      const img = testImage(w, h);
      const bytes = encodePng(img);
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect(Array.from(bytes.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
      const decoded = PNG.sync.read(Buffer.from(bytes), { checkCRC: true } as never);
      expect([decoded.width, decoded.height]).toEqual([w, h]);
      expect(Buffer.compare(decoded.data, Buffer.from(img.data))).toBe(0);
      const list = chunks(bytes);
      expect(list.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
      for (const c of list) expect(c.crc).toBe(zlibCrc32(c.crcInput));
      // IHDR: 8-bit RGBA, not interlaced; IDAT: one filter byte per row, each a valid PNG filter type.
      expect(Array.from(list[0].data.subarray(8))).toEqual([8, 6, 0, 0, 0]);
      const raw = inflateSync(list[1].data);
      expect(raw.length).toBe(h * (w * 4 + 1));
      for (let y = 0; y < h; y++) expect(raw[y * (w * 4 + 1)]).toBeLessThan(5);
    }
  });

  test('adaptive filtering picks more than the None filter on a smooth image and compresses it well', () => {
    const img = blankImage(200, 100);
    for (let y = 0; y < 100; y++)
      for (let x = 0; x < 200; x++) img.data.set([x, y * 2, (x + y) & 0xff, 255], (y * 200 + x) * 4);
    const bytes = encodePng(img);
    const raw = inflateSync(chunks(bytes)[1].data);
    const types = new Set(Array.from({ length: 100 }, (_, y) => raw[y * 801]));
    expect(types.size).toBeGreaterThan(1);
    expect([...types].every((t) => t > 0)).toBe(true);
    expect(bytes.length).toBeLessThan(img.data.length / 20);
  });

  test('a wrong image is an InputError saying what came', () => {
    const bad = { width: 3, height: 1, data: new Uint8ClampedArray(8) };
    expect(() => encodePng(bad)).toThrow(InputError);
    expect(() => encodePng(bad)).toThrow(/encodePng: image: expected an RGBA image .*got 8 bytes for 3 x 1/);
    expect(() => encodePng({ width: 1, height: 1, data: [0, 0, 0, 0] } as never)).toThrow(/encodePng: image/);
  });
});

describe('writePng', () => {
  test('writes atomically (no temporary file left), creates folders, refuses bad images untouched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tiefe-png-'));
    try {
      const img = testImage(5, 4);
      const file = join(dir, 'sub', 'a.png');
      await writePng(file, img);
      await writePng(file, img); // replaces
      expect(await readdir(join(dir, 'sub'))).toEqual(['a.png']);
      const decoded = PNG.sync.read(await readFile(file));
      expect(Buffer.compare(decoded.data, Buffer.from(img.data))).toBe(0);
      await expect(writePng(join(dir, 'bad.png'), { width: 2, height: 2, data: img.data })).rejects.toThrow(
        /writePng: image: expected an RGBA image/,
      );
      // A write that fails (the target is a folder) leaves no temporary file beside it.
      await expect(writePng(join(dir, 'sub'), img)).rejects.toThrow();
      expect((await readdir(dir)).sort()).toEqual(['sub']);
      expect(await readdir(join(dir, 'sub'))).toEqual(['a.png']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('image helpers', () => {
  test('blankImage, upscale, imageGrid lay out pixels where they belong', () => {
    const a = { width: 1, height: 1, data: new Uint8ClampedArray([200, 100, 0, 255]) };
    const b = { width: 2, height: 1, data: new Uint8ClampedArray([0, 100, 200, 255, 1, 2, 3, 4]) };
    expect(px(blankImage(2, 2, [1, 2, 3]), 1, 1)).toEqual([1, 2, 3, 255]);
    const big = upscale(b, 3);
    expect([big.width, big.height]).toEqual([6, 3]);
    expect(px(big, 2, 2)).toEqual([0, 100, 200, 255]);
    expect(px(big, 3, 0)).toEqual([1, 2, 3, 4]);
    const grid = imageGrid([[a, b], [b]], { padding: 1, background: [0, 0, 0, 255] });
    // cells 2 x 1: width 1 + 2 * (2 + 1) = 7, height 1 + 2 * (1 + 1) = 5
    expect([grid.width, grid.height]).toEqual([7, 5]);
    expect(px(grid, 1, 1)).toEqual([200, 100, 0, 255]);
    expect(px(grid, 2, 1)).toEqual([0, 0, 0, 255]); // a is narrower than its cell
    expect(px(grid, 4, 1)).toEqual([0, 100, 200, 255]);
    expect(px(grid, 5, 1)).toEqual([1, 2, 3, 4]);
    expect(px(grid, 1, 3)).toEqual([0, 100, 200, 255]);
    expect(px(grid, 4, 3)).toEqual([0, 0, 0, 255]);
    expect(() => imageGrid([])).toThrow(/imageGrid: rows: expected a non-empty array/);
    expect(() => imageGrid([[a, { width: 2, height: 2, data: a.data }]])).toThrow(/imageGrid: rows\[0\]\[1\]/);
    expect(() => upscale(a, 1.5)).toThrow(/upscale: factor: expected an integer >= 1, got 1.5/);
    expect(() => blankImage(0, 3)).toThrow(/blankImage: width/);
    expect(() => blankImage(2, 2, [300, 0, 0])).toThrow(/blankImage: color/);
  });

  test('fillRect, drawLine and drawImage clip to the image', () => {
    const img = blankImage(6, 4, [0, 0, 0]);
    fillRect(img, { x: 4, y: 2, width: 5, height: 5 }, [9, 9, 9]);
    expect(px(img, 5, 3)).toEqual([9, 9, 9, 255]);
    expect(px(img, 3, 3)).toEqual([0, 0, 0, 255]);
    drawLine(img, [0, 0], [5, 0], [1, 2, 3]);
    expect(Array.from({ length: 6 }, (_, x) => px(img, x, 0)[0])).toEqual([1, 1, 1, 1, 1, 1]);
    expect(px(img, 0, 1)).toEqual([0, 0, 0, 255]);
    drawLine(img, [0, 0], [3, 3], [7, 7, 7]);
    expect([0, 1, 2, 3].map((i) => px(img, i, i)[0])).toEqual([7, 7, 7, 7]);
    const src = blankImage(3, 3, [5, 5, 5, 5]);
    drawImage(img, src, -1, 2);
    expect(px(img, 0, 2)).toEqual([5, 5, 5, 5]);
    expect(px(img, 1, 3)).toEqual([5, 5, 5, 5]);
    expect(px(img, 2, 3)).toEqual([0, 0, 0, 255]);
    drawImage(img, src, 10, 10); // entirely outside: nothing happens
  });
});

describe('grayImage and labelImage', () => {
  test('pick image `index` of a batch: grey values clipped to [0, 1], class ids in their palette colour', () => {
    // two 2x1 images: [0.5, 2] and [-1, 0.25]
    const values = [0.5, 2, -1, 0.25];
    expect([px(grayImage(values, 2, 1, 0), 0, 0), px(grayImage(values, 2, 1, 0), 1, 0)]).toEqual([
      [128, 128, 128, 255],
      [255, 255, 255, 255],
    ]);
    expect([px(grayImage(values, 2, 1, 1), 0, 0), px(grayImage(values, 2, 1, 1), 1, 0)]).toEqual([
      [0, 0, 0, 255],
      [64, 64, 64, 255],
    ]);
    const palette = [
      [0, 0, 0],
      [255, 0, 0, 128],
    ] as const;
    const img = labelImage([0, 1, 1, 0], palette, 1, 2, 1);
    expect([img.width, img.height, px(img, 0, 0), px(img, 0, 1)]).toEqual([1, 2, [255, 0, 0, 128], [0, 0, 0, 255]]);
  });

  test('bad input: too few values, an id outside the palette, a bad size', () => {
    expect(() => grayImage([0, 1, 0], 2, 1, 1)).toThrow(/grayImage: values: expected at least 4 values/);
    expect(() => labelImage([0, 2], [[0, 0, 0]], 2, 1)).toThrow(/labelImage: ids: expected class ids in 0..0/);
    expect(() => grayImage([0], 0, 1)).toThrow(InputError);
  });
});
