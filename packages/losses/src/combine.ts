import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '@tiefe/core';
import { named } from './internal/inputs.js';
import type { LossFn } from './types.js';

/** One term of {@link combineLosses}: a loss and its weight. */
export interface WeightedLoss {
  loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;
  /** Default 1. */
  weight?: number;
}

/**
 * A weighted sum of losses, `L = sum_i w_i L_i(yTrue, yPred)`, e.g. Dice + cross-entropy or Dice + focal:
 *
 * @example
 * const loss = combineLosses([{ loss: diceLoss() }, { loss: categoricalCrossentropy(), weight: 0.5 }]);
 * model.compile({ optimizer: 'adam', loss });
 *
 * The name is the terms' names joined, e.g. `'diceLoss+0.5*categoricalCrossentropy'`.
 */
export function combineLosses(terms: readonly WeightedLoss[]): LossFn {
  if (!Array.isArray(terms) || terms.length === 0) {
    throw new InputError('combineLosses: terms', 'a non-empty array of { loss, weight }', `${terms}`);
  }
  terms.forEach((t, i) => {
    if (typeof t?.loss !== 'function')
      throw new InputError(`combineLosses: terms[${i}].loss`, 'a function', typeof t?.loss);
    const w = t.weight ?? 1;
    if (!Number.isFinite(w)) throw new InputError(`combineLosses: terms[${i}].weight`, 'a finite number', `${w}`);
  });
  const name = terms.map((t) => ((t.weight ?? 1) === 1 ? '' : `${t.weight}*`) + (t.loss.name || 'loss')).join('+');
  return named(
    name,
    (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
      tf.tidy(() => tf.addN(terms.map((t) => tf.mul(t.loss(yTrue, yPred), t.weight ?? 1))) as tf.Scalar),
  );
}
