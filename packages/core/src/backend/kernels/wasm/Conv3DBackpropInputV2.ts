import type * as tf from '@tensorflow/tfjs-core';
import { type Conv3DBackpropAttrs, forEachTap3d } from './conv3dTaps.js';
import { f32, type WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `Conv3DBackpropInputV2` (conv3d's input gradient, and the forward pass of `tf.conv3dTranspose` and the
 * `Conv3DTranspose` layer), a plain loop: dx[b,d,h,w,c] = sum_{i,j,k,o} dy[b,p,q,r,o] * W[i,j,k,c,o] over
 * d = p*sd + i - front (likewise h, w). tfjs-backend-wasm 4.22's own returned wrong values (zeros for stride 2,
 * wrong borders with 'same' padding at stride 1), so 3-D U-Net and V-Net decoders computed garbage on wasm.
 */
export function conv3DBackpropInputV2({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs;
  const a = attrs as unknown as Conv3DBackpropAttrs & { inputShape: number[] };
  const [, , , ch, outC] = filter.shape;
  const dx = backend.makeOutput(a.inputShape, 'float32');
  const dxv = f32(backend, dx);
  const dyv = f32(backend, dy);
  const wv = f32(backend, filter);
  dxv.fill(0);
  forEachTap3d(a.inputShape, filter.shape, a, (xOff, dyOff, tapOff) => {
    for (let c = 0; c < ch; c++) {
      let s = 0;
      const wOff = tapOff + c * outC;
      for (let o = 0; o < outC; o++) s += dyv[dyOff + o] * wv[wOff + o];
      dxv[xOff + c] += s;
    }
  });
  return dx;
}
