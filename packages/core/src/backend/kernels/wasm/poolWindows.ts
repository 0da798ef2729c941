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
 * Calls `visit(b, p, q, rMin, rMax, cMin, cMax)` for every output pixel (b,p,q) of a 2-D pooling with its
 * window clipped to the image: rows rMin..rMax-1 and columns cMin..cMax-1 (stepped by the dilation), which
 * may be empty. The pooling gradient kernels run their channel loops inside it.
 */
export function forEachWindow(
  info: tf.backend_util.Conv2DInfo,
  visit: (b: number, p: number, q: number, rMin: number, rMax: number, cMin: number, cMax: number) => void,
): void {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth } = info;
  for (let b = 0; b < batchSize; b++) {
    for (let p = 0; p < outHeight; p++) {
      const r0 = p * strideHeight - info.padInfo.top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(inHeight, r0 + effectiveFilterHeight);
      for (let q = 0; q < outWidth; q++) {
        const c0 = q * strideWidth - info.padInfo.left;
        visit(b, p, q, rMin, rMax, Math.max(0, c0), Math.min(inWidth, c0 + effectiveFilterWidth));
      }
    }
  }
}
