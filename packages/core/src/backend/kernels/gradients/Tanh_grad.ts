import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of `Tanh`, `dy * (1 - tanh(x)^2)`, computed from the input. tfjs-core's uses the saved output y,
 * and tfjs records the copy of a saved output on the tape before the op that produced it, so a gradient of that
 * gradient never reaches x through y: d/dx of grad(tanh(x) * x) came out 0.51 where finite differences give
 * -0.06 at x = -1.3 (silently wrong), and grad of grad of tanh alone threw. Recomputing tanh(x) here keeps every
 * order connected (WGAN-GP's gradient penalty on a tanh network; checked against finite differences in
 * core's secondDerivatives test). The cost: one tanh per backward pass.
 */
export const tanhGrad: tf.GradConfig = {
  kernelName: tf.Tanh,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(tf.tanh(x)))) };
  },
};
