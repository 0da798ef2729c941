import type * as tf from '@tensorflow/tfjs-core';
import { poolGeometry, poolInfo } from './poolWindows.js';
import { heapOffset, simdKernels } from './simdKernels.js';
import type { WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `AvgPoolGrad`: each dy value spread evenly over its window, dx[b,h,w,c] += dy[b,p,q,c] / (fh*fw) for the
 * window's pixels inside the image (divided by the full window size, as tfjs's cpu and WebGL backends do).
 * In wasm SIMD, four channels at a time (assembly/kernels.ts).
 */
export function avgPoolGrad({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { dy, input } = inputs;
  const info = poolInfo(input, attrs);
  const dx = backend.makeOutput(input.shape, 'float32');
  simdKernels(backend).avgPoolGrad(
    heapOffset(backend, dy),
    heapOffset(backend, dx),
    ...poolGeometry(info),
    1 / (info.filterHeight * info.filterWidth),
  );
  return dx;
}
