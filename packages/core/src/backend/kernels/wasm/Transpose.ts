import * as tf from '@tensorflow/tfjs-core';
import { runOriginal } from '../original.js';
import { heapOffset, simdKernels } from './simdKernels.js';
import type { WasmKernelArgs } from './wasmOps.js';

/** A transpose as a swap of the two middle axes of [batch, rows, cols, inner] (see {@link swapForm}). */
export interface SwapForm {
  batch: number;
  rows: number;
  cols: number;
  inner: number;
}

/**
 * The permutation `perm` of `shape` as one swap of two middle axes, [batch, rows, cols, inner] ->
 * [batch, cols, rows, inner], or null when it is not one. Axes of size 1 are dropped and axes that stay
 * neighbours in the same order are merged first, so [1,0], [0,2,1], [1,0,2], [0,2,1,3], [2,0,1,3] and [3,0,1,2]
 * all reduce to it (every transpose a matmul or convolution route makes); the identity is a swap of nothing.
 */
export function swapForm(shape: number[], perm: number[]): SwapForm | null {
  const kept = perm.filter((a) => shape[a] !== 1);
  // Runs of source axes that stay consecutive, in output order.
  const runs: number[][] = [];
  for (const a of kept) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] === a - 1) last.push(a);
    else runs.push([a]);
  }
  const size = (run: number[]) => run.reduce((n, a) => n * shape[a], 1);
  // The runs' order in the source: run i of the output is source run order[i].
  const bySource = [...runs].sort((p, q) => p[0] - q[0]);
  const order = runs.map((r) => bySource.indexOf(r));
  const s = bySource.map(size);
  const is = (...o: number[]) => order.length === o.length && order.every((v, i) => v === o[i]);
  if (order.length <= 1) return { batch: 1, rows: 1, cols: 1, inner: order.length ? s[0] : 1 };
  if (is(1, 0)) return { batch: 1, rows: s[0], cols: s[1], inner: 1 };
  if (is(0, 2, 1)) return { batch: s[0], rows: s[1], cols: s[2], inner: 1 };
  if (is(1, 0, 2)) return { batch: 1, rows: s[0], cols: s[1], inner: s[2] };
  if (is(0, 2, 1, 3)) return { batch: s[0], rows: s[1], cols: s[2], inner: s[3] };
  return null;
}

/**
 * Kernel `Transpose` for 4-byte data (float32, int32) whose permutation is a swap of two axis groups
 * ({@link swapForm}): one pass of the wasm SIMD kernel `swapAxes` (4x4 blocks by shuffles in cache-sized tiles).
 * tfjs-backend-wasm's Transpose moves one element at a time with an index computation each: a convolution's
 * input gradient flips a 3x3x512x512 filter per tap in 10 ms, the patch matrix [4608,128] -> [128,4608] took
 * 2.6 ms. Other permutations and dtypes keep the built-in.
 */
export function transpose(args: WasmKernelArgs): tf.TensorInfo {
  const { x } = args.inputs;
  const { perm } = args.attrs as unknown as tf.TransposeAttrs;
  const form = x.dtype === 'float32' || x.dtype === 'int32' ? swapForm(x.shape, perm) : null;
  if (!form) return runOriginal(tf.Transpose, 'wasm', args);
  const { backend } = args;
  const out = backend.makeOutput(
    perm.map((a) => x.shape[a]),
    x.dtype,
  );
  if (tf.util.sizeFromShape(x.shape) === 0) return out;
  simdKernels(backend).swapAxes(
    heapOffset(backend, x),
    heapOffset(backend, out),
    form.batch,
    form.rows,
    form.cols,
    form.inner,
  );
  return out;
}
