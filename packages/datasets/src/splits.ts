import * as tf from '@tensorflow/tfjs-core';
import { createRng, InputError } from '@tiefe/core';

/**
 * Seeded shuffling and splitting by indices. Everything here works on index arrays first, so that a split
 * costs one `tf.gather` per tensor and the same indices can split images, labels and masks alike.
 */

/** A seeded permutation of 0..n-1 (Fisher-Yates with core's mulberry32 `createRng(seed)`). */
export function shuffledIndices(n: number, seed: number): Int32Array {
  checkCount(n, 'shuffledIndices: n');
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  createRng(seed).shuffle(idx);
  return idx;
}

/** Options of {@link splitIndices}. */
export interface SplitIndicesOptions {
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /** Shuffle before cutting (default true); false keeps the original order. */
  shuffle?: boolean;
}

/**
 * Cuts 0..n-1 into consecutive parts of the given sizes, after a seeded shuffle. Sizes are counts (integers)
 * or fractions summing to at most 1; with fractions, the last part absorbs rounding
 * (`floor(f_i * n)` for the others).
 *
 * @example splitIndices(10000, [8000, 2000], { seed: 42 }) // [Int32Array(8000), Int32Array(2000)]
 */
export function splitIndices(n: number, sizes: number[], options: SplitIndicesOptions = {}): Int32Array[] {
  checkCount(n, 'splitIndices: n');
  const counts = resolveSizes('splitIndices', n, sizes);
  const order =
    options.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : shuffledIndices(n, options.seed ?? 0);
  const parts: Int32Array[] = [];
  let at = 0;
  for (const c of counts) {
    parts.push(order.slice(at, at + c));
    at += c;
  }
  return parts;
}

function resolveSizes(fn: string, n: number, sizes: number[]): number[] {
  if (sizes.length === 0) throw new InputError(`${fn}: sizes`, 'at least one part size', '[]');
  const fractional = sizes.every((s) => s >= 0 && s <= 1) && sizes.some((s) => !Number.isInteger(s));
  if (fractional) {
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total > 1 + 1e-9) throw new InputError(`${fn}: sizes`, 'fractions summing to at most 1', `sum ${total}`);
    const counts = sizes.map((f) => Math.floor(f * n));
    if (Math.abs(total - 1) < 1e-9) counts[counts.length - 1] = n - counts.slice(0, -1).reduce((a, b) => a + b, 0);
    return counts;
  }
  for (const s of sizes)
    if (!Number.isInteger(s) || s < 0)
      throw new InputError(`${fn}: sizes`, 'non-negative integer counts or fractions', `[${sizes}]`);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > n) throw new InputError(`${fn}: sizes`, `counts summing to at most n = ${n}`, `sum ${total}`);
  return sizes;
}

/**
 * Stratified split: each class keeps (as nearly as integers allow) the same share in every part. Sizes as in
 * {@link splitIndices}; per-class counts are apportioned by largest remainders so that the part totals are
 * exact. Within a part, indices are shuffled (seeded).
 */
