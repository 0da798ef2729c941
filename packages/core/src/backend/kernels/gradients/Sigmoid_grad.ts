import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of `Sigmoid`, `dy * s (1 - s)` with `s = sigmoid(x)` recomputed from the input. tfjs-core's uses
 * the saved output, whose tape copy is recorded before the op itself, so second derivatives lost the path
 * through it: d/dx of grad(sigmoid(x) * x) was 0.34 where finite differences give 0.21 at x = -1.3 (see
 * `Tanh_grad.ts`; checked in core's secondDerivatives test).
 */
export const sigmoidGrad: tf.GradConfig = {
  kernelName: tf.Sigmoid,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return {
      x: () => {
        const s = tf.sigmoid(x);
        return tf.mul(dy as tf.Tensor, tf.mul(s, tf.sub(1, s)));
      },
    };
  },
};
