import type * as tf from '@tensorflow/tfjs-core';
import { inChunks } from './helperThreads.js';
import { poolGeometry, poolInfo } from './poolWindows.js';
import { simdBinary } from './simdBinary.js';
import { heapOffset } from './simdKernels.js';
import type { WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `MaxPoolGrad`: dx[argmax of each window] += dy, the argmax taken over the forward input like the cpu
 * backend does: the first greatest value in row-major window order. (Only a window whose first pixel is NaN, or
 * whose pixels are all -Infinity, differs: cpu passes no gradient there, this kernel gives it to the first pixel.)
 * One pass over the windows in wasm SIMD, four channels at a time (assembly/kernels.ts).
 */
export function maxPoolGrad({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { dy, input } = inputs;
  const info = poolInfo(input, attrs);
  const dx = backend.makeOutput(input.shape, 'float32');
  // In chunks of images, on the helper threads too when they run.
  const [, inH, inW, ch] = input.shape;
  const [, outH, outW] = dy.shape;
  const args = [heapOffset(backend, input), heapOffset(backend, dy), heapOffset(backend, dx), ...poolGeometry(info)];
  inChunks(backend, simdBinary, 'maxPoolGrad', args, {
    count: 3,
    moves: [
      [0, 4 * inH * inW * ch],
      [1, 4 * outH * outW * ch],
      [2, 4 * inH * inW * ch],
    ],
  });
  return dx;
}
