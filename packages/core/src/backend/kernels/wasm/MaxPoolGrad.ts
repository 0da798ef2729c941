import type * as tf from '@tensorflow/tfjs-core';
import { forEachWindow, poolInfo } from './poolWindows.js';
import { f32, type WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `MaxPoolGrad`: dx[argmax of each window] += dy, the argmax taken over the forward input like the cpu
 * backend does: the first greatest value in row-major window order. (Only a window whose first pixel is NaN, or
 * whose pixels are all -Infinity, differs: cpu passes no gradient there, this kernel gives it to the first pixel.)
 * One pass over the windows with channels innermost, so it runs at memory speed.
 */
export function maxPoolGrad({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { dy, input } = inputs;
  const info = poolInfo(input, attrs);
  const { inHeight, inWidth, inChannels: ch, outHeight, outWidth, dilationHeight, dilationWidth } = info;
  const dx = backend.makeOutput(input.shape, 'float32');
  const dxv = f32(backend, dx);
  const xv = f32(backend, input);
  const dyv = f32(backend, dy);
  dxv.fill(0);
  const best = new Float32Array(ch);
  const at = new Int32Array(ch);
  forEachWindow(info, (b, p, q, rMin, rMax, cMin, cMax) => {
    if (rMin >= rMax || cMin >= cMax) return;
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
  });
  return dx;
}
