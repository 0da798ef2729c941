import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type Baseline, baselineRows, checkBaseline, type TargetOptions } from './gradients.js';
import type { NonlinearityHook } from './model/plan.js';
import { withPrepared } from './model/prepare.js';

/** Options of {@link deepLift}. */
export interface DeepLiftOptions extends TargetOptions {
  /** Reference input: a number for every element or a tensor of one input's shape or x's shape (default 0). */
  baseline?: Baseline;
}

/** Below this |z - z_ref| the rescale multiplier falls back to the derivative (0/0 otherwise). */
const TIE = 1e-6;

/**
 * The rescale rule for a batch that stacks the inputs over their references ([x; x_ref], 2N rows): the value is
 * the activation itself, the backward multiplier is m = (f(z) - f(z_ref)) / (z - z_ref) for both halves, with
 * the central-difference derivative of f where z ~ z_ref.
 */
const rescaleHook: NonlinearityHook = (_name, z, fn) =>
  tf.customGrad((input, save) => {
    const zz = input as tf.Tensor;
    const y = fn(zz);
    const [zx, zr] = tf.split(zz, 2, 0);
    const [yx, yr] = tf.split(y, 2, 0);
    const dz = tf.sub(zx, zr);
    const h = 1e-3;
    const slope = tf.div(tf.sub(fn(tf.add(zx, h)), fn(tf.sub(zx, h))), 2 * h);
    const far = tf.greater(tf.abs(dz), TIE);
    const m = tf.where(far, tf.div(tf.sub(yx, yr), tf.where(far, dz, tf.onesLike(dz))), slope);
    // Tensors made here are freed after the forward pass unless saved.
    (save as tf.GradSaveFunc)([tf.concat([m, m], 0)]);
    return { value: y, gradFunc: (dy: tf.Tensor, [both]: tf.Tensor[]) => tf.mul(dy, both) };
  })(z);

/**
 * DeepLIFT with the rescale rule (Shrikumar et al. 2017): attribution (x - x_ref) * m, where the multipliers m are
 * backpropagated with every elementwise activation's derivative replaced by (f(z) - f(z_ref)) / (z - z_ref),
 * z_ref the activation's input on the reference. Summation-to-delta: sum of the map = f_c(x) - f_c(x_ref) exactly
 * for networks of linear layers (Dense, convolutions, BatchNorm, pooling by averaging, Add, Concatenate, reshapes)
 * and elementwise activations; other layers (max pooling, recurrent layers) pass their gradient. Same shape as x.
 */
export async function deepLift(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: DeepLiftOptions = {},
): Promise<tf.Tensor> {
  return withPrepared('deepLift', model, x, options.target, (p) => {
    const base = checkBaseline('deepLift', options.baseline ?? 0, x);
    return tf.tidy(() => {
      const n = x.shape[0];
      const ref = baselineRows(base, x, 0, n);
      const rows = Array.from({ length: 2 * n }, (_, i) => i % n);
      const grad = tf.grad((xx: tf.Tensor) => tf.sum(tf.slice(p.score(xx, rows, { nonlinearity: rescaleHook }), 0, n)))(
        tf.concat([x, ref], 0),
      );
      return tf.mul(tf.sub(x, ref), tf.slice(grad, 0, n));
    });
  });
}
