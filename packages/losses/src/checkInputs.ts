import type * as tf from '@tensorflow/tfjs-core';
import { parseSegmentationInputs, validateValues } from './internal/inputs.js';
import type { SegmentationInputOptions } from './types.js';

/**
 * The checks of the losses' `validate` option, with an asynchronous read that works on every backend (WebGPU
 * in Node included): shapes and dtypes, `yTrue` class ids integers in [0, C) (or `ignoreIndex`) / masks in
 * [0, 1], and `yPred` probabilities in [0, 1] unless `fromLogits`. Throws an `InputError` naming the problem.
 * Run it once on a batch of the data pipeline instead of `validate: true` in every training step.
 */
export async function checkInputs(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: SegmentationInputOptions = {},
): Promise<void> {
  const p = parseSegmentationInputs('checkInputs', yTrue, yPred, options);
  await validateValues('checkInputs', yTrue, options.fromLogits ? null : yPred, p, options.ignoreIndex);
}
