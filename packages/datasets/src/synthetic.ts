import * as tf from '@tensorflow/tfjs-core';
import { createRng, InputError, type Rng } from '@tiefe/core';
import type { LabeledImages } from './mnist.js';

/**
 * Synthetic data sets for offline demos and tests. They are generated, not real: every name says so
 * (`synthetic*`), and each is fully determined by its seed.
 */

function checkN(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 1) throw new InputError(name, 'a positive integer', String(n));
}

/** Options of {@link syntheticShapes2d}. */
export interface SyntheticShapes2dOptions {
  /** Number of images. */
  n: number;
  /** Side length in pixels (default 32). */
  size?: number;
  /** Seed (default 0). */
  seed?: number;
  /** Up to this many shapes per image, at least 1 (default 3). Later shapes cover earlier ones. */
  maxShapes?: number;
  /** Standard deviation of the Gaussian pixel noise (default 0.05). */
  noise?: number;
  /** 1 (grey, default) or 3 (each shape class gets its own tint). */
  channels?: 1 | 3;
}

/** A synthetic segmentation set: images in about [0, 1], integer masks, class names. */
export interface SyntheticSegmentation<I extends tf.Tensor, M extends tf.Tensor> {
  images: I;
  masks: M;
  classNames: string[];
}

const SHAPES_2D = ['background', 'circle', 'square', 'triangle'];
const TINTS = [
  [0, 0, 0],
  [1, 0.35, 0.3],
  [0.3, 1, 0.4],
  [0.35, 0.45, 1],
];

/**
 * Synthetic 2-D shape scenes: circles, squares and upward triangles of random size (radius size/8..size/4),
 * position and brightness (0.5..1) on a dark background (0.1), plus Gaussian noise. Masks hold the class
 * index per pixel (0 background, 1 circle, 2 square, 3 triangle). images [n, s, s, c], masks int32 [n, s, s].
 */
export function syntheticShapes2d(options: SyntheticShapes2dOptions): SyntheticSegmentation<tf.Tensor4D, tf.Tensor3D> {
  const { n, size = 32, seed = 0, maxShapes = 3, noise = 0.05, channels = 1 } = options;
  checkN(n, 'syntheticShapes2d: n');
  checkN(size, 'syntheticShapes2d: size');
  checkN(maxShapes, 'syntheticShapes2d: maxShapes');
  const rng = createRng(seed);
  const s = size;
  const img = new Float32Array(n * s * s * channels);
  const mask = new Int32Array(n * s * s);
  const bright = new Float32Array(s * s);
  for (let b = 0; b < n; b++) {
    bright.fill(0.1);
    const m = mask.subarray(b * s * s, (b + 1) * s * s);
    const count = 1 + rng.int(maxShapes);
    for (let k = 0; k < count; k++) {
      const cls = 1 + rng.int(3);
      const r = s / 8 + rng.next() * (s / 8);
      const cx = r + rng.next() * (s - 2 * r);
      const cy = r + rng.next() * (s - 2 * r);
      const v = 0.5 + 0.5 * rng.next();
      for (let y = 0; y < s; y++) {
        for (let x = 0; x < s; x++) {
          const dx = x + 0.5 - cx;
          const dy = y + 0.5 - cy;
          const inside =
            cls === 1
              ? dx * dx + dy * dy <= r * r
              : cls === 2
                ? Math.abs(dx) <= r && Math.abs(dy) <= r
                : dy >= -r && dy <= r && Math.abs(dx) <= (dy + r) / 2;
          if (inside) {
            m[y * s + x] = cls;
            bright[y * s + x] = v;
          }
        }
      }
    }
    for (let p = 0; p < s * s; p++) {
      for (let c = 0; c < channels; c++) {
        const tint = channels === 3 && m[p] > 0 ? TINTS[m[p]][c] : 1;
        img[(b * s * s + p) * channels + c] = bright[p] * tint + noise * rng.normal();
      }
    }
  }
  return {
    images: tf.tensor4d(img, [n, s, s, channels]),
    masks: tf.tensor3d(mask, [n, s, s], 'int32'),
    classNames: [...SHAPES_2D],
  };
}