export function stratifiedSplitIndices(
  labels: ArrayLike<number>,
  sizes: number[],
  options: { seed?: number } = {},
): Int32Array[] {
  const n = labels.length;
  const counts = resolveSizes('stratifiedSplitIndices', n, sizes);
  const rng = createRng(options.seed ?? 0);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    let list = byClass.get(c);
    if (!list) {
      list = [];
      byClass.set(c, list);
    }
    list.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  for (const c of classes) rng.shuffle(byClass.get(c)!);
  // take[c][p]: how many of class c go to part p. Apportion each part's total over classes.
  const take = classes.map(() => new Array<number>(counts.length).fill(0));
  const left = classes.map((c) => byClass.get(c)!.length);
  for (let p = 0; p < counts.length; p++) {
    const remainingTotal = left.reduce((a, b) => a + b, 0);
    if (remainingTotal === 0) break;
    const want = counts[p];
    const exact = left.map((l) => (l * want) / remainingTotal);
    const floor = exact.map((x, k) => Math.min(Math.floor(x), left[k]));
    let short = want - floor.reduce((a, b) => a + b, 0);
    const order = exact.map((x, k) => ({ k, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.k - b.k);
    for (const { k } of order) {
      if (short <= 0) break;
      if (floor[k] < left[k]) {
        floor[k]++;
        short--;
      }
    }
    floor.forEach((f, k) => {
      take[k][p] = f;
      left[k] -= f;
    });
  }
  return counts.map((_, p) => {
    const part: number[] = [];
    classes.forEach((c, k) => {
      const list = byClass.get(c)!;
      const from = take[k].slice(0, p).reduce((a, b) => a + b, 0);
      for (let j = from; j < from + take[k][p]; j++) part.push(list[j]);
    });
    return rng.shuffle(Int32Array.from(part)) as Int32Array;
  });
}

/** Rows `indices` of `x` along axis 0 (a `tf.gather`; the caller owns the result). */
export function takeRows<T extends tf.Tensor>(x: T, indices: Int32Array | number[]): T {
  return tf.tidy(() => tf.gather(x, tf.tensor1d(Int32Array.from(indices), 'int32'), 0)) as T;
}

/** Options of {@link trainTestSplit}. */
export interface TrainTestSplitOptions {
  /** Size of the test part: a count, or a fraction of n (default 0.2). */
  testSize?: number;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /** Keep the class shares equal in both parts, using the `labels` field (int or one-hot) (default false). */
  stratify?: boolean;
}

/**
 * Splits every tensor field of `data` (all with the same first dimension) into a train and a test part, with
 * one seeded shuffle shared by all fields; non-tensor fields (e.g. `classNames`) are copied to both. The
 * input is not disposed; the caller owns both parts.
 *
 * @example
 * const { train, test } = trainTestSplit(mnist, { testSize: 2000, seed: 42 });
 * // train.images [8000, 28, 28, 1], test.labels [2000]
 */
export function trainTestSplit<T extends object>(data: T, options: TrainTestSplitOptions = {}): { train: T; test: T } {
  const n = tensorFields('trainTestSplit', data)[0][1].shape[0];
  const testSize = options.testSize ?? 0.2;
  const testCount = testSize > 0 && testSize < 1 ? Math.round(testSize * n) : testSize;
  if (!Number.isInteger(testCount) || testCount < 0 || testCount > n) {
    throw new InputError('trainTestSplit: testSize', `a count in 0..${n} or a fraction in (0, 1)`, String(testSize));
  }
  const [train, test] = splitData(data, [n - testCount, testCount], options);
  return { train, test };
}

/**
 * Splits every tensor field of `data` into parts of the given sizes (counts, or fractions as in
 * {@link splitIndices}), e.g. train / validation / test, with one seeded shuffle shared by all fields and
 * optional stratification by the `labels` field. Non-tensor fields are copied to every part.
 *
 * @example
 * const [train, val, test] = splitData(mnist, [0.8, 0.1, 0.1], { seed: 1, stratify: true });
 */
export function splitData<T extends object>(
  data: T,
  sizes: number[],
  options: { seed?: number; stratify?: boolean } = {},
): T[] {
  const tensors = tensorFields('splitData', data);
  const n = tensors[0][1].shape[0];
  let parts: Int32Array[];
  if (options.stratify) {
    const labels = (data as Record<string, unknown>).labels;
    if (!(labels instanceof tf.Tensor))
      throw new InputError('splitData: data.labels', 'a label tensor to stratify by', 'none');
    const ints = tf.tidy(() => (labels.rank === 2 ? tf.argMax(labels, 1) : labels).dataSync());
    parts = stratifiedSplitIndices(ints, sizes, { seed: options.seed });
  } else {
    parts = splitIndices(n, sizes, { seed: options.seed });
  }
  return parts.map((idx) => {
    const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
    for (const [k, t] of tensors) out[k] = takeRows(t, idx);
    return out as T;
  });
}

function tensorFields(fn: string, data: object): [string, tf.Tensor][] {
  const tensors = Object.entries(data).filter(([, v]) => v instanceof tf.Tensor) as [string, tf.Tensor][];
  if (tensors.length === 0) throw new InputError(`${fn}: data`, 'an object with tensor fields', 'no tensors');
  const n = tensors[0][1].shape[0];
  for (const [k, t] of tensors) {
    if (t.shape[0] !== n)
      throw new InputError(`${fn}: data.${k}`, `first dimension ${n} (as ${tensors[0][0]})`, `shape [${t.shape}]`);
  }
  return tensors;
}

function checkCount(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 0) throw new InputError(name, 'a non-negative integer', String(n));
}
