import { checkSameLength, type LabelInput, type LabelOptions, toLabels } from './labels.js';

/**
 * Fraction of samples whose predicted class equals the true class: `mean(argmax(yPred) == yTrue)`.
 *
 * `yTrue`: class indices `[n]` or one-hot `[n, c]`. `yPred`: class indices `[n]`, probabilities or logits
 * `[n, c]` (arg-max, no softmax needed), or binary scores `[n]` / `[n, 1]` cut at `threshold` (default 0.5).
 * Tensors are only read, never disposed; nothing is left allocated. Async because reading a WebGPU tensor is.
 *
 * @example
 * await accuracy([0, 1, 2, 2], tf.tensor2d([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.5, 0.4, 0.1]])); // 0.75
 */
export async function accuracy(yTrue: LabelInput, yPred: LabelInput, options: LabelOptions = {}): Promise<number> {
  const t = await toLabels(yTrue, 'accuracy: yTrue', 'true');
  const p = await toLabels(yPred, 'accuracy: yPred', 'pred', options);
  checkSameLength('accuracy', t, p);
  let correct = 0;
  for (let i = 0; i < t.length; i++) if (t[i] === p[i]) correct++;
  return correct / t.length;
}
