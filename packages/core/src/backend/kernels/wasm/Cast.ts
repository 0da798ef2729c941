import * as tf from '@tensorflow/tfjs-core';
import { runOriginal } from '../original.js';
import { identity } from './Identity.js';
import type { WasmKernelArgs } from './wasmOps.js';

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
  return runOriginal(tf.Cast, 'wasm', args);
}
