import * as tf from '@tensorflow/tfjs-core';
import { runOriginal } from '../original.js';
import type { WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `Slice` reading its input in place. tfjs-backend-wasm's Slice starts with `backend.readSync(x)`, which
 * copies the whole input out of the wasm heap on every call, so a slice costs as much as the tensor it comes
 * from: a recurrent loop that slices one step per iteration out of a [time * batch, 4 * units] projection (or
 * tfjs-layers' RNN slicing its input per step) pays a full copy per step (1.5 ms for a 13 MB tensor, 0.5 s for
 * `tf.unstack` of it). This one views the input on the heap and copies only the slice, in runs of the longest
 * contiguous stretch. Strings keep the built-in.
 */
export function slice(args: WasmKernelArgs): tf.TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') return runOriginal(tf.Slice, 'wasm', args);
  const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
  const [b, s] = tf.slice_util.parseSliceParams(x, begin, size);
  const backend = args.backend;
  const out = backend.makeOutput(s, x.dtype);
  if (tf.util.sizeFromShape(s) === 0) return out;
  // Merge trailing axes taken whole into the axis before them: the innermost run grows to the contiguous part.
  const shape = [...x.shape];
  const from = [...b];
  const sizes = [...s];
  while (shape.length > 1 && sizes[sizes.length - 1] === shape[shape.length - 1]) {
    const last = shape.pop() as number;
    sizes.pop();
    from.pop();
    shape[shape.length - 1] *= last;
    sizes[sizes.length - 1] *= last;
    from[from.length - 1] *= last;
  }
  // Views are taken after makeOutput: an allocation may grow the heap and detach earlier views.
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape);
  const run = sizes[rank - 1];
  const index = new Array(rank - 1).fill(0);
  let o = 0;
  for (;;) {
    let offset = from[rank - 1];
    for (let a = 0; a < rank - 1; a++) offset += (from[a] + index[a]) * strides[a];
    ov.set(xv.subarray(offset, offset + run), o);
    o += run;
    let a = rank - 2;
    while (a >= 0 && ++index[a] === sizes[a]) index[a--] = 0;
    if (a < 0) break;
  }
  return out;
}
