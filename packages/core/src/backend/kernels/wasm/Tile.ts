import * as tf from '@tensorflow/tfjs-core';
import { runOriginal } from '../original.js';
import type { WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `Tile` by block copies on the wasm heap. tfjs-backend-wasm's Tile computes every output element's source
 * index in a scalar loop: batch norm's gradient tiles its [1,1,1,C] statistics to the activation's shape, and
 * [1,1,1,64] -> [64,14,14,64] took 65-240 ms. Here each contiguous input row is copied once and every repetition
 * is made by doubling the block already written (`copyWithin`, a memmove), innermost axis first, so the work
 * is a few memmoves per input row. Strings keep the built-in.
 */
export function tile(args: WasmKernelArgs): tf.TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') return runOriginal(tf.Tile, 'wasm', args);
  const { reps } = args.attrs as unknown as tf.TileAttrs;
  const backend = args.backend;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  if (x.shape.length === 0) {
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x));
    return out;
  }
  // Views after makeOutput: an allocation may grow the heap and detach earlier views.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const inStrides = [...tf.util.computeStrides(x.shape), 1];
  const outStrides = [...tf.util.computeStrides(outShape), 1];
  const rank = x.shape.length;
  // Writes x's block at axis `a` (input offset `from`) to `to`, tiled reps[a..] times, and returns its length.
  const write = (a: number, from: number, to: number): number => {
    const n = x.shape[a];
    if (a === rank - 1) dst.set(src.subarray(from, from + n), to);
    else for (let i = 0; i < n; i++) write(a + 1, from + i * inStrides[a], to + i * outStrides[a]);
    return repeat(dst, to, n * outStrides[a], reps[a]);
  };
  write(0, 0, 0);
  return out;
}

/** Repeats dst[at, at + len) `times` times in place (len * times elements from `at`), doubling each copy. */
export function repeat(
  dst: { copyWithin(target: number, start: number, end: number): unknown },
  at: number,
  len: number,
  times: number,
): number {
  const total = len * times;
  for (let filled = len; filled < total; ) {
    const n = Math.min(filled, total - filled);
    dst.copyWithin(at + filled, at, at + n);
    filled += n;
  }
  return total;
}
