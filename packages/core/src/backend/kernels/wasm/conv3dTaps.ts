import * as tf from '@tensorflow/tfjs-core';

/** The attributes of the 3-D convolution backprop kernels (no dilations: 1). */
export interface Conv3DBackpropAttrs {
  strides: [number, number, number] | number;
  pad: 'valid' | 'same';
}

/**
 * Calls `visit(xOff, dyOff, tapOff)` for every pair of an input voxel x[b,d,h,w,:] and an output voxel
 * dy[b,p,q,r,:] of a 3-D convolution joined by filter tap (i,j,k): d = p*sd + i - front, h = q*sh + j - top,
 * w = r*sw + k - left inside the volume, with xOff = (((b*D + d)*H + h)*W + w)*C, dyOff the flat offset of
 * dy[b,p,q,r,0] and tapOff = ((i*kh + j)*kw + k)*C*O, the offset of filter[i,j,k,0,0].
 */
export function forEachTap3d(
  xShape: number[],
  filterShape: number[],
  attrs: Conv3DBackpropAttrs,
  visit: (xOff: number, dyOff: number, tapOff: number) => void,
): void {
  const info = tf.backend_util.computeConv3DInfo(
    xShape as [number, number, number, number, number],
    filterShape as [number, number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
  );
  const { batchSize, inDepth, inHeight, inWidth, inChannels, outDepth, outHeight, outWidth, outChannels } = info;
  const { filterDepth, filterHeight, filterWidth, strideDepth, strideHeight, strideWidth, padInfo } = info;
  const tapSize = inChannels * outChannels;
  for (let b = 0; b < batchSize; b++) {
    for (let p = 0; p < outDepth; p++) {
      for (let i = 0; i < filterDepth; i++) {
        const d = p * strideDepth + i - padInfo.front;
        if (d < 0 || d >= inDepth) continue;
        for (let q = 0; q < outHeight; q++) {
          for (let j = 0; j < filterHeight; j++) {
            const h = q * strideHeight + j - padInfo.top;
            if (h < 0 || h >= inHeight) continue;
            for (let r = 0; r < outWidth; r++) {
              const dyOff = (((b * outDepth + p) * outHeight + q) * outWidth + r) * outChannels;
              for (let k = 0; k < filterWidth; k++) {
                const w = r * strideWidth + k - padInfo.left;
                if (w < 0 || w >= inWidth) continue;
                const xOff = (((b * inDepth + d) * inHeight + h) * inWidth + w) * inChannels;
                visit(xOff, dyOff, ((i * filterHeight + j) * filterWidth + k) * tapSize);
              }
            }
          }
        }
      }
    }
  }
}
