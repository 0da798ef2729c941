import * as tf from '@tensorflow/tfjs-core';
import { batchMatMul } from './batchMatMul.js';
import { saveBuiltin } from './builtins.js';
import {
  conv2DBackpropFilter,
  conv2DBackpropInput,
  depthwiseConv2dNativeBackpropFilter,
  depthwiseConv2dNativeBackpropInput,
} from './conv2dBackprop.js';
import { cast, identity } from './identity.js';
import { avgPoolGrad, maxPoolGrad } from './poolGrad.js';
import { sum } from './sum.js';
import { unsortedSegmentSum } from './unsortedSegmentSum.js';

/**
 * The kernels Tiefe registers on the wasm backend: the ones tfjs-backend-wasm 4.22 lacks and training needs
 * (`Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackprop{Filter,Input}`, `UnsortedSegmentSum` for gather and
 * Embedding gradients) and faster replacements (`Conv2DBackpropInput` on XNNPACK instead of a scalar loop,
 * `MaxPoolGrad` / `AvgPoolGrad` in one pass over the windows, `Sum` over leading axes for bias gradients (other
 * sums on the built-in), `BatchMatMul` with transposed operands or batches on XNNPACK (the built-in only runs one
 * untransposed pair there), `Identity` and same-dtype `Cast` without a copy, `Cast` to bool as x != 0).
 */
export const WASM_TRAINING_KERNELS: Readonly<Record<string, tf.KernelFunc>> = {
  [tf.Conv2DBackpropFilter]: conv2DBackpropFilter as unknown as tf.KernelFunc,
  [tf.Conv2DBackpropInput]: conv2DBackpropInput as unknown as tf.KernelFunc,
  [tf.DepthwiseConv2dNativeBackpropFilter]: depthwiseConv2dNativeBackpropFilter as unknown as tf.KernelFunc,
  [tf.DepthwiseConv2dNativeBackpropInput]: depthwiseConv2dNativeBackpropInput as unknown as tf.KernelFunc,
  [tf.MaxPoolGrad]: maxPoolGrad as unknown as tf.KernelFunc,
  [tf.AvgPoolGrad]: avgPoolGrad as unknown as tf.KernelFunc,
  [tf.UnsortedSegmentSum]: unsortedSegmentSum as unknown as tf.KernelFunc,
  [tf.Sum]: sum as unknown as tf.KernelFunc,
  [tf.BatchMatMul]: batchMatMul as unknown as tf.KernelFunc,
  [tf.Identity]: identity as unknown as tf.KernelFunc,
  [tf.Cast]: cast as unknown as tf.KernelFunc,
};

/**
 * Registers {@link WASM_TRAINING_KERNELS} for the 'wasm' backend, replacing tfjs-backend-wasm's own versions
 * where it has them (kept and still used for the cases Tiefe passes on). Idempotent: a second call changes
 * nothing and warns nothing. Call it after importing `@tensorflow/tfjs-backend-wasm` and before
 * `tf.setBackend('wasm')` (initBackend does); the kernels need no setup, so calling it later works too.
 */
export function registerWasmTrainingKernels(): void {
  for (const [kernelName, kernelFunc] of Object.entries(WASM_TRAINING_KERNELS)) {
    const existing = tf.getKernel(kernelName, 'wasm');
    if (existing?.kernelFunc === kernelFunc) continue;
    if (existing) saveBuiltin(existing);
    // registerKernel only warns and overwrites; unregister first so that replacing the built-in one is silent.
    if (existing) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}
