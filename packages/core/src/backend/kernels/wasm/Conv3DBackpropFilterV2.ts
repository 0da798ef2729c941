import type * as tf from '@tensorflow/tfjs-core';
import { type Conv3DBackpropAttrs, forEachTap3d } from './conv3dTaps.js';
import { f32, type WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `Conv3DBackpropFilterV2` (conv3d's filter gradient), a plain loop accumulated in float64:
 * dW[i,j,k,c,o] = sum_{b,p,q,r} x[b, p*sd + i - front, q*sh + j - top, r*sw + k - left, c] * dy[b,p,q,r,o].
 * tfjs-backend-wasm 4.22's own is wrong for strides > 1.
 */
export function conv3DBackpropFilterV2({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const a = attrs as unknown as Conv3DBackpropAttrs & { filterShape: number[] };
  const [, , , ch, outC] = a.filterShape;
  const acc = new Float64Array(a.filterShape.reduce((p, q) => p * q, 1));
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  forEachTap3d(x.shape, a.filterShape, a, (xOff, dyOff, tapOff) => {
    for (let c = 0; c < ch; c++) {
      const xc = xv[xOff + c];
      const aOff = tapOff + c * outC;
      for (let o = 0; o < outC; o++) acc[aOff + o] += xc * dyv[dyOff + o];
    }
  });
  const dW = backend.makeOutput(a.filterShape, 'float32');
  f32(backend, dW).set(acc);
  return dW;
}
