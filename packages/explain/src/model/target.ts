import * as tf from '@tensorflow/tfjs-core';
import { describeValue, InputError } from '@tiefe/core';

/**
 * Which output to explain.
 * - Classifiers (`[N, classes]` output): a class index for the whole batch, one index per input, or
 *   `'predicted'` (the arg-max of the logits, per input).
 * - Segmentation and sequence-labelling models (`[N, H, W, classes]`, `[N, D, H, W, classes]` or
 *   `[N, T, classes]` output): the same, meaning the class's logits summed over every output position (captum's
 *   custom-forward idiom), or an {@link OutputTarget} that restricts the sum to one pixel (one step `[t]`) or
 *   weights it with a mask.
 */
export type Target = number | number[] | 'predicted' | OutputTarget;

/** A class at one output pixel or summed over a region of a segmentation output. */
export interface OutputTarget {
  /** The class: one index, one index per input, or 'predicted' (largest summed logit inside the region). */
  class: number | number[] | 'predicted';
  /** One output position, its spatial indices (`[row, col]`, or `[depth, row, col]`). */
  pixel?: number[];
  /** Weights of the output positions (1 inside the region, 0 outside): shape [H, W] or [N, H, W] (3-D: with D). */
  mask?: tf.Tensor;
}

/** The explained score of input n is sum(logits_n * mask_n): `mask` has the output's shape [N, ...]. */
export interface Selection {
  /** The class of every input. */
  classes: number[];
  /** Weights over the output, same shape as the logits; the caller disposes it. */
  mask: tf.Tensor;
}

/**
 * Output shapes every method explains: [N, classes], [N, T, classes] (a label per step of a sequence),
 * [N, H, W, classes], [N, D, H, W, classes].
 */
export function checkOutputShape(fn: string, shape: (number | null)[]): void {
  if (![2, 3, 4, 5].includes(shape.length) || shape.slice(1).some((d) => d == null)) {
    throw new InputError(
      `${fn}: model`,
      'an output of shape [N, classes], [N, T, classes], [N, H, W, classes] or [N, D, H, W, classes] (fixed sizes)',
      `[${shape}]`,
    );
  }
}

/**
 * Resolves `target` (an option of the public function `fn`) for a batch of `n` inputs whose logits have the
 * sample shape `outShape` ([C] or [...spatial, C]); `logits` (only evaluated for 'predicted', and read
 * asynchronously: WebGPU in Node cannot read synchronously) computes the [n, ...outShape] logits.
 */
export async function selectTarget(
  fn: string,
  target: Target | undefined,
  n: number,
  outShape: number[],
  logits: () => tf.Tensor,
): Promise<Selection> {
  const spatial = outShape.slice(0, -1);
  const c = outShape[outShape.length - 1];
  const t = target ?? 'predicted';
  const region = typeof t === 'object' && !Array.isArray(t) ? t : null;
  if (region && spatial.length === 0) {
    throw new InputError(`${fn}: target`, 'a class index, an array of class indices or a classifier', describeValue(t));
  }
  const weights = region ? regionWeights(fn, region, n, spatial) : null; // [n or 1, ...spatial, 1]
  const cls = region ? region.class : (t as number | number[] | 'predicted');
  try {
    let classes: number[];
    if (cls === 'predicted') {
      const am = tf.tidy(() => {
        let z = logits();
        if (weights) z = tf.mul(z, weights);
        if (spatial.length)
          z = tf.sum(
            z,
            spatial.map((_, i) => i + 1),
          );
        return tf.argMax(z, 1);
      });
      classes = Array.from(await am.data());
      am.dispose();
    } else if (typeof cls === 'number') classes = new Array(n).fill(cls);
    else if (Array.isArray(cls)) {
      if (cls.length !== n)
        throw new InputError(`${fn}: target`, `an array of ${n} class indices (one per input)`, `${cls.length}`);
      classes = cls;
    } else {
      throw new InputError(`${fn}: target`, "a class index, an array of class indices or 'predicted'", String(cls));
    }
    for (const k of classes) {
      if (!Number.isInteger(k) || k < 0 || k >= c)
        throw new InputError(`${fn}: target`, `class indices in [0, ${c})`, String(k));
    }
    const mask = tf.tidy(() => {
      // A single output (a regression model): tf.oneHot refuses depth 1, and the mask is all ones anyway.
      const hot = c === 1 ? tf.ones([n, 1]) : tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), c), 'float32');
      const m = tf.reshape(hot, [n, ...spatial.map(() => 1), c]);
      return weights ? tf.mul(m, weights) : tf.mul(m, tf.ones([n, ...spatial, 1]));
    });
    return { classes, mask };
  } finally {
    weights?.dispose();
  }
}

/** The region of an {@link OutputTarget} as weights [n or 1, ...spatial, 1]. */
function regionWeights(fn: string, t: OutputTarget, n: number, spatial: number[]): tf.Tensor {
  const name = `${fn}: target`;
  if (t.pixel !== undefined && t.mask !== undefined) throw new InputError(name, 'a pixel or a mask, not both', 'both');
  if (t.pixel !== undefined) {
    const p = t.pixel;
    const ok =
      Array.isArray(p) &&
      p.length === spatial.length &&
      p.every((v, i) => Number.isInteger(v) && v >= 0 && v < spatial[i]);
    if (!ok)
      throw new InputError(`${fn}: target.pixel`, `${spatial.length} indices inside [${spatial}]`, describeValue(p));
    const w = new Float32Array(spatial.reduce((a, b) => a * b, 1));
    w[p.reduce((acc, v, i) => acc * spatial[i] + v, 0)] = 1;
    return tf.tensor(w, [1, ...spatial, 1]);
  }
  if (t.mask !== undefined) {
    const m = t.mask;
    const s = m?.shape ?? [];
    const ok =
      m instanceof tf.Tensor &&
      !m.isDisposed &&
      (s.join() === spatial.join() ||
        (s.length === spatial.length + 1 && s[0] === n && s.slice(1).join() === spatial.join()));
    if (!ok)
      throw new InputError(
        `${fn}: target.mask`,
        `a tensor of shape [${spatial}] or [${n},${spatial}]`,
        describeValue(m),
      );
    return tf.tidy(() => tf.reshape(tf.cast(m, 'float32'), [s.length === spatial.length ? 1 : n, ...spatial, 1]));
  }
  return tf.ones([1, ...spatial, 1]);
}
