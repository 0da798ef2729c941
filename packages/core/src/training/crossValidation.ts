import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../errors.js';
import { createRng } from '../random.js';
import { checkBoolean, checkInt, checkOptions, describeValue } from '../validate.js';

/** One train/test split of a {@link Splitter}. */
export interface Fold {
  /** Training sample indices, ascending. */
  train: number[];
  /** Held-out sample indices (for {@link kFold} with `shuffle`, in shuffled order; otherwise ascending). */
  test: number[];
}

/**
 * Cuts `n` samples into train/test folds: what {@link crossValidate} takes, like sklearn's `cv` splitters.
 * {@link kFold} and {@link stratifiedKFold} are two; a grouped or time-series split is any object with this
 * `split`. Splitters that need the samples' labels or groups take them when created.
 */
export interface Splitter {
  /** The folds of `n` samples, in fold order. */
  split(n: number): Fold[];
}

/** Options of {@link kFold} and {@link stratifiedKFold}. */
export interface KFoldOptions {
  /** Number of folds, >= 2. Default 5. */
  k?: number;
  /** Shuffle before cutting the folds. Default false (like sklearn). */
  shuffle?: boolean;
  /** Seed of the shuffle (mulberry32, see `createRng`). Default 0. */
  seed?: number;
}

function checkKFoldOptions(fn: string, options: KFoldOptions): Required<KFoldOptions> {
  const o = checkOptions(`${fn}: options`, options);
  return {
    k: checkInt(`${fn}: k`, o.k ?? 5, 2),
    shuffle: checkBoolean(`${fn}: shuffle`, o.shuffle ?? false),
    seed: checkInt(`${fn}: seed`, o.seed ?? 0, 0),
  };
}

/** Folds from the test part of each fold; train is the ascending complement. */
function complementFolds(n: number, tests: number[][]): Fold[] {
  return tests.map((test) => {
    const held = new Uint8Array(n);
    for (const i of test) held[i] = 1;
    const train: number[] = [];
    for (let i = 0; i < n; i++) if (!held[i]) train.push(i);
    return { train, test };
  });
}

/**
 * k-fold cross-validation, sklearn's `KFold(n_splits=k, shuffle, random_state=seed)`: the (optionally
 * shuffled) indices `0..n-1` are cut into `k` contiguous test folds; the first `n % k` folds get
 * `floor(n / k) + 1` samples, the rest `floor(n / k)`. Every index is in exactly one test fold; each fold's
 * training set is all other indices. Pure: no tensors.
 *
 * @example
 * kFold({ k: 2 }).split(5); // [{ test: [0, 1, 2], train: [3, 4] }, { test: [3, 4], train: [0, 1, 2] }]
 */
export function kFold(options: KFoldOptions = {}): Splitter {
  const { k, shuffle, seed } = checkKFoldOptions('kFold', options);
  return {
    split(n: number): Fold[] {
      checkInt('kFold.split: n', n, k);
      const order = Array.from({ length: n }, (_, i) => i);
      if (shuffle) createRng(seed).shuffle(order);
      const tests: number[][] = [];
      let start = 0;
      for (let f = 0; f < k; f++) {
        const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
        tests.push(order.slice(start, start + size));
        start += size;
      }
      return complementFolds(n, tests);
    },
  };
}

/**
 * Stratified k-fold, sklearn's `StratifiedKFold(n_splits=k, shuffle, random_state=seed)` rule: the labels,
 * sorted, are dealt to the folds in turn, which fixes how many samples of each class every fold holds out
 * (fold sizes as in {@link kFold}, each class spread as evenly as integers allow); within a class, samples go
 * to folds in index order, or shuffled with `shuffle`. Test folds are ascending.
 *
 * @param labels Class id of each sample (integers; one-hot labels: their argmax).
 * @example
 * await crossValidate({ createModel, x, y, splitter: stratifiedKFold(labels, { k: 5, shuffle: true }) });
 */
