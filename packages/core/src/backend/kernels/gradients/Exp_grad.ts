import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of `Exp`, `dy * exp(x)` recomputed from the input. tfjs-core's multiplies by the saved output,
 * whose tape copy is recorded before the op itself, so the second derivative of exp threw "Cannot compute
 * gradient" (see `Tanh_grad.ts`; checked in core's secondDerivatives test).
 */
export const expGrad: tf.GradConfig = {
  kernelName: tf.Exp,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => tf.mul(dy as tf.Tensor, tf.exp(x)) };
  },
};
