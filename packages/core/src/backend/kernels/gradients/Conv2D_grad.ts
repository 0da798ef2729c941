import * as tf from '@tensorflow/tfjs-core';
import { atTaps, type ConvAttrs, dilateFilter, pair, run } from './dilation.js';

/**
 * The gradient of `Conv2D` for any dilation (tfjs's throws for dilation > 1 and is otherwise the same): the
 * dilation-1 gradient kernels on the zero-stuffed filter, see dilation.ts.
 */
export const conv2dGrad: tf.GradConfig = {
  kernelName: tf.Conv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dataFormat = 'NHWC', dimRoundingMode, dilations } = attrs as unknown as ConvAttrs;
    const d = pair(dilations);
    const w = dilateFilter(filter, d);
    const common = { strides, pad, dataFormat, dimRoundingMode };
    return {
      x: () => run(tf.Conv2DBackpropInput, { dy: dy as tf.Tensor, filter: w }, { ...common, inputShape: x.shape }),
      filter: () =>
        atTaps(run(tf.Conv2DBackpropFilter, { x, dy: dy as tf.Tensor }, { ...common, filterShape: w.shape }), d),
    };
  },
};
