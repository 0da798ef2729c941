/**
 * Synthetic shape scenes for this example (a copy of the blocks benchmark generator), made here until
 * @tiefe/datasets exports its own generator: images (or volumes) with a few filled shapes of random size, position and brightness on a noisy
 * background, and the per-pixel class (0 background, then one class per shape kind; later shapes paint over
 * earlier ones).
 */
import { createRng } from '@tiefe/core';

export interface Scenes {
  /** Pixel values, `count * size^rank`, in [0, 1]. */
  images: Float32Array;
  /** Class per pixel, same layout. */
  labels: Int32Array;
  count: number;
  size: number;
  /** Classes including background. */
  classes: number;
}

/** 2-D scenes: classes 1 = disc, 2 = square, 3 = triangle (upward). */
export function shapes2d(count: number, size: number, seed: number): Scenes {
  const rng = createRng(seed);
  const n = size * size;
  const images = new Float32Array(count * n);
  const labels = new Int32Array(count * n);
  for (let s = 0; s < count; s++) {
    const img = images.subarray(s * n, (s + 1) * n);
    const lab = labels.subarray(s * n, (s + 1) * n);
    const shapes = 1 + rng.int(3);
    for (let k = 0; k < shapes; k++) {
      const kind = 1 + rng.int(3);
      const r = size * (0.14 + 0.12 * rng.next());
      const cx = r + rng.next() * (size - 2 * r);
      const cy = r + rng.next() * (size - 2 * r);
      const value = 0.5 + 0.5 * rng.next();
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const dx = x + 0.5 - cx;
          const dy = y + 0.5 - cy;
          let inside = false;
          if (kind === 1) inside = dx * dx + dy * dy <= r * r;
          else if (kind === 2) inside = Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
          // Triangle: apex at the top, base at the bottom, width growing linearly with depth.
          else inside = dy >= -r && dy <= r && Math.abs(dx) <= ((dy + r) / (2 * r)) * r;
          if (inside) {
            img[y * size + x] = value;
            lab[y * size + x] = kind;
          }
        }
      }
    }
    for (let i = 0; i < n; i++) img[i] = Math.min(1, Math.max(0, img[i] + 0.08 * rng.normal()));
  }
  return { images, labels, count, size, classes: 4 };
}

/** 3-D scenes: classes 1 = ball, 2 = cube. */
export function shapes3d(count: number, size: number, seed: number): Scenes {
  const rng = createRng(seed);
  const n = size ** 3;
  const images = new Float32Array(count * n);
  const labels = new Int32Array(count * n);
  for (let s = 0; s < count; s++) {
    const img = images.subarray(s * n, (s + 1) * n);
    const lab = labels.subarray(s * n, (s + 1) * n);
    const shapes = 1 + rng.int(2);
    for (let k = 0; k < shapes; k++) {
      const kind = 1 + rng.int(2);
      const r = size * (0.2 + 0.1 * rng.next());
      const c = [0, 1, 2].map(() => r + rng.next() * (size - 2 * r));
      const value = 0.5 + 0.5 * rng.next();
      for (let z = 0; z < size; z++)
        for (let y = 0; y < size; y++)
          for (let x = 0; x < size; x++) {
            const d = [z + 0.5 - c[0], y + 0.5 - c[1], x + 0.5 - c[2]];
            // A cube of half side r holds 8 r^3 voxels, a ball 4.2 r^3: their corners tell them apart.
            const inside = kind === 1 ? d[0] ** 2 + d[1] ** 2 + d[2] ** 2 <= r * r : d.every((v) => Math.abs(v) <= r);
            if (inside) {
              const i = (z * size + y) * size + x;
              img[i] = value;
              lab[i] = kind;
            }
          }
    }
    for (let i = 0; i < n; i++) img[i] = Math.min(1, Math.max(0, img[i] + 0.08 * rng.normal()));
  }
  return { images, labels, count, size, classes: 3 };
}

/** Dice per class c >= 1 over all pixels: 2 |P ∩ T| / (|P| + |T|) (1 when the class is absent from both). */
export function diceScores(pred: Int32Array | Uint8Array, truth: Int32Array, classes: number): number[] {
  const inter = new Float64Array(classes);
  const p = new Float64Array(classes);
  const t = new Float64Array(classes);
  for (let i = 0; i < truth.length; i++) {
    p[pred[i]]++;
    t[truth[i]]++;
    if (pred[i] === truth[i]) inter[truth[i]]++;
  }
  const out: number[] = [];
  for (let c = 1; c < classes; c++) out.push(p[c] + t[c] === 0 ? 1 : (2 * inter[c]) / (p[c] + t[c]));
  return out;
}