export function stratifiedKFold(labels: ArrayLike<number>, options: KFoldOptions = {}): Splitter {
  const fn = 'stratifiedKFold';
  const { k, shuffle, seed } = checkKFoldOptions(fn, options);
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new InputError(`${fn}: labels`, 'an array of integer class ids', describeValue(labels));
  }
  const ids = Array.from(labels, (v, i) => checkInt(`${fn}: labels[${i}]`, v, Number.MIN_SAFE_INTEGER));
  // Classes in order of first appearance, as sklearn encodes them.
  const code = new Map<number, number>();
  for (const v of ids) if (!code.has(v)) code.set(v, code.size);
  const encoded = ids.map((v) => code.get(v) as number);
  const classes = code.size;
  const perClass = new Array<number>(classes).fill(0);
  for (const c of encoded) perClass[c]++;
  if (ids.length >= k && Math.max(...perClass) < k) {
    throw new InputError(`${fn}: k`, `at most ${Math.max(...perClass)} (the size of the largest class)`, `${k}`);
  }
  return {
    split(n: number): Fold[] {
      checkInt(`${fn}.split: n`, n, k);
      if (n !== ids.length) throw new InputError(`${fn}.split: n`, `${ids.length} (one label per sample)`, `${n}`);
      // allocation[f][c]: samples of class c that fold f holds out, from dealing the sorted labels in turn.
      const sorted = [...encoded].sort((a, b) => a - b);
      const allocation = Array.from({ length: k }, () => new Array<number>(classes).fill(0));
      sorted.forEach((c, i) => {
        allocation[i % k][c]++;
      });
      const rng = createRng(seed);
      const foldOf = new Array<number>(n);
      for (let c = 0; c < classes; c++) {
        const folds: number[] = [];
        for (let f = 0; f < k; f++) for (let j = 0; j < allocation[f][c]; j++) folds.push(f);
        if (shuffle) rng.shuffle(folds);
        let next = 0;
        for (let i = 0; i < n; i++) if (encoded[i] === c) foldOf[i] = folds[next++];
      }
      const tests = Array.from({ length: k }, () => [] as number[]);
      for (let i = 0; i < n; i++) tests[foldOf[i]].push(i);
      return complementFolds(n, tests);
    },
  };
}

/** Checks what a splitter returned: every fold's indices integers in [0, n), disjoint, and non-empty. */
function checkFolds(folds: unknown, n: number): Fold[] {
  const name = 'crossValidate: splitter';
  if (!Array.isArray(folds) || folds.length === 0) {
    throw new InputError(name, 'split(n) to return a non-empty array of { train, test } folds', describeValue(folds));
  }
  folds.forEach((f: Fold, i) => {
    const ok = (part: unknown): part is number[] =>
      Array.isArray(part) && part.length > 0 && part.every((j) => Number.isInteger(j) && j >= 0 && j < n);
    if (!f || !ok(f.train) || !ok(f.test)) {
      throw new InputError(name, `fold ${i} with non-empty train and test index arrays in [0, ${n})`, describeValue(f));
    }
    const held = new Set(f.test);
    if (f.train.some((j) => held.has(j)))
      throw new InputError(name, `fold ${i} with disjoint train and test`, 'overlap');
  });
  return folds as Fold[];
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
  /**
   * How the samples are cut into folds. Default `kFold({ k: 5, shuffle: true })` (shuffled: sorted data sets
   * would otherwise give skewed folds). E.g. `stratifiedKFold(labels, { k: 10, shuffle: true, seed: 1 })`.
   */
  splitter?: Splitter;
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
 * Cross-validation over a model factory (scikit-learn's `cross_validate` for Keras-style models): for each
 * fold of `splitter`, `createModel(fold)`, `fit` on the other folds, score on the fold, dispose.
 *
 * @example
 * const cv = await crossValidate({ createModel, x, y, splitter: kFold({ k: 5, shuffle: true }), fitArgs: { epochs: 20 } });
 * console.log(`${cv.metric}: ${cv.mean.toFixed(3)} ± ${cv.std.toFixed(3)}`);
 */
export async function crossValidate(options: CrossValidateOptions): Promise<CrossValidationResult> {
  const { createModel, x, y, splitter = kFold({ k: 5, shuffle: true }), fitArgs = {}, metric, onFold } = options;
  if (typeof createModel !== 'function')
    throw new InputError('crossValidate: createModel', 'a function returning a compiled model', typeof createModel);
  for (const [name, t] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.isDisposed || t.rank < 1)
      throw new InputError(`crossValidate: ${name}`, 'a live tensor of rank >= 1', describeValue(t));
  }
  if (x.shape[0] !== y.shape[0])
    throw new InputError('crossValidate: y', `${x.shape[0]} samples (as many as x)`, `${y.shape[0]}`);
  if (!splitter || typeof splitter.split !== 'function') {
    throw new InputError(
      'crossValidate: splitter',
      'an object with split(n) (kFold, stratifiedKFold, ...)',
      describeValue(splitter),
    );
  }
  const folds = checkFolds(splitter.split(x.shape[0]), x.shape[0]);
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
        throw new InputError('crossValidate: createModel', 'to return a LayersModel', String(model));
      const history = await model.fit(xTrain, yTrain, { verbose: 0, ...fitArgs });
      const evaluation: Record<string, number> = {};
      let score: number;
      if (metric) {
        score = await metric(model, xTest, yTest);
        if (typeof score !== 'number')
          throw new InputError('crossValidate: metric', 'to return a number', typeof score);
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
