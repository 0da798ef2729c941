import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { helperThreads } from './helperThreads.js';
import { matMulRows } from './matMulRows.js';
import { heapOffset } from './simdKernels.js';

/** A kernel's arguments as tfjs passes them to a wasm kernel function. */
export interface WasmKernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}

/** Padding in pixels on each side of a 2-D image (never negative). */
export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Runs one of tfjs-backend-wasm's own kernels directly (as its kernels call each other), outside the engine:
 * the result is an untracked TensorInfo that the caller must free with {@link free}, unless it is returned.
 */
export function runWasmKernel(
  name: string,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`tiefe wasm kernels: the wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

/** Releases intermediate buffers made by {@link runWasmKernel} or `backend.makeOutput`. */
export function free(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** The same data seen with another shape (no copy, no new buffer: do not free it separately). */
export function view(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/**
 * A tensor that aliases `count` float32 values of `info`'s buffer from element `at` on (no copy), so that a wasm
 * kernel can read a window of a buffer as a tensor of its own. Release it with {@link releaseAlias}, never with
 * {@link free}: it owns no memory.
 */
export function aliasAt(backend: BackendWasm, info: tf.TensorInfo, at: number, shape: number[]): tf.TensorInfo {
  const base = backend.dataIdMap.get(info.dataId)?.memoryOffset as number;
  return backend.makeOutput(shape, 'float32', base + at * 4);
}

/** Unregisters an {@link aliasAt} tensor, leaving the memory it viewed to its owner. */
export function releaseAlias(backend: BackendWasm, alias: tf.TensorInfo): void {
  const entry = backend.dataIdMap.get(alias.dataId);
  if (!entry) return;
  (backend.wasm as unknown as { tfjs: { disposeData(id: number): void } }).tfjs.disposeData(entry.id);
  backend.dataIdMap.delete(alias.dataId);
}

/** A float32 view of a tensor's data on the wasm heap. Take it after the last allocation: growth detaches it. */
export function f32(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** The wasm Transpose kernel (a fresh buffer; free it). */
export function transpose(backend: BackendWasm, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return runWasmKernel('Transpose', backend, { x }, { perm });
}

/**
 * a [m, k] times b [k, n] (their last two dimensions; views or aliases are fine): a fresh [1, m, n] buffer (free
 * it). Where helper threads run (tfjs's threaded build, helperThreads.ts) and n is a multiple of 4, in Tiefe's
 * SIMD product on every thread ({@link matMulRows}); else as one XNNPACK matmul through the wasm BatchMatMul
 * kernel. XNNPACK packs b first, single threaded, at ~4-13 ns an element, and every b here is new: a transformed
 * filter, a patch matrix, a gradient, or weights that a training step replaced (FusedConv2D leaves weights it
 * has seen to XNNPACK's own convolution, which keeps them packed). Two threads, a new b each call, Tiefe's
 * product against XNNPACK's: Winograd's [2048,64]x[64,64] 0.40 against 0.87 ms, [512,128]x[128,128] 0.39
 * against 0.44, a patch matrix [128,4608]x[4608,512] 11.0 against 21.1, [4608,512]x[512,128] 9.7 against 11.2.
 */
export function matMul(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  if (helperThreads(backend) > 1 && n % 4 === 0) {
    const out = backend.makeOutput([1, m, n], 'float32');
    const at = (t: tf.TensorInfo) => heapOffset(backend, t);
    matMulRows(backend, [at(a), 4 * k, 4, at(b), at(out), m, k, n]);
    return out;
  }
  return runWasmKernel(
    'BatchMatMul',
    backend,
    { a: view(a, [1, m, k]), b: view(b, [1, k, n]) },
    { transposeA: false, transposeB: false },
  );
}

/**
 * XNNPACK's NHWC convolution through the wasm `Conv2D` kernel (or, for `depthwise`, `DepthwiseConv2dNative`),
 * with explicit padding so that any stride, dilation and border can be expressed:
 * out[b,i,j,o] = sum_{p,q,c} x[b, i*sh + p*dh - top, j*sw + q*dw - left, c] * filter[p,q,c,o] (zero outside x).
 */
export function xnnConv2d(
  backend: BackendWasm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  pads: Pads,
  depthwise = false,
): tf.TensorInfo {
  const pad = [
    [0, 0],
    [pads.top, pads.bottom],
    [pads.left, pads.right],
    [0, 0],
  ];
  return runWasmKernel(depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', backend, { x, filter }, {
    strides,
    dilations,
    pad,
    dataFormat: 'NHWC',
    dimRoundingMode: 'floor',
  } as unknown as tf.NamedAttrMap);
}
