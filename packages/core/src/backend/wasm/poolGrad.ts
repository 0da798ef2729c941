import * as tf from '@tensorflow/tfjs-core';
import { f32, type WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `MaxPoolGrad`: dx[argmax of each window] += dy, the argmax taken over the forward input like the cpu
 * backend does: the first greatest value in row-major window order. (Only a window whose first pixel is NaN, or
 * whose pixels are all -Infinity, differs: cpu passes no gradient there, this kernel gives it to the first pixel.)
 * One pass over the windows with channels innermost, so it runs at memory speed.
 */
export function maxPoolGrad({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { dy, input } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const dx = backend.makeOutput(input.shape, 'float32');
  const dxv = f32(backend, dx);
  const xv = f32(backend, input);
  const dyv = f32(backend, dy);
  dxv.fill(0);
  const best = new Float32Array(ch);
  const at = new Int32Array(ch);
  for (let b = 0; b < batchSize; b++) {
    for (let p = 0; p < outHeight; p++) {
      const r0 = p * strideHeight - info.padInfo.top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(inHeight, r0 + effectiveFilterHeight);
      for (let q = 0; q < outWidth; q++) {
        const c0 = q * strideWidth - info.padInfo.left;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(inWidth, c0 + effectiveFilterWidth);
        if (rMin >= rMax || cMin >= cMax) continue;
        // Start from the window's first pixel; later pixels win only when strictly greater (cpu's tie rule).
        const first = ((b * inHeight + rMin) * inWidth + cMin) * ch;
        for (let k = 0; k < ch; k++) {
          best[k] = xv[first + k];
          at[k] = first + k;
        }
        for (let r = rMin; r < rMax; r += dilationHeight) {
          for (let c = r === rMin ? cMin + dilationWidth : cMin; c < cMax; c += dilationWidth) {
            const off = ((b * inHeight + r) * inWidth + c) * ch;
            for (let k = 0; k < ch; k++) {
              const v = xv[off + k];
              if (v > best[k]) {
                best[k] = v;
                at[k] = off + k;
              }
            }
          }
        }
        const dyOff = ((b * outHeight + p) * outWidth + q) * ch;
        for (let k = 0; k < ch; k++) dxv[at[k]] += dyv[dyOff + k];
      }
    }
  }
  return dx;
}

/**
 * Kernel `AvgPoolGrad`: each dy value spread evenly over its window, dx[b,h,w,c] += dy[b,p,q,c] / (fh*fw) for the
 * window's pixels inside the image (divided by the full window size, as tfjs's cpu and WebGL backends do).
 */
export function avgPoolGrad({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { dy, input } = inputs;
  const { filterSize, strides, pad } = attrs as unknown as tf.AvgPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
  );
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const scale = 1 / (info.filterHeight * info.filterWidth);
  const dx = backend.makeOutput(input.shape, 'float32');
  const dxv = f32(backend, dx);
  const dyv = f32(backend, dy);
  dxv.fill(0);
  const g = new Float32Array(ch);
  for (let b = 0; b < batchSize; b++) {
    for (let p = 0; p < outHeight; p++) {
      const r0 = p * strideHeight - info.padInfo.top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(inHeight, r0 + effectiveFilterHeight);
      for (let q = 0; q < outWidth; q++) {
        const c0 = q * strideWidth - info.padInfo.left;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(inWidth, c0 + effectiveFilterWidth);
        const dyOff = ((b * outHeight + p) * outWidth + q) * ch;
        for (let k = 0; k < ch; k++) g[k] = dyv[dyOff + k] * scale;
        for (let r = rMin; r < rMax; r += dilationHeight) {
          for (let c = cMin; c < cMax; c += dilationWidth) {
            const off = ((b * inHeight + r) * inWidth + c) * ch;
            for (let k = 0; k < ch; k++) dxv[off + k] += g[k];
          }
        }
      }
    }
  }
  return dx;
}
