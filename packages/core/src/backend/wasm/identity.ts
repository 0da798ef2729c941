import * as tf from '@tensorflow/tfjs-core';
import { runBuiltin } from './builtins.js';
import type { WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `Identity` without a copy: the output shares the input's buffer (reference counted, as the cpu
 * backend and the wasm backend's own Reshape do). tfjs-backend-wasm copies the whole tensor, and tfjs-layers
 * and the optimizers call identity on every activation and weight each step. Strings keep the built-in.
 */
export function identity(args: WasmKernelArgs): tf.TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') return runBuiltin(tf.Identity, args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Kernel `Cast`: to the same dtype it is {@link identity} (no copy, as on cpu). To bool it is x != 0 (the
 * built-in copies the numbers into bytes, so -1 became 255 and 0.5 became 0). Otherwise the built-in.
 */
export function cast(args: WasmKernelArgs): tf.TensorInfo {
  const { dtype } = args.attrs as unknown as tf.CastAttrs;
  const { x } = args.inputs;
  if (dtype === x.dtype) return identity(args);
  if (dtype === 'bool' && x.dtype !== 'string' && x.dtype !== 'complex64') {
    const out = args.backend.makeOutput(x.shape, 'bool');
    const to = args.backend.typedArrayFromHeap(out);
    const from = args.backend.typedArrayFromHeap(x);
    for (let i = 0; i < from.length; i++) to[i] = from[i] !== 0 ? 1 : 0;
    return out;
  }
  return runBuiltin(tf.Cast, args);
}
