import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of `Elu` (alpha 1): `dy` where x > 0, else `dy * exp(x)`, written with differentiable ops.
 * tfjs-core's runs the `EluGrad` kernel, which has no gradient, so a gradient of a gradient through ELU threw
 * "gradient function not found for EluGrad" (checked against finite differences in core's secondDerivatives test).
 */
export const eluGrad: tf.GradConfig = {
  kernelName: tf.Elu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    // exp of min(x, 0): the unused branch of `where` stays finite for large x
    return { x: () => tf.where(tf.greater(x, 0), dy as tf.Tensor, tf.mul(dy as tf.Tensor, tf.exp(tf.minimum(x, 0)))) };
  },
};
