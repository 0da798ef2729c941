import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../errors.js';
import { createRng } from '../random.js';

/** One train/test split of {@link kFoldIndices}. */
export interface Fold {
  /** Training sample indices, ascending. */
  train: number[];
  /** Held-out sample indices (in shuffled order when `shuffle`). */
  test: number[];
}

/** Options of {@link kFoldIndices} and {@link kFold}. */
export interface KFoldOptions {
  /** Shuffle the indices before cutting the folds. Default false (like sklearn's `KFold`). */
  shuffle?: boolean;
  /** Seed of the shuffle (mulberry32, see `createRng`). Default 0. */
  seed?: number;
}

/**
 * k-fold cross-validation splits of `n` samples, like sklearn's `KFold(k, shuffle, random_state)`.
 *
 * The (optionally shuffled) indices `0..n-1` are cut into `k` contiguous test folds; the first `n % k` folds
 * get `floor(n / k) + 1` samples, the rest `floor(n / k)`. Every index is in exactly one test fold; each
 * fold's training set is all other indices. Pure: no tensors.
 *
 * @example
 * kFoldIndices(5, 2); // [{ test: [0, 1, 2], train: [3, 4] }, { test: [3, 4], train: [0, 1, 2] }]
 */
export function kFoldIndices(n: number, k: number, options: KFoldOptions = {}): Fold[] {
  if (!Number.isInteger(n) || n < 2) throw new InputError('n', 'an integer >= 2', String(n));
  if (!Number.isInteger(k) || k < 2 || k > n) throw new InputError('k', `an integer in [2, n = ${n}]`, String(k));
  const { shuffle = false, seed = 0 } = options;
  const order = Array.from({ length: n }, (_, i) => i);
  if (shuffle) createRng(seed).shuffle(order);
  const base = Math.floor(n / k);
  const folds: Fold[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = base + (f < n % k ? 1 : 0);
    const test = order.slice(start, start + size);
    const held = new Set(test);
    const train: number[] = [];
    for (let i = 0; i < n; i++) if (!held.has(i)) train.push(i);
    folds.push({ train, test });
    start += size;
  }
  return folds;
}

/** A reusable k-fold splitter: `kFold({ k: 5, shuffle: true, seed: 1 }).split(n)`. */
export interface KFold {
  /** Number of folds. */
  readonly k: number;
  /** The folds for `n` samples (see {@link kFoldIndices}). */
  split(n: number): Fold[];
}

/** Options of {@link kFold}. */
export interface KFoldSplitterOptions extends KFoldOptions {
  /** Number of folds. Default 5. */
  k?: number;
}

/** Creates a k-fold splitter (sklearn's `KFold` object); see {@link kFoldIndices} for the split rule. */
export function kFold(options: KFoldSplitterOptions = {}): KFold {
  const { k = 5, ...rest } = options;
  if (!Number.isInteger(k) || k < 2) throw new InputError('k', 'an integer >= 2', String(k));
  return { k, split: (n) => kFoldIndices(n, k, rest) };
}

/** Result of one fold of {@link crossValidate}. */
export interface FoldResult {
  /** Fold index, 0-based. */
  fold: number;
  /** Number of training samples. */
  trainSize: number;
  /** Number of held-out samples. */
  testSize: number;
  /** The fold's score (see {@link CrossValidationResult.metric}). */
  score: number;
  /** Everything `model.evaluate` returned on the held-out fold, by `model.metricsNames` (empty with `metric`). */
  evaluation: Record<string, number>;
  /** The fit history (`history.history`, numbers). */
  history: Record<string, number[]>;
}

/** Result of {@link crossValidate}: plain numbers. */
export interface CrossValidationResult {
  /** Name of the score: `'custom'` when `metric` was given, else the first compiled metric, else `'loss'`. */
  metric: string;
  /** Score of each fold, in fold order. */
  scores: number[];
  /** Mean of `scores`. */
  mean: number;
  /** Population standard deviation of `scores` (ddof 0, like `numpy.std` / sklearn reports). */
  std: number;
  /** Details of every fold. */
  folds: FoldResult[];
}