/** Options of {@link syntheticShapes3d}. */
export interface SyntheticShapes3dOptions {
  n: number;
  /** Side length in voxels (default 16). */
  size?: number;
  seed?: number;
  /** Up to this many shapes per volume (default 2). */
  maxShapes?: number;
  /** Gaussian noise standard deviation (default 0.05). */
  noise?: number;
}

const SHAPES_3D = ['background', 'sphere', 'cube'];

/**
 * Synthetic 3-D volumes for volumetric segmentation: spheres and cubes (radius size/8..size/4) of brightness
 * 0.5..1 on 0.1, plus noise. volumes float32 [n, s, s, s, 1] (NDHWC), masks int32 [n, s, s, s]
 * (0 background, 1 sphere, 2 cube).
 */
export function syntheticShapes3d(options: SyntheticShapes3dOptions): SyntheticSegmentation<tf.Tensor5D, tf.Tensor4D> {
  const { n, size = 16, seed = 0, maxShapes = 2, noise = 0.05 } = options;
  checkN(n, 'syntheticShapes3d: n');
  checkN(size, 'syntheticShapes3d: size');
  checkN(maxShapes, 'syntheticShapes3d: maxShapes');
  const rng = createRng(seed);
  const s = size;
  const vox = s * s * s;
  const img = new Float32Array(n * vox);
  const mask = new Int32Array(n * vox);
  for (let b = 0; b < n; b++) {
    const v = img.subarray(b * vox, (b + 1) * vox);
    const m = mask.subarray(b * vox, (b + 1) * vox);
    v.fill(0.1);
    const count = 1 + rng.int(maxShapes);
    for (let k = 0; k < count; k++) {
      const cls = 1 + rng.int(2);
      const r = s / 8 + rng.next() * (s / 8);
      const c = [0, 1, 2].map(() => r + rng.next() * (s - 2 * r));
      const value = 0.5 + 0.5 * rng.next();
      for (let z = 0; z < s; z++)
        for (let y = 0; y < s; y++)
          for (let x = 0; x < s; x++) {
            const d = [z + 0.5 - c[0], y + 0.5 - c[1], x + 0.5 - c[2]];
            const inside = cls === 1 ? d[0] ** 2 + d[1] ** 2 + d[2] ** 2 <= r * r : d.every((q) => Math.abs(q) <= r);
            if (inside) {
              const p = (z * s + y) * s + x;
              m[p] = cls;
              v[p] = value;
            }
          }
    }
    for (let p = 0; p < vox; p++) v[p] += noise * rng.normal();
  }
  return {
    images: tf.tensor5d(img, [n, s, s, s, 1]),
    masks: tf.tensor4d(mask, [n, s, s, s], 'int32'),
    classNames: [...SHAPES_3D],
  };
}

/** A synthetic sequence regression set. */
export interface SyntheticSequences {
  /** float32 [n, length, features]. */
  xs: tf.Tensor3D;
  /** float32 [n, outputs]. */
  ys: tf.Tensor2D;
}

/** Options of {@link syntheticNoisySines}. */
export interface NoisySinesOptions {
  n: number;
  /** Observed steps (default 50). */
  length?: number;
  /** Steps to predict after the window (default 1). */
  horizon?: number;
  /** Noise standard deviation on the inputs (default 0.1); targets are noise-free. */
  noise?: number;
  seed?: number;
}

/**
 * Noisy sine waves x_t = A sin(w t + phi) + noise, t = 0..length-1, with A in [0.5, 1.5], w in [0.1, 0.5]
 * rad/step, phi in [0, 2 pi). Targets: the clean next `horizon` values A sin(w t + phi), t = length..
 * Also returns each sequence's parameters.
 */
