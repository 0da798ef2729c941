import * as tf from '@tensorflow/tfjs-core';

/**
 * log(sigmoid(x)) = -softplus(-x): stable for large |x| (tfjs's softplus switches to x / exp(x) at the float32
 * limits) and with the exact gradient sigmoid(-x) everywhere. Not `tf.logSigmoid`: its customGrad fails inside
 * `tf.grad` when called within a `tf.tidy` (the backward pass reads a tensor the tidy already disposed).
 */
export function logSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(tf.neg(x)));
}
