import type * as tf from '@tensorflow/tfjs-core';
import { type ConvAttrs, convFilterGrad, convInfo, toNhwc } from './convBackprop.js';
import { free, type WasmKernelArgs } from './wasmOps.js';

/** Kernel `Conv2DBackpropFilter` (the filter gradient of conv2d, which tfjs-backend-wasm lacks) on XNNPACK. */
export function conv2DBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const { info, g } = convInfo(x.shape, a.filterShape, a as ConvAttrs, false);
  // NCHW through transposes.
  const last = info.dataFormat === 'channelsLast';
  const xN = toNhwc(backend, x, last);
  const dyN = toNhwc(backend, dy, last);
  const dW = convFilterGrad(backend, xN, dyN, g);
  if (!last) free(backend, xN, dyN);
  return dW;
}
