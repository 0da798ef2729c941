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

function firstDim(fn: string, data: TensorFields): number {
  const entries = Object.entries(data);
  if (entries.length === 0) throw new InputError(`${fn}: data`, 'at least one tensor field', 'none');
  const n = entries[0][1].shape[0];
  for (const [k, t] of entries) {
    if (!(t instanceof tf.Tensor)) throw new InputError(`${fn}: data.${k}`, 'a tensor', typeof t);
    if (t.shape[0] !== n) throw new InputError(`${fn}: data.${k}`, `first dimension ${n}`, `shape [${t.shape}]`);
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
    throw new InputError('batchCount: batchSize', 'a positive integer', String(batchSize));
  const n = firstDim('batchCount', data);
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
export interface TfDatasetOptions<X extends tf.Tensor, Y extends tf.Tensor, B> extends BatchOptions {
  /**
   * Replaces each batch's inputs, e.g. with `augmentImages`; gets the pass (epoch) and batch index for
   * seeding. The original batch inputs are disposed when a new tensor is returned.
   */
  augment?: (xs: X, pass: number, batch: number) => X;
  /** Applied to each batch last (e.g. one-hot labels); it owns and must dispose its input. */
  map?: (batch: { xs: X; ys: Y }, pass: number) => B;
}

/**
 * Wraps tensors as a dataset for `model.fitDataset(ds, { epochs })` (or `evaluateDataset`) without
 * `@tensorflow/tfjs-data`: each `iterator()` call is one pass (epoch) yielding `{ xs, ys }` batches,
 * reshuffled per pass (seed + pass) when `shuffle` is set. fitDataset disposes the batches it receives.
 *
 * @example
 * const ds = toTfDataset(train.images, train.labels, {
 *   batchSize: 64, shuffle: true, seed: 1,
 *   augment: (xs, epoch, b) => augmentImages(xs, { seed: epoch * 100_000 + b, cropPadding: 2 }),
 * });
 * await model.fitDataset(ds, { epochs: 3 });
 */
export function toTfDataset<X extends tf.Tensor, Y extends tf.Tensor, B = { xs: X; ys: Y }>(
  xs: X,
  ys: Y,
  options: TfDatasetOptions<X, Y, B>,
): FitDataset<B> {
  const n = firstDim('toTfDataset', { xs, ys });
  let pass = 0;
  return {
    size: batchCount(n, options),
    async iterator() {
      const p = pass++;
      const it = batches({ xs, ys } as { xs: X; ys: Y }, options, p);
      let b = 0;
      return {
        async next(): Promise<IteratorResult<B>> {
          const r = it.next();
          if (r.done) return { done: true, value: undefined };
          let batch = r.value;
          if (options.augment) {
            const out = options.augment(batch.xs, p, b);
            if (out !== batch.xs) batch.xs.dispose();
            batch = { xs: out, ys: batch.ys };
          }
          b++;
          const value = options.map ? options.map(batch, p) : (batch as unknown as B);
          return { done: false, value };
        },
      };
    },
  };
}
