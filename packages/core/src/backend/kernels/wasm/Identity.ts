import * as tf from '@tensorflow/tfjs-core';
import { runOriginal } from '../original.js';
import type { WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `Identity` without a copy: the output shares the input's buffer (reference counted, as the cpu
 * backend and the wasm backend's own Reshape do). tfjs-backend-wasm copies the whole tensor, and tfjs-layers
 * and the optimizers call identity on every activation and weight each step. Strings keep the built-in.
 */
export function identity(args: WasmKernelArgs): tf.TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') return runOriginal(tf.Identity, 'wasm', args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