export function syntheticNoisySines(
  options: NoisySinesOptions,
): SyntheticSequences & { params: { amplitude: number; frequency: number; phase: number }[] } {
  const { n, length = 50, horizon = 1, noise = 0.1, seed = 0 } = options;
  checkN(n, 'syntheticNoisySines: n');
  checkN(length, 'syntheticNoisySines: length');
  checkN(horizon, 'syntheticNoisySines: horizon');
  const rng = createRng(seed);
  const xs = new Float32Array(n * length);
  const ys = new Float32Array(n * horizon);
  const params = [];
  for (let i = 0; i < n; i++) {
    const amplitude = 0.5 + rng.next();
    const frequency = 0.1 + 0.4 * rng.next();
    const phase = 2 * Math.PI * rng.next();
    params.push({ amplitude, frequency, phase });
    for (let t = 0; t < length; t++)
      xs[i * length + t] = amplitude * Math.sin(frequency * t + phase) + noise * rng.normal();
    for (let h = 0; h < horizon; h++) ys[i * horizon + h] = amplitude * Math.sin(frequency * (length + h) + phase);
  }
  return { xs: tf.tensor3d(xs, [n, length, 1]), ys: tf.tensor2d(ys, [n, horizon]), params };
}

/**
 * The adding problem (Hochreiter and Schmidhuber, 1997): xs [n, length, 2], channel 0 uniform in [0, 1],
 * channel 1 a marker that is 1 at exactly two steps (one in each half); ys [n, 1] the sum of the two marked
 * values. Predicting 1 always gives MSE about 0.167, the baseline a model must beat.
 */
export function syntheticAddingProblem(options: { n: number; length?: number; seed?: number }): SyntheticSequences {
  const { n, length = 50, seed = 0 } = options;
  checkN(n, 'syntheticAddingProblem: n');
  if (!Number.isInteger(length) || length < 2)
    throw new InputError('syntheticAddingProblem: length', 'an integer >= 2', String(length));
  const rng = createRng(seed);
  const xs = new Float32Array(n * length * 2);
  const ys = new Float32Array(n);
  const half = Math.floor(length / 2);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < length; t++) xs[(i * length + t) * 2] = rng.next();
    const a = rng.int(half);
    const b = half + rng.int(length - half);
    xs[(i * length + a) * 2 + 1] = 1;
    xs[(i * length + b) * 2 + 1] = 1;
    ys[i] = xs[(i * length + a) * 2] + xs[(i * length + b) * 2];
  }
  return { xs: tf.tensor3d(xs, [n, length, 2]), ys: tf.tensor2d(ys, [n, 1]) };
}

/** The characters of {@link syntheticDigitAddition}, in one-hot index order. */
export const DIGIT_ADDITION_VOCABULARY = '0123456789+ ';

/** A synthetic sequence-to-sequence set with its strings. */
export interface DigitAdditionData {
  /** One-hot questions, float32 [n, 2 * digits + 1, 12]. */
  xs: tf.Tensor3D;
  /** One-hot answers, float32 [n, digits + 1, 12]. */
  ys: tf.Tensor3D;
  /** Questions like '12+345' padded right with spaces (reversed when asked). */
  questions: string[];
  /** Answers like '357' padded right with spaces. */
  answers: string[];
  vocabulary: string;
}

/**
 * Digit addition as sequence-to-sequence (the Keras "addition RNN" example): 'a+b' with a, b of 1..digits
 * digits, answer a + b. Each distinct question appears once (until they run out). `reverse` reverses the
 * question string, which helps LSTMs.
 */
