import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of `Mean`: dy / n broadcast back over the reduced axes, one Tile of the small dy. tfjs-core's
 * multiplies dy by a tensor of ones of x's shape and divides the result (three full-size ops); batch norm in
 * training takes two means of every activation (on webgpu, volumes' ranks 5 and 6 tile with core's Tile kernel).
 */
export const meanGrad: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { axis } = attrs as unknown as tf.MeanAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const count = axes.reduce((n, a) => n * x.shape[a], 1);
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return {
      x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, kept), count), x.shape),
    };
  },
};
