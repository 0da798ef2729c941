import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of `Mean`: dy / n broadcast back over the reduced axes, one Tile of the small dy. tfjs-core's
 * multiplies dy by a tensor of ones of x's shape and divides the result (three full-size ops); batch norm in
 * training takes two means of every activation. Above rank 4 the division still comes first but the broadcast
 * is a product with ones, as in tfjs-core: tfjs-backend-webgpu's Tile reads rank-5 tensors back to the CPU.
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
      x: () => {
        const share = tf.div(tf.reshape(dy as tf.Tensor, kept), count);
        return x.rank <= 4 ? tf.broadcastTo(share, x.shape) : tf.mul(share, tf.ones(x.shape));
      },
    };
  },
};
