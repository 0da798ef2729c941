import { InputError } from '../errors.js';
import { checkSameLength, type LabelInput, toLabels, toScores } from './labels.js';

/**
 * Top-k error (ImageNet's "top-5 error"): the fraction of samples whose true class is NOT among the `k`
 * highest-scoring classes. `1 - topKError(..., 1)` is the accuracy.
 *
 * `yTrue`: class indices `[n]` or one-hot `[n, c]`; `yPred`: scores `[n, c]` (probabilities or logits).
 * Ties are broken like a stable sort (and `tf.topk`): among equal scores the lower class index ranks first,
 * so the true class `t` is in the top k iff `#{j : s_j > s_t} + #{j < t : s_j = s_t} < k`.
 * With `k >= c` the error is 0.
 *
 * @param k number of guesses, an integer >= 1 (default 5).
 */
export async function topKError(yTrue: LabelInput, yPred: LabelInput, k = 5): Promise<number> {
  if (!Number.isInteger(k) || k < 1) throw new InputError('topKError: k', 'an integer >= 1', String(k));
  const t = await toLabels(yTrue, 'topKError: yTrue', 'true');
  const { values, rows, width } = await toScores(yPred, 'topKError: yPred');
  checkSameLength('topKError', t, { length: rows });
  let misses = 0;
  for (let i = 0; i < rows; i++) {
    const label = t[i];
    if (label >= width)
      throw new InputError(
        'topKError: yTrue',
        `class indices < ${width} (the width of yPred)`,
        `${label} at index ${i}`,
      );
    const s = values[i * width + label];
    let rank = 0;
    for (let j = 0; j < width; j++) {
      const v = values[i * width + j];
      if (v > s || (v === s && j < label)) rank++;
    }
    if (rank >= k) misses++;
  }
  return misses / rows;
}
