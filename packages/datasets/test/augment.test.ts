import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentImages, augmentSegmentation } from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const N = 16;
const H = 6;
const W = 7;
/** A batch where every pixel value is distinct: v = n*1000 + y*10 + x + c*0.5. */
function distinctBatch(c = 1): tf.Tensor4D {
  const v = new Float32Array(N * H * W * c);
  for (let n = 0; n < N; n++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let k = 0; k < c; k++) v[((n * H + y) * W + x) * c + k] = n * 1000 + y * 10 + x + k * 0.5;
  return tf.tensor4d(v, [N, H, W, c]);
}
const at = (a: Float32Array | Int32Array, n: number, y: number, x: number, c = 1, k = 0) =>
  a[((n * H + y) * W + x) * c + k];

/** Plain-array check: is example n of `out` the input shifted by (dx, dy), zero-filled (after an optional flip)? */
function isShift(inp: Float32Array, out: Float32Array, n: number, dx: number, dy: number, flip = false): boolean {
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const sx = x - dx;
      const sy = y - dy;
      const src = sx >= 0 && sx < W && sy >= 0 && sy < H ? at(inp, n, sy, flip ? W - 1 - sx : sx) : 0;
      if (Math.abs(at(out, n, y, x) - src) > 1e-3) return false;
    }
  return true;
}

