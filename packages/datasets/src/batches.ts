import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '@tiefe/core';
import { shuffledIndices } from './splits.js';

/** Options of {@link batches} and {@link toTfDataset}. */
export interface BatchOptions {
  /** Examples per batch. */
  batchSize: number;
  /** Reshuffle every pass with a seeded permutation (default false: keep order). */
  shuffle?: boolean;
  /** Seed of the shuffle; pass p uses `seed + p` (default 0). */
  seed?: number;
  /** Drop a last batch smaller than `batchSize` (default false). */
  dropRemainder?: boolean;
}

type TensorFields = Record<string, tf.Tensor>;

function firstDim(data: TensorFields): number {
  const entries = Object.entries(data);
  if (entries.length === 0) throw new InputError('data', 'at least one tensor field', 'none');
  const n = entries[0][1].shape[0];
  for (const [k, t] of entries) {
    if (!(t instanceof tf.Tensor)) throw new InputError(`data.${k}`, 'a tensor', typeof t);
    if (t.shape[0] !== n) throw new InputError(`data.${k}`, `first dimension ${n}`, `shape [${t.shape}]`);
  }
  return n;
}

/** Number of batches one pass yields. */
export function batchCount(n: number, options: BatchOptions): number {
  return options.dropRemainder ? Math.floor(n / options.batchSize) : Math.ceil(n / options.batchSize);
}

/**
 * Iterates over `data` (tensor fields sharing the first dimension) in batches. Each batch is one `tf.slice`
 * (in order) or one `tf.gather` (shuffled) per field: no per-sample tensors or copies. The caller owns and
 * must dispose each yielded batch. `pass` selects the shuffle (seed + pass).
 *
 * @example
 * for (const { images, labels } of batches({ images, labels }, { batchSize: 64, shuffle: true, seed: 1 })) { ... }
 */
export function* batches<T extends TensorFields>(data: T, options: BatchOptions, pass = 0): Generator<T> {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InputError('batchSize', 'a positive integer', String(batchSize));
  const n = firstDim(data);
  const order = options.shuffle ? shuffledIndices(n, (options.seed ?? 0) + pass) : null;
  const count = batchCount(n, options);
  for (let b = 0; b < count; b++) {
    const start = b * batchSize;
    const size = Math.min(batchSize, n - start);
    const out: TensorFields = {};
    for (const [k, t] of Object.entries(data)) {
      out[k] = order
        ? tf.tidy(() => tf.gather(t, tf.tensor1d(order.subarray(start, start + size), 'int32'), 0))
        : tf.slice(t, start, size);
    }
    yield out as T;
  }
}

/** The part of `tf.data.Dataset` that `model.fitDataset` / `evaluateDataset` use. */
export interface FitDataset<T> {
  /** Batches per pass. */
  size: number;
  iterator(): Promise<{ next(): Promise<IteratorResult<T>> }>;
}

/** Options of {@link toTfDataset}. */
export interface TfDatasetOptions<B> extends BatchOptions {
  /** Applied to each batch before it is handed out (e.g. augmentation); it owns and disposes its input. */
  map?: (batch: { xs: tf.Tensor; ys: tf.Tensor }, pass: number) => B;
}

/**
 * Wraps tensors as a dataset for `model.fitDataset(ds, { epochs })` (or `evaluateDataset`) without
 * `@tensorflow/tfjs-data`: each `iterator()` call is one pass (epoch) yielding `{ xs, ys }` batches,
 * reshuffled per pass when `shuffle` is set. fitDataset disposes the batches it receives.
 *
 * @example
 * const ds = toTfDataset(train.images, train.labels, { batchSize: 64, shuffle: true, seed: 1 });
 * await model.fitDataset(ds, { epochs: 3 });
 */
export function toTfDataset<B = { xs: tf.Tensor; ys: tf.Tensor }>(
  xs: tf.Tensor,
  ys: tf.Tensor,
  options: TfDatasetOptions<B>,
): FitDataset<B> {
  const n = firstDim({ xs, ys });
  let pass = 0;
  return {
    size: batchCount(n, options),
    async iterator() {
      const p = pass++;
      const it = batches({ xs, ys }, options, p);
      return {
        async next(): Promise<IteratorResult<B>> {
          const r = it.next();
          if (r.done) return { done: true, value: undefined };
          const value = options.map ? options.map(r.value, p) : (r.value as unknown as B);
          return { done: false, value };
        },
      };
    },
  };
}
