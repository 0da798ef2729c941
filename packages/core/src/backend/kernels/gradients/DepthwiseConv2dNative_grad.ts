import * as tf from '@tensorflow/tfjs-core';
import { atTaps, type ConvAttrs, dilateFilter, pair, run } from './dilation.js';

/**
 * The gradient of `DepthwiseConv2dNative` for any dilation (tfjs's throws for dilation > 1 and is otherwise the
 * same): the dilation-1 gradient kernels on the zero-stuffed filter, see dilation.ts.
 */
export const depthwiseConv2dGrad: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNative,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dimRoundingMode, dilations } = attrs as unknown as ConvAttrs;
    const d = pair(dilations);
    const w = dilateFilter(filter, d);
    const common = { strides, pad, dimRoundingMode, dilations: [1, 1] };
    return {
      x: () =>
        run(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy: dy as tf.Tensor, filter: w },
          { ...common, inputShape: x.shape },
        ),
      filter: () =>
        atTaps(
          run(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy: dy as tf.Tensor }, { ...common, filterShape: w.shape }),
          d,
        ),
    };
  },
};
