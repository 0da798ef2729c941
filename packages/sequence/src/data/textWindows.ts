import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkOptions, InputError } from '@tiefe/core';

/** Options of {@link nextTokenWindows}. */
export interface NextTokenWindowOptions {
  /** Tokens per window. */
  length: number;
  /** Tokens between window starts; default `length` (no overlap). */
  stride?: number;
}

/**
 * Language-model training pairs from one id sequence: `x[i] = ids[s .. s + length)`, `y[i] = ids[s + 1 .. s +
 * length + 1)` with `s = i * stride`: at every step the target is the next token. Shapes `[n, length]`; use
 * `sparseCategoricalCrossentropy` on a many-to-many model (y as `[n, length, 1]` via `expandDims`).
 */
export function nextTokenWindows(
  ids: ArrayLike<number>,
  options: NextTokenWindowOptions,
): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const o = checkOptions('nextTokenWindows: options', options);
  const length = checkInt('nextTokenWindows: length', o.length);
  const stride = checkInt('nextTokenWindows: stride', o.stride ?? length);
  if (ids == null || typeof ids.length !== 'number' || ids.length < length + 1) {
    throw new InputError('nextTokenWindows: ids', `at least length + 1 = ${length + 1} ids`, String(ids?.length));
  }
  const n = Math.floor((ids.length - length - 1) / stride) + 1;
  const x = new Float32Array(n * length);
  const y = new Float32Array(n * length);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < length; t++) {
      const v = ids[i * stride + t];
      if (!Number.isInteger(v) || v < 0)
        throw new InputError('nextTokenWindows: ids', 'non-negative integer ids', `${v} at ${i * stride + t}`);
      x[i * length + t] = v;
      y[i * length + t] = ids[i * stride + t + 1];
    }
  }
  return { x: tf.tensor2d(x, [n, length]), y: tf.tensor2d(y, [n, length]) };
}

/** Entropy in bits per token of the token frequencies of `ids` (the unigram baseline of a language model). */
export function unigramEntropy(ids: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) counts.set(ids[i], (counts.get(ids[i]) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / ids.length;
    h -= p * Math.log2(p);
  }
  return h;
}
