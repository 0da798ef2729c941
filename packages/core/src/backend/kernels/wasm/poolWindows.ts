import * as tf from '@tensorflow/tfjs-core';

/** tfjs's geometry of a 2-D pooling of `input` with the attributes of MaxPoolGrad / AvgPoolGrad. */
export function poolInfo(input: tf.TensorInfo, attrs: tf.NamedAttrMap | undefined): tf.backend_util.Conv2DInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  return tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
}

/**
 * The geometry of a 2-D pooling as the SIMD pooling kernels take it (assembly/kernels.ts), in their order: batch,
 * input height, width, channels, output height, width, strides, top and left padding, effective window size
 * (dilation included), dilations. The kernels clip each window to the image.
 */
export function poolGeometry(info: tf.backend_util.Conv2DInfo) {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.effectiveFilterHeight,
    info.effectiveFilterWidth,
    info.dilationHeight,
    info.dilationWidth,
  ] as const;
}