export function syntheticDigitAddition(options: {
  n: number;
  digits?: number;
  seed?: number;
  reverse?: boolean;
}): DigitAdditionData {
  const { n, digits = 2, seed = 0, reverse = false } = options;
  checkN(n, 'syntheticDigitAddition: n');
  if (!Number.isInteger(digits) || digits < 1 || digits > 7)
    throw new InputError('syntheticDigitAddition: digits', 'an integer in 1..7', String(digits));
  const max = 10 ** digits;
  if (n > max * max)
    throw new InputError(
      'syntheticDigitAddition: n',
      `at most ${max * max} distinct questions for ${digits} digits`,
      String(n),
    );
  const rng: Rng = createRng(seed);
  const qLen = 2 * digits + 1;
  const aLen = digits + 1;
  const seen = new Set<string>();
  const questions: string[] = [];
  const answers: string[] = [];
  while (questions.length < n) {
    const randomNumber = () => rng.int(10 ** (1 + rng.int(digits)));
    const a = randomNumber();
    const b = randomNumber();
    const key = `${a}+${b}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const q = key.padEnd(qLen, ' ');
    questions.push(reverse ? [...q].reverse().join('') : q);
    answers.push(String(a + b).padEnd(aLen, ' '));
  }
  const V = DIGIT_ADDITION_VOCABULARY.length;
  const oneHot = (strings: string[], len: number) => {
    const out = new Float32Array(strings.length * len * V);
    strings.forEach((str, i) => {
      for (let t = 0; t < len; t++) out[(i * len + t) * V + DIGIT_ADDITION_VOCABULARY.indexOf(str[t])] = 1;
    });
    return tf.tensor3d(out, [strings.length, len, V]);
  };
  return {
    xs: oneHot(questions, qLen),
    ys: oneHot(answers, aLen),
    questions,
    answers,
    vocabulary: DIGIT_ADDITION_VOCABULARY,
  };
}

/** Options of {@link syntheticShapeClasses}. */
export interface SyntheticShapeClassesOptions {
  /** Number of images (alias `n`). */
  count?: number;
  n?: number;
  /** Side length (default 28, like MNIST). */
  size?: number;
  seed?: number;
  /** Gaussian noise standard deviation (default 0.05). */
  noise?: number;
}

/** Class names of {@link syntheticShapeClasses}, in label order. */
export const SYNTHETIC_SHAPE_CLASSES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'ring'];

/**
 * A synthetic image-classification set (an offline stand-in for MNIST, clearly not digits): one white shape
 * per image, of class circle, square, triangle, diamond, cross or ring, with random size (radius
 * size/5..size/3), position and brightness (0.6..1) on black, plus Gaussian noise. Classes are balanced
 * (label i mod 6 before a seeded shuffle). images float32 [n, size, size, 1], labels float32 class ids [n]
 * (the dtype tfjs-layers' sparse losses expect).
 */
export function syntheticShapeClasses(options: SyntheticShapeClassesOptions): LabeledImages {
  const n = options.count ?? options.n ?? 0;
  const { size = 28, seed = 0, noise = 0.05 } = options;
  checkN(n, 'syntheticShapeClasses: count');
  checkN(size, 'syntheticShapeClasses: size');
  const rng = createRng(seed);
  const k = SYNTHETIC_SHAPE_CLASSES.length;
  const labels = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i % k)) as Int32Array;
  const img = new Float32Array(n * size * size);
  for (let b = 0; b < n; b++) {
    const cls = labels[b];
    const r = size / 5 + rng.next() * (size / 3 - size / 5);
    const cx = r + rng.next() * (size - 2 * r);
    const cy = r + rng.next() * (size - 2 * r);
    const v = 0.6 + 0.4 * rng.next();
    const w = Math.max(1, r / 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        const ax = Math.abs(dx);
        const ay = Math.abs(dy);
        const d2 = dx * dx + dy * dy;
        const inside = [
          d2 <= r * r,
          ax <= r * 0.8 && ay <= r * 0.8,
          dy >= -r && dy <= r && ax <= (dy + r) / 2,
          ax + ay <= r,
          (ax <= w / 2 && ay <= r) || (ay <= w / 2 && ax <= r),
          d2 <= r * r && d2 >= (r - w) * (r - w),
        ][cls];
        img[(b * size + y) * size + x] = (inside ? v : 0) + noise * rng.normal();
      }
    }
  }
  return {
    images: tf.tensor4d(img, [n, size, size, 1]),
    labels: tf.tensor1d(Float32Array.from(labels), 'float32'),
    classNames: [...SYNTHETIC_SHAPE_CLASSES],
  };
}
