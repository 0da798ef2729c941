import * as tf from '@tensorflow/tfjs-core';
import { runOriginal } from '../original.js';
import { heapOffset, simdKernels } from './simdKernels.js';
import { free, type WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `Sum`. Summing float32 over leading axes (a bias gradient: dy of [B,H,W,C] summed over [0,1,2]) is one
 * streaming pass here in wasm SIMD (assembly/kernels.ts), out[c] = sum_i x[i*C + c] accumulated in float64; the
 * wasm backend's own kernel first transposes the reduced axes to the end (about 4x slower on the reference CNN).
 * Every other case goes to it.
 */
export function sum(args: WasmKernelArgs): tf.TensorInfo {
  return reduceLeading(args, tf.Sum, false);
}

/**
 * Kernel `Mean`, the same pass scaled by 1 / the count (batch norm's statistics: 0.66 -> 0.15 ms for
 * [2,128,128,16] over [0,1,2], 2 threads).
 */
export function mean(args: WasmKernelArgs): tf.TensorInfo {
  return reduceLeading(args, tf.Mean, true);
}

function reduceLeading(args: WasmKernelArgs, kernelName: string, average: boolean): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  const inner = tf.util.sizeFromShape(x.shape.slice(axes.length));
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  if (!leading || x.dtype !== 'float32' || outer === 0) return runOriginal(kernelName, 'wasm', args);
  const shape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
  const out = backend.makeOutput(shape, 'float32');
  const scratch = backend.makeOutput([2 * inner], 'float32'); // room for the float64 sums
  simdKernels(backend).sumLeading(
    heapOffset(backend, x),
    heapOffset(backend, out),
    heapOffset(backend, scratch),
    outer,
    inner,
    average ? 1 / outer : 1,
  );
  free(backend, scratch);
  return out;
}
