import type * as tf from '@tensorflow/tfjs-core';
import { type ConvAttrs, convInfo, convInputGrad, toNhwc } from './convBackprop.js';
import { free, transpose, type WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `Conv2DBackpropInput` (conv2d's input gradient, also conv2dTranspose's forward) on XNNPACK instead of
 * tfjs-backend-wasm's scalar loop.
 */
export function conv2DBackpropInput({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs;
  const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const { info, g } = convInfo(a.inputShape, filter.shape, a as ConvAttrs, false);
  const last = info.dataFormat === 'channelsLast';
  const dyN = toNhwc(backend, dy, last);
  const inNhwc = [info.batchSize, info.inHeight, info.inWidth, info.inChannels];
  const dx = convInputGrad(backend, dyN, filter, inNhwc, g);
  if (last) return dx;
  free(backend, dyN);
  const dxN = transpose(backend, dx, [0, 3, 1, 2]);
  free(backend, dx);
  return dxN;
}
