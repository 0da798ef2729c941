import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '@tiefe/core';

/**
 * Which class to explain: one class index for the whole batch, one index per input, or `'predicted'` (the
 * arg-max of the model's logits, per input).
 */
export type Target = number | number[] | 'predicted';

/**
 * Resolves `target` (an option of the public function `fn`) into one class index per input, for a batch of n inputs and c classes; `logits` (only read
 * for 'predicted', asynchronously: WebGPU in Node cannot read synchronously) is a [n, c] tensor.
 */
export async function resolveTarget(
  fn: string,
  target: Target | undefined,
  n: number,
  c: number,
  logits: () => tf.Tensor2D,
): Promise<number[]> {
  const t = target ?? 'predicted';
  let out: number[];
  if (t === 'predicted') {
    const am = tf.tidy(() => tf.argMax(logits(), 1));
    out = Array.from(await am.data());
    am.dispose();
  } else if (typeof t === 'number') {
    out = new Array(n).fill(t);
  } else if (Array.isArray(t)) {
    if (t.length !== n)
      throw new InputError(`${fn}: target`, `an array of ${n} class indices (one per input)`, `${t.length}`);
    out = t;
  } else {
    throw new InputError(`${fn}: target`, "a class index, an array of class indices or 'predicted'", String(t));
  }
  for (const k of out) {
    if (!Number.isInteger(k) || k < 0 || k >= c)
      throw new InputError(`${fn}: target`, `class indices in [0, ${c})`, String(k));
  }
  return out;
}

/** A [N, C] float mask with a one at each input's target class. */
export function targetMask(classes: number[], numClasses: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), numClasses), 'float32') as tf.Tensor2D);
}
