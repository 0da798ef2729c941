import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of `Greater` (`a > b`): zero for both inputs, as for every comparison (a step function, flat
 * almost everywhere; TensorFlow's `Greater` has no gradient and contributes none). tfjs-core registers none, so a
 * gradient of a gradient through LeakyReLU (whose backward pass is `where(x > 0, dy, alpha * dy)`) threw
 * "gradient function not found for Greater": WGAN-GP's gradient penalty on a LeakyReLU critic
 * (@tiefe/generative, checked against finite differences there).
 */
export const greaterGrad: tf.GradConfig = {
  kernelName: tf.Greater,
  inputsToSave: ['a', 'b'],
  gradFunc: (_dy, saved) => {
    const [a, b] = saved;
    return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
  },
};
