import * as tf from '@tensorflow/tfjs-core';
import { runOriginal } from '../original.js';
import { heapOffset, simdKernels } from './simdKernels.js';
import type { WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `Slice` reading its input in place. tfjs-backend-wasm's Slice starts with `backend.readSync(x)`, which
 * copies the whole input out of the wasm heap on every call, so a slice costs as much as the tensor it comes
 * from: a recurrent loop that slices one step per iteration out of a [time * batch, 4 * units] projection (or
 * tfjs-layers' RNN slicing its input per step) pays a full copy per step (1.5 ms for a 13 MB tensor, 0.5 s for
 * `tf.unstack` of it). This one copies only the slice, in runs of the longest contiguous stretch, the runs of
 * the two innermost axes by one strided copy in wasm (`copyRuns`). Strings keep the built-in.
 */
export function slice(args: WasmKernelArgs): tf.TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') return runOriginal(tf.Slice, 'wasm', args);
  const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
  const [b, s] = tf.slice_util.parseSliceParams(x, begin, size);
  const backend = args.backend;
  const out = backend.makeOutput(s, x.dtype);
  if (tf.util.sizeFromShape(s) === 0) return out;
  const bytes = backend.typedArrayFromHeap(x).BYTES_PER_ELEMENT;
  const xBase = heapOffset(backend, x);
  let o = heapOffset(backend, out);
  const kernels = simdKernels(backend);
  forEachBoxRun(x.shape, b, s, (offset, count, run, stride) => {
    kernels.copyRuns(xBase + offset * bytes, o, count, run * bytes, stride * bytes, run * bytes);
    o += count * run * bytes;
  });
  return out;
}

/** Kernel `SplitV` as one {@link slice} per part (tfjs-backend-wasm's copies the whole input per part first). */
export function splitV(args: WasmKernelArgs): tf.TensorInfo[] {
  const { x } = args.inputs;
  if (x.dtype === 'string') return runOriginal(tf.SplitV, 'wasm', args) as unknown as tf.TensorInfo[];
  const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
  const at = tf.util.parseAxisParam(axis, x.shape)[0];
  const parts = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, at);
  const begin = new Array(x.shape.length).fill(0);
  return parts.map((n) => {
    const size = [...x.shape];
    size[at] = n;
    const part = slice({ inputs: { x }, backend: args.backend, attrs: { begin: [...begin], size } });
    begin[at] += n;
    return part;
  });
}

/**
 * Kernel `Concat`: each input's rows placed by one strided copy in wasm (`copyRuns`) instead of a JavaScript
 * call per row and input (a U-Net decoder's skip concatenation of [2,128,128,16] pairs: 32,768 rows each).
 * Strings and single non-empty inputs keep the built-in.
 */
export function concat(args: WasmKernelArgs): tf.TensorInfo {
  const inputs = Object.values(args.inputs);
  const nonEmpty = inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
  if (nonEmpty.length < 2 || nonEmpty[0].dtype === 'string') return runOriginal(tf.Concat, 'wasm', args);
  const { backend } = args;
  const at = tf.util.parseAxisParam((args.attrs as unknown as tf.ConcatAttrs).axis, inputs[0].shape)[0];
  tf.backend_util.assertParamsConsistent(
    inputs.map((t) => t.shape),
    at,
  );
  const outShape = tf.backend_util.computeOutShape(
    inputs.map((t) => t.shape),
    at,
  );
  const out = backend.makeOutput(outShape, nonEmpty[0].dtype);
  const bytes = backend.typedArrayFromHeap(out).BYTES_PER_ELEMENT;
  const rows = tf.util.sizeFromShape(outShape.slice(0, at));
  const rowBytes = tf.util.sizeFromShape(outShape.slice(at)) * bytes;
  const kernels = simdKernels(backend);
  let o = heapOffset(backend, out);
  for (const t of nonEmpty) {
    const run = tf.util.sizeFromShape(t.shape.slice(at)) * bytes;
    kernels.copyRuns(heapOffset(backend, t), o, rows, run, run, rowBytes);
    o += run;
  }
  return out;
}

/**
 * Walks the box `size` at `begin` of a row-major tensor of `shape` in row-major order, in runs: calls
 * `visit(offset, count, run, stride)` for `count` runs of `run` contiguous elements, run i from element
 * offset + i * stride of the tensor (the box's two innermost axes, trailing axes taken whole merged into the run).
 * Slice copies such runs out, PadV2 writes its input into them.
 */
export function forEachBoxRun(
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  visit: (offset: number, count: number, run: number, stride: number) => void,
): void {
  // Merge trailing axes taken whole into the axis before them: the innermost run grows to the contiguous part.
  const dims = [...shape];
  const from = [...begin];
  const sizes = [...size];
  while (dims.length > 1 && sizes[sizes.length - 1] === dims[dims.length - 1]) {
    const last = dims.pop() as number;
    sizes.pop();
    from.pop();
    dims[dims.length - 1] *= last;
    sizes[sizes.length - 1] *= last;
    from[from.length - 1] *= last;
  }
  // As 2-D at least: [..., count, run]; the axes before the last two are walked here.
  if (dims.length === 1) {
    dims.unshift(1);
    sizes.unshift(1);
    from.unshift(0);
  }
  const rank = dims.length;
  const strides = [...tf.util.computeStrides(dims), 1];
  const [count, run] = sizes.slice(-2);
  const index = new Array(rank - 2).fill(0);
  for (;;) {
    let offset = from[rank - 1] + from[rank - 2] * strides[rank - 2];
    for (let a = 0; a < rank - 2; a++) offset += (from[a] + index[a]) * strides[a];
    visit(offset, count, run, strides[rank - 2]);
    let a = rank - 3;
    while (a >= 0 && ++index[a] === sizes[a]) index[a--] = 0;
    if (a < 0) break;
  }
}
