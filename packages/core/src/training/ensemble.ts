import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors.js';

/** Anything that maps a batch to class scores `[n, c]`: a `LayersModel`, a `GraphModel`, a function wrapper. */
export interface Predictor {
  predict(x: tf.Tensor): tf.Tensor | tf.Tensor[];
}

/** Options of {@link ensemble}. */
export interface EnsembleOptions {
  /**
   * `'mean'` (default, soft voting): weighted mean of the members' probability outputs.
   * `'vote'` (hard voting): each member votes for its arg-max class with its weight.
   */
  method?: 'mean' | 'vote';
  /** One non-negative weight per model (not all zero). Default: all 1. */
  weights?: number[];
}

/** A prediction ensemble (see {@link ensemble}). */
export interface Ensemble {
  /** The members, in order. */
  readonly models: readonly Predictor[];
  /** How the members' outputs are combined. */
  readonly method: 'mean' | 'vote';
  /** Normalised weights (sum 1). */
  readonly weights: readonly number[];
  /**
   * `[n, c]` scores: for `'mean'` the weighted mean `sum_i w_i p_i` of the members' outputs; for `'vote'` the
   * weighted share of votes each class got. The caller disposes the result; nothing else is left allocated.
   */
  predict(x: tf.Tensor): tf.Tensor2D;
  /** Arg-max of {@link Ensemble.predict} as int32 `[n]`; a tie goes to the lowest class index. */
  predictClasses(x: tf.Tensor): tf.Tensor1D;
}

function single(out: tf.Tensor | tf.Tensor[], i: number): tf.Tensor2D {
  if (Array.isArray(out))
    throw new InputError(`ensemble: models[${i}].predict`, 'one output tensor', `${out.length} outputs`);
  if (out.rank !== 2)
    throw new InputError(`ensemble: models[${i}].predict`, 'scores of shape [n, numClasses]', `shape [${out.shape}]`);
  return out as tf.Tensor2D;
}

/**
 * Combines classifiers into one (Keras users build this by hand with `layers.average`; sklearn's
 * `VotingClassifier`). The members are only called, never disposed.
 *
 * @example
 * const e = ensemble([m1, m2, m3], { method: 'vote' });
 * const classes = e.predictClasses(xTest); // int32 [n]
 */
export function ensemble(models: Predictor[], options: EnsembleOptions = {}): Ensemble {
  if (!Array.isArray(models) || models.length === 0) {
    throw new InputError(
      'ensemble: models',
      'a non-empty array of models',
      Array.isArray(models) ? 'an empty array' : typeof models,
    );
  }
  models.forEach((m, i) => {
    if (!m || typeof m.predict !== 'function')
      throw new InputError(`ensemble: models[${i}]`, 'an object with predict(x)', typeof m);
  });
  const method = options.method ?? 'mean';
  if (method !== 'mean' && method !== 'vote')
    throw new InputError('ensemble: method', "'mean' or 'vote'", String(method));
  const raw = options.weights ?? models.map(() => 1);
  if (raw.length !== models.length)
    throw new InputError('ensemble: weights', `${models.length} weights (one per model)`, `${raw.length}`);
  if (raw.some((w) => !Number.isFinite(w) || w < 0))
    throw new InputError('ensemble: weights', 'finite numbers >= 0', `[${raw}]`);
  const total = raw.reduce((a, b) => a + b, 0);
  if (total <= 0) throw new InputError('ensemble: weights', 'at least one weight > 0', `[${raw}]`);
  const weights = raw.map((w) => w / total);

  const predict = (x: tf.Tensor): tf.Tensor2D =>
    tf.tidy(() => {
      const outs = models.map((m, i) => single(m.predict(x), i));
      const [n, c] = outs[0].shape;
      outs.forEach((o, i) => {
        if (o.shape[0] !== n || o.shape[1] !== c) {
          throw new InputError(`ensemble: models[${i}].predict`, `shape [${n},${c}] (as models[0])`, `[${o.shape}]`);
        }
      });
      const parts = outs.map((o, i) => {
        const scores = method === 'mean' ? tf.cast(o, 'float32') : tf.cast(tf.oneHot(tf.argMax(o, 1), c), 'float32');
        return tf.mul(scores, weights[i]);
      });
      return tf.addN(parts) as tf.Tensor2D;
    });

  return {
    models,
    method,
    weights,
    predict,
    predictClasses: (x) =>
      tf.tidy(() => {
        const scores = predict(x);
        return tf.argMax(scores, 1) as tf.Tensor1D;
      }),
  };
}
