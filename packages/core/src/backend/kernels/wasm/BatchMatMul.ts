import * as tf from '@tensorflow/tfjs-core';
import { runOriginal } from '../original.js';
import { f32, free, transpose, view, type WasmKernelArgs } from './wasmOps.js';

/** Multiply-adds per product below which the built-in scalar loop is kept (about a 25x25x25 product). */
export const MIN_XNNPACK_MACS = 16_384;

/**
 * Kernel `BatchMatMul`. tfjs-backend-wasm runs XNNPACK only for one untransposed pair (batch 1); transposed
 * operands (every matmul gradient: dW = x^T dy, dx = dy W^T) and batches go through a scalar loop about 10x
 * slower. Here operands are transposed explicitly (a cheap O(n^2) copy) and batches are split into batch-1
 * products, or folded into the rows of a when b is shared, so that every product runs on XNNPACK.
 */
export function batchMatMul(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
    return runOriginal(tf.BatchMatMul, 'wasm', args);
  }
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const [rA, cA] = a.shape.slice(-2);
  const [rB, cB] = b.shape.slice(-2);
  const [m, k] = transposeA ? [cA, rA] : [rA, cA];
  const n = transposeB ? rB : cB;
  const outerDims = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  const plain = batch === 1 && !transposeA && !transposeB;
  // Leave the built-in its fast case, any broadcast it handles itself (batches that are neither 1 nor equal),
  // and products so small that making an XNNPACK operator per product costs more than the scalar loop.
  const tiny = m * k * n < MIN_XNNPACK_MACS;
  if (plain || tiny || (batchA !== batchB && batchA !== 1 && batchB !== 1))
    return runOriginal(tf.BatchMatMul, 'wasm', args);

  const a3 = transposeA ? transpose(backend, view(a, [batchA, rA, cA]), [0, 2, 1]) : view(a, [batchA, m, k]);
  const b3 = transposeB ? transpose(backend, view(b, [batchB, rB, cB]), [0, 2, 1]) : view(b, [batchB, k, n]);
  const nn = { transposeA: false, transposeB: false };
  let out: tf.TensorInfo;
  if (batchB === 1) {
    // A shared b: all batches of a are rows of one [batchA*m, k] x [k, n] product.
    out = runOriginal(tf.BatchMatMul, 'wasm', {
      inputs: { a: view(a3, [1, batchA * m, k]), b: b3 },
      backend,
      attrs: nn,
    });
  } else {
    out = backend.makeOutput([batch, m, n], 'float32');
    for (let i = 0; i < batch; i++) {
      const ai = batchA === 1 ? a3 : copySlice(a3, i, [1, m, k], args);
      const bi = copySlice(b3, i, [1, k, n], args);
      const oi = runOriginal(tf.BatchMatMul, 'wasm', { inputs: { a: ai, b: bi }, backend, attrs: nn });
      f32(backend, out).set(f32(backend, oi), i * m * n);
      free(backend, oi, bi);
      if (ai !== a3) free(backend, ai);
    }
  }
  if (transposeA) free(backend, a3);
  if (transposeB) free(backend, b3);
  return view(out, [...outerDims, m, n]);
}

/** Copies batch `i` of a [batch, r, c] buffer into a fresh [1, r, c] one (free it). */
function copySlice(t: tf.TensorInfo, i: number, shape: number[], { backend }: WasmKernelArgs): tf.TensorInfo {
  const size = shape[1] * shape[2];
  const s = backend.makeOutput(shape, 'float32');
  f32(backend, s).set(f32(backend, t).subarray(i * size, (i + 1) * size));
  return s;
}
