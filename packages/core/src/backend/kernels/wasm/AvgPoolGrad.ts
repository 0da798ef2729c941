import type * as tf from '@tensorflow/tfjs-core';
import { forEachWindow, poolInfo } from './poolWindows.js';
import { f32, type WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `AvgPoolGrad`: each dy value spread evenly over its window, dx[b,h,w,c] += dy[b,p,q,c] / (fh*fw) for the
 * window's pixels inside the image (divided by the full window size, as tfjs's cpu and WebGL backends do).
 */
export function avgPoolGrad({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { dy, input } = inputs;
  const info = poolInfo(input, attrs);
  const { inHeight, inWidth, inChannels: ch, outHeight, outWidth, dilationHeight, dilationWidth } = info;
  const scale = 1 / (info.filterHeight * info.filterWidth);
  const dx = backend.makeOutput(input.shape, 'float32');
  const dxv = f32(backend, dx);
  const dyv = f32(backend, dy);
  dxv.fill(0);
  const g = new Float32Array(ch);
  forEachWindow(info, (b, p, q, rMin, rMax, cMin, cMax) => {
    const dyOff = ((b * outHeight + p) * outWidth + q) * ch;
    for (let k = 0; k < ch; k++) g[k] = dyv[dyOff + k] * scale;
    for (let r = rMin; r < rMax; r += dilationHeight) {
      for (let c = cMin; c < cMax; c += dilationWidth) {
        const off = ((b * inHeight + r) * inWidth + c) * ch;
        for (let k = 0; k < ch; k++) dxv[off + k] += g[k];
      }
    }
  });
  return dx;
}