describe('augmentImages', () => {
  it('is reproducible for a seed and leaves no tensors behind', () => {
    const x = distinctBatch();
    const before = tf.memory().numTensors;
    const o = {
      seed: 5,
      flipHorizontal: true,
      rotationDegrees: 10,
      translate: 0.1,
      brightness: 0.1,
      contrast: 0.2,
      noiseStd: 0.05,
    };
    const a = augmentImages(x, o);
    const b = augmentImages(x, o);
    const c = augmentImages(x, { ...o, seed: 6 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    tf.dispose([a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('horizontal flips: each example is the input or its mirror, and both occur', () => {
    const x = distinctBatch();
    const inp = x.dataSync() as Float32Array;
    const out = augmentImages(x, { seed: 1, flipHorizontal: true });
    const o = out.dataSync() as Float32Array;
    let flipped = 0;
    for (let n = 0; n < N; n++) {
      const same = isShift(inp, o, n, 0, 0);
      const mirror = isShift(inp, o, n, 0, 0, true);
      expect(same || mirror).toBe(true);
      if (mirror) flipped++;
    }
    expect(flipped).toBeGreaterThan(0);
    expect(flipped).toBeLessThan(N);
    tf.dispose([x, out]);
  });

  it('vertical flips mirror rows: each example is the input or its mirror, and both occur', () => {
    const x = distinctBatch();
    const inp = x.dataSync() as Float32Array;
    const o = augmentImages(x, { seed: 2, flipVertical: true });
    const od = o.dataSync() as Float32Array;
    let flipped = 0;
    for (let n = 0; n < N; n++) {
      let same = true;
      let mirror = true;
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++) {
          same &&= at(od, n, y, xx) === at(inp, n, y, xx);
          mirror &&= at(od, n, y, xx) === at(inp, n, H - 1 - y, xx);
        }
      expect(same || mirror).toBe(true);
      if (mirror) flipped++;
    }
    expect(flipped).toBeGreaterThan(0);
    expect(flipped).toBeLessThan(N);
    tf.dispose([x, o]);
  });

  it('flips happen at the stated rate of 0.5 (400 examples: within 4 standard deviations)', () => {
    const n = 400;
    // Example i holds [i, -i] in its two pixels (left, right) and [i; -i] rows for the vertical check.
    const row = tf.tensor4d(Array.from({ length: n }, (_, i) => [i + 1, -(i + 1)]).flat(), [n, 1, 2, 1]);
    const col = tf.tensor4d(Array.from({ length: n }, (_, i) => [i + 1, -(i + 1)]).flat(), [n, 2, 1, 1]);
    const hOut = augmentImages(row, { seed: 11, flipHorizontal: true });
    const vOut = augmentImages(col, { seed: 12, flipVertical: true });
    const h = hOut.dataSync();
    const v = vOut.dataSync();
    let hFlips = 0;
    let vFlips = 0;
    for (let i = 0; i < n; i++) {
      expect(Math.abs(h[2 * i])).toBe(i + 1); // only flipped, never mixed up between examples
      if (h[2 * i] < 0) hFlips++;
      if (v[2 * i] < 0) vFlips++;
    }
    // binomial(400, 0.5): mean 200, sd 10
    for (const flips of [hFlips, vFlips]) {
      expect(flips).toBeGreaterThan(160);
      expect(flips).toBeLessThan(240);
    }
    tf.dispose([row, col, hOut, vOut]);
  });

  it('random crop with padding is an integer shift within the padding, zero-filled', () => {
    const x = distinctBatch();
    const inp = x.dataSync() as Float32Array;
    const out = augmentImages(x, { seed: 3, cropPadding: 2 });
    const o = out.dataSync() as Float32Array;
    const shifts = new Set<string>();
    for (let n = 0; n < N; n++) {
      let found = '';
      for (let dy = -2; dy <= 2 && !found; dy++)
        for (let dx = -2; dx <= 2 && !found; dx++) if (isShift(inp, o, n, dx, dy)) found = `${dx},${dy}`;
      expect(found).not.toBe('');
      shifts.add(found);
    }
    expect(shifts.size).toBeGreaterThan(3);
    tf.dispose([x, out]);
  });

  it('translation (nearest) is a shift by at most translate * size', () => {
    const x = distinctBatch();
    const inp = x.dataSync() as Float32Array;
    const out = augmentImages(x, { seed: 4, translate: 0.3, interpolation: 'nearest' });
    const o = out.dataSync() as Float32Array;
    const shifts: string[] = [];
    for (let n = 0; n < N; n++) {
      let found = '';
      for (let dy = -2; dy <= 2 && !found; dy++)
        for (let dx = -3; dx <= 3 && !found; dx++) if (isShift(inp, o, n, dx, dy)) found = `${dx},${dy}`;
      expect(found).not.toBe('');
      shifts.push(found);
    }
    // Shifts uniform in +-0.3 of 7 x 6 pixels, rounded: (0, 0) has probability ~0.07, so most examples move
    // and the shifts differ (translation forced to 0 fails here).
    expect(shifts.filter((s) => s !== '0,0').length).toBeGreaterThanOrEqual(N / 2);
    expect(new Set(shifts).size).toBeGreaterThan(4);
    tf.dispose([x, out]);
  });

  it('rotation keeps a centred disk (rotation-invariant) nearly unchanged and the centre fixed', () => {
    const S = 21;
    const v = new Float32Array(4 * S * S);
    for (let n = 0; n < 4; n++)
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++) v[(n * S + y) * S + x] = Math.exp(-((x - 10) ** 2 + (y - 10) ** 2) / 18);
    const disk = tf.tensor4d(v, [4, S, S, 1]);
    const out = augmentImages(disk, { seed: 9, rotationDegrees: 30 });
    const o = out.dataSync();
    let maxErr = 0;
    for (let i = 0; i < v.length; i++) maxErr = Math.max(maxErr, Math.abs(o[i] - v[i]));
    expect(maxErr).toBeLessThan(0.03); // bilinear resampling error of a smooth blob
    expect(o[10 * S + 10]).toBeCloseTo(1, 5);
    // An off-centre spot does move.
    const spot = tf.tidy(() =>
      tf.pad(tf.ones([4, 1, 1, 1]), [
        [0, 0],
        [2, 18],
        [10, 10],
        [0, 0],
      ]),
    ) as tf.Tensor4D;
    const moved = augmentImages(spot, { seed: 9, rotationDegrees: 30, interpolation: 'nearest' });
    expect(moved.dataSync()[2 * S + 10]).toBe(0);
    tf.dispose([disk, out, spot, moved]);
  });

  it('brightness adds one offset per example within [-b, b]; contrast scales around the channel mean', () => {
    const x = distinctBatch(2);
    const inp = x.dataSync() as Float32Array;
    const b = augmentImages(x, { seed: 7, brightness: 0.2 });
    const bd = b.dataSync();
    for (let n = 0; n < N; n++) {
      const d0 = at(bd as Float32Array, n, 0, 0, 2) - at(inp, n, 0, 0, 2);
      expect(Math.abs(d0)).toBeLessThanOrEqual(0.2 + 1e-3);
      expect(at(bd as Float32Array, n, 3, 4, 2, 1) - at(inp, n, 3, 4, 2, 1)).toBeCloseTo(d0, 2);
    }
    const c = augmentImages(x, { seed: 8, contrast: 0.5 });
    const cd = c.dataSync() as Float32Array;
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < 2; k++) {
        let mean = 0;
        for (let y = 0; y < H; y++) for (let xx = 0; xx < W; xx++) mean += at(inp, n, y, xx, 2, k) / (H * W);
        const f = (at(cd, n, 0, 0, 2, k) - mean) / (at(inp, n, 0, 0, 2, k) - mean);
        expect(f).toBeGreaterThanOrEqual(0.5 - 1e-3);
        expect(f).toBeLessThanOrEqual(1.5 + 1e-3);
        expect((at(cd, n, 5, 6, 2, k) - mean) / (at(inp, n, 5, 6, 2, k) - mean)).toBeCloseTo(f, 3);
      }
    }
    tf.dispose([x, b, c]);
  });

  it('Gaussian noise has the asked standard deviation, and clip bounds the values', () => {
    const x = tf.fill([8, 32, 32, 1], 0.5) as tf.Tensor4D;
    const y = augmentImages(x, { seed: 11, noiseStd: 0.1 });
    const d = y.dataSync();
    let s = 0;
    let s2 = 0;
    for (const v of d) {
      s += v - 0.5;
      s2 += (v - 0.5) ** 2;
    }
    const mean = s / d.length;
    const std = Math.sqrt(s2 / d.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(std).toBeGreaterThan(0.095);
    expect(std).toBeLessThan(0.105);
    const z = augmentImages(x, { seed: 11, noiseStd: 1, clip: [0, 1] });
    expect(tf.max(z).dataSync()[0]).toBeLessThanOrEqual(1);
    expect(tf.min(z).dataSync()[0]).toBeGreaterThanOrEqual(0);
    tf.dispose([x, y, z]);
  });

  it('rejects a non-NHWC input', () => {
    const x = tf.zeros([3, 4]);
    expect(() => augmentImages(x as unknown as tf.Tensor4D)).toThrow(InputError);
    x.dispose();
  });
});

describe('augmentSegmentation', () => {
  it('moves image and mask together; photometric changes touch only the image', () => {
    const labels = new Int32Array(N * H * W);
    for (let i = 0; i < labels.length; i++) labels[i] = (i * 7) % 19;
    const masks = tf.tensor3d(labels, [N, H, W], 'int32');
    const images = tf.tidy(() => tf.expandDims(tf.cast(masks, 'float32'), 3)) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const out = augmentSegmentation(images, masks, {
      seed: 3,
      flipHorizontal: true,
      cropPadding: 2,
      rotationDegrees: 20,
      interpolation: 'nearest',
    });
    expect(out.masks.dtype).toBe('int32');
    expect(out.masks.shape).toEqual([N, H, W]);
    const im = out.images.dataSync();
    const mk = out.masks.dataSync();
    let moved = 0;
    for (let i = 0; i < mk.length; i++) {
      if (mk[i] === 255) expect(im[i]).toBe(0);
      else expect(im[i]).toBe(mk[i]);
      if (mk[i] !== labels[i]) moved++;
    }
    expect(moved).toBeGreaterThan(mk.length / 4);
    // Brightness changes images, masks stay the labels.
    const bright = augmentSegmentation(images, masks, { seed: 3, brightness: 0.5 });
    expect(Array.from(bright.masks.dataSync())).toEqual(Array.from(labels));
    expect(Array.from(bright.images.dataSync())).not.toEqual(Array.from(images.dataSync()));
    tf.dispose([out.images, out.masks, bright.images, bright.masks]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([images, masks]);
  });

  it('rejects masks of another size', () => {
    const images = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    const masks = tf.zeros([2, 4, 5]) as tf.Tensor3D;
    expect(() => augmentSegmentation(images, masks)).toThrow(/masks: expected a tensor \[2, 4, 4\]/);
    tf.dispose([images, masks]);
  });
});