/** Options of {@link crossValidate}. */
export interface CrossValidateOptions {
  /**
   * Returns a new, compiled model for fold `fold` (with its own optimizer). Seed inside it (`seed(fold)`) for
   * reproducible folds. Each fold's model and optimizer are disposed after scoring.
   */
  createModel: (fold: number) => tfl.LayersModel | Promise<tfl.LayersModel>;
  /** Inputs `[n, ...]`; not disposed. */
  x: tf.Tensor;
  /** Targets `[n, ...]`; not disposed. */
  y: tf.Tensor;
  /** Number of folds. Default 5. */
  k?: number;
  /** Shuffle before splitting. Default true (sorted datasets would otherwise give skewed folds). */
  shuffle?: boolean;
  /** Shuffle seed. Default 0. */
  seed?: number;
  /** Passed to `model.fit` (e.g. `{ epochs: 20, batchSize: 32 }`); `verbose` defaults to 0. */
  fitArgs?: tfl.ModelFitArgs;
  /**
   * Scores a trained model on the held-out fold (e.g. `(m, x, y) => accuracy(y, m.predict(x))`; dispose
   * what you create). Default: `model.evaluate`, reporting the first compiled metric, else the loss.
   */
  metric?: (model: tfl.LayersModel, xTest: tf.Tensor, yTest: tf.Tensor) => number | Promise<number>;
  /** Called after each fold (progress reporting). */
  onFold?: (result: FoldResult) => void;
}

function disposeModel(model: tfl.LayersModel): void {
  const optimizer = model.optimizer;
  model.dispose();
  // model.dispose() only frees optimizers it created itself (compile with a string); free ours too.
  // Disposing twice is harmless in tfjs.
  optimizer?.dispose();
}

/**
 * k-fold cross-validation over a model factory (scikit-learn's `cross_validate` for Keras-style models):
 * for each fold, `createModel(fold)`, `fit` on the other folds, score on the fold, dispose.
 *
 * @example
 * const cv = await crossValidate({ createModel, x, y, k: 5, fitArgs: { epochs: 20 } });
 * console.log(`${cv.metric}: ${cv.mean.toFixed(3)} ± ${cv.std.toFixed(3)}`);
 */
export async function crossValidate(options: CrossValidateOptions): Promise<CrossValidationResult> {
  const { createModel, x, y, k = 5, shuffle = true, seed = 0, fitArgs = {}, metric, onFold } = options;
  if (typeof createModel !== 'function')
    throw new InputError('createModel', 'a function returning a compiled model', typeof createModel);
  for (const [name, t] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.isDisposed || t.rank < 1)
      throw new InputError(name, 'a live tensor of rank >= 1', String(t));
  }
  if (x.shape[0] !== y.shape[0]) throw new InputError('y', `${x.shape[0]} samples (as many as x)`, `${y.shape[0]}`);
  const folds = kFoldIndices(x.shape[0], k, { shuffle, seed });
  const results: FoldResult[] = [];
  let metricName = metric ? 'custom' : 'loss';
  for (let f = 0; f < folds.length; f++) {
    const { train, test } = folds[f];
    const trainIdx = tf.tensor1d(train, 'int32');
    const testIdx = tf.tensor1d(test, 'int32');
    const xTrain = tf.gather(x, trainIdx);
    const yTrain = tf.gather(y, trainIdx);
    const xTest = tf.gather(x, testIdx);
    const yTest = tf.gather(y, testIdx);
    tf.dispose([trainIdx, testIdx]);
    let model: tfl.LayersModel | undefined;
    try {
      model = await createModel(f);
      if (!model || typeof model.fit !== 'function')
        throw new InputError('createModel', 'to return a LayersModel', String(model));
      const history = await model.fit(xTrain, yTrain, { verbose: 0, ...fitArgs });
      const evaluation: Record<string, number> = {};
      let score: number;
      if (metric) {
        score = await metric(model, xTest, yTest);
        if (typeof score !== 'number') throw new InputError('metric', 'to return a number', typeof score);
      } else {
        const out = model.evaluate(xTest, yTest, { batchSize: fitArgs.batchSize });
        const list = Array.isArray(out) ? out : [out];
        const values = await Promise.all(list.map(async (t) => (await t.data())[0]));
        tf.dispose(list);
        model.metricsNames.forEach((name, i) => {
          evaluation[name] = values[i];
        });
        metricName = model.metricsNames.length > 1 ? model.metricsNames[1] : model.metricsNames[0];
        score = evaluation[metricName];
      }
      const result: FoldResult = {
        fold: f,
        trainSize: train.length,
        testSize: test.length,
        score,
        evaluation,
        history: history.history as Record<string, number[]>,
      };
      results.push(result);
      onFold?.(result);
    } finally {
      tf.dispose([xTrain, yTrain, xTest, yTest]);
      if (model) disposeModel(model);
    }
  }
  const scores = results.map((r) => r.score);
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / scores.length);
  return { metric: metricName, scores, mean, std, folds: results };
}
