import * as tf from '@tensorflow/tfjs-core';
import { runOriginal } from '../original.js';
import { f32, type WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `Sum`. Summing float32 over leading axes (a bias gradient: dy of [B,H,W,C] summed over [0,1,2]) is one
 * streaming pass here, out[c] = sum_i x[i*C + c] accumulated in float64; the wasm backend's own kernel first
 * transposes the reduced axes to the end (about 4x slower on the reference CNN). Every other case goes to it.
 */
export function sum(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
  if (!leading || x.dtype !== 'float32') {
    return runOriginal(tf.Sum, 'wasm', args);
  }
  const inner = tf.util.sizeFromShape(x.shape.slice(axes.length));
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const acc = new Float64Array(inner);
  const xv = f32(backend, x);
  for (let i = 0, off = 0; i < outer; i++, off += inner) for (let c = 0; c < inner; c++) acc[c] += xv[off + c];
  const shape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
  const out = backend.makeOutput(shape, 'float32');
  f32(backend, out).set(acc);
  return out;
}
