import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of tfjs's `Conv3DBackpropInputV2` kernel (the kernel behind `tf.conv3dTranspose` and
 * tfjs-layers' `Conv3DTranspose`), which tfjs-core 4.22 lacks, so that 3-D transposed convolutions train (on
 * every backend: the gradient is built from `conv3d` and `conv3DBackpropFilter`, which all backends have).
 *
 * For `y = conv3dTranspose(dy, W)` (that is, `y = conv3DBackpropInput(shape, dy, W)`) and an upstream
 * gradient `g` of `y`: `dL/d dy = conv3d(g, W, strides, pad)` and
 * `dL/dW = conv3DBackpropFilter(g, dy, W.shape, strides, pad)` (kernel `Conv3DBackpropFilterV2`), the 3-D analogue of tfjs's own
 * `Conv2DBackpropInput` gradient.
 */
export const conv3DBackpropInputV2Grad: tf.GradConfig = {
  kernelName: 'Conv3DBackpropInputV2',
  inputsToSave: ['dy', 'filter'],
  gradFunc: (g: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const ddx = g as tf.Tensor5D;
    const [dy, filter] = saved as [tf.Tensor5D, tf.Tensor5D];
    const { strides, pad } = attrs as unknown as { strides: [number, number, number]; pad: 'valid' | 'same' };
    return {
      dy: () => tf.conv3d(ddx, filter, strides, pad),
      // conv3DBackpropFilter is not a public op in tfjs-core 4.22: run its kernel directly.
      filter: () =>
        tf
          .engine()
          .runKernel(
            'Conv3DBackpropFilterV2',
            { x: ddx, dy },
            { strides, pad, filterShape: filter.shape },
          ) as tf.Tensor5D,
    };
  },
};
