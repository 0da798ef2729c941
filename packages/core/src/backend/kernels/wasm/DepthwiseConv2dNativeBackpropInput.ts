import type * as tf from '@tensorflow/tfjs-core';
import { type ConvAttrs, convInfo, forEachTap, inputGradByConv } from './convBackprop.js';
import { f32, free, type WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `DepthwiseConv2dNativeBackpropInput` (which tfjs-backend-wasm lacks). Channel multiplier 1 (the common
 * case): XNNPACK's depthwise convolution of dy with the flipped filter, as for conv2d. Otherwise a plain loop:
 * dx[b,h,w,c] = sum_{i,j,m} dy[b,p,q,c*M+m] * W[i,j,c,m] over h = p*sh + i*dh - top, w = q*sw + j*dw - left.
 */
export function depthwiseConv2dNativeBackpropInput({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs;
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const { inputShape } = a;
  const { g } = convInfo(inputShape, filter.shape, a as ConvAttrs, true);
  const [kh, kw, ch, mult] = filter.shape;
  if (mult === 1) {
    const flipped = backend.makeOutput([kh, kw, ch, 1], 'float32');
    const w = f32(backend, filter);
    const wf = f32(backend, flipped);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const from = ((kh - 1 - i) * kw + (kw - 1 - j)) * ch;
        wf.set(w.subarray(from, from + ch), (i * kw + j) * ch);
      }
    }
    const dx = inputGradByConv(backend, dy, flipped, inputShape, g, true);
    free(backend, flipped);
    return dx;
  }
  const dx = backend.makeOutput(inputShape, 'float32');
  const dxv = f32(backend, dx);
  const dyv = f32(backend, dy);
  const wv = f32(backend, filter);
  dxv.fill(0);
  forEachTap(inputShape, dy.shape, g, (dxOff, dyOff, wOff) => {
    for (let c = 0; c < ch; c++) {
      let s = 0;
      for (let m = 0; m < mult; m++) s += dyv[dyOff + c * mult + m] * wv[wOff + c * mult + m];
      dxv[dxOff + c] += s;
    }
  });
  return dx;
}
