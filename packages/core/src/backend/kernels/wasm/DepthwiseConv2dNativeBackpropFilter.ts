import type * as tf from '@tensorflow/tfjs-core';
import { type ConvAttrs, convInfo, forEachTap } from './convBackprop.js';
import { f32, type WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `DepthwiseConv2dNativeBackpropFilter` (which tfjs-backend-wasm lacks), a plain loop accumulated in
 * float64: dW[i,j,c,m] = sum_{b,p,q} x[b, p*sh + i*dh - top, q*sw + j*dw - left, c] * dy[b,p,q,c*M+m].
 */
export function depthwiseConv2dNativeBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const { g } = convInfo(x.shape, a.filterShape, a as ConvAttrs, true);
  const [kh, kw] = g.k;
  const ch = x.shape[3];
  const outC = dy.shape[3];
  const mult = outC / ch;
  const acc = new Float64Array(kh * kw * outC);
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  forEachTap(x.shape, dy.shape, g, (xOff, dyOff, aOff) => {
    if (mult === 1) {
      for (let c = 0; c < ch; c++) acc[aOff + c] += xv[xOff + c] * dyv[dyOff + c];
    } else {
      for (let c = 0; c < ch; c++) {
        const xc = xv[xOff + c];
        for (let m = 0; m < mult; m++) acc[aOff + c * mult + m] += xc * dyv[dyOff + c * mult + m];
      }
    }
  });
  const dW = backend.makeOutput([kh, kw, ch, mult], 'float32');
  f32(backend, dW).set(acc);
  return dW;
}
