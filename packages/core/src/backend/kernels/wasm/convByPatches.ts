import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './convBackprop.js';
import { inChunks } from './helperThreads.js';
import { productsBinary } from './productsBinary.js';
import { heapOffset, type PatchGeometry, simdKernels } from './simdKernels.js';
import { free, matMul, runWasmKernel, transpose, view } from './wasmOps.js';

/** Bias and activation applied to a convolution's output, as FusedConv2D takes them. */
export interface ConvEpilogue {
  bias?: tf.TensorInfo;
  activation?: string;
  leakyreluAlpha?: number;
}

/** Input channels from which {@link patchMatrixT} transposes the row-wise patch matrix instead of gathering. */
const ROWS_FIRST_CHANNELS = 128;

/**
 * The transposed patch matrix of a convolution of x (NHWC) to an outH x outW map in geometry `g`:
 * P^T[(i,j,c), (b,p,q)] = x[b, p*sh + i*dh - top, q*sw + j*dw - left, c] (0 outside x), [kh*kw*C, B*oh*ow].
 * Few channels: gathered in wasm (assembly/kernels.ts), one channel's row at a time. From 128 channels on, that
 * gather reads x with a stride of a kilobyte and more; the row-wise {@link patchMatrix} (contiguous channel runs)
 * and a SIMD transpose are faster: [8,4,4,512] by 3x3 1.16 -> 0.28 ms, [8,8,8,256] 1.37 -> 0.94. A fresh buffer.
 */
export function patchMatrixT(
  backend: BackendWasm,
  x: tf.TensorInfo,
  outH: number,
  outW: number,
  g: ConvGeometry,
): tf.TensorInfo {
  const [batch, , , inC] = x.shape;
  const [kh, kw] = g.k;
  if (inC >= ROWS_FIRST_CHANNELS) {
    const patches = patchMatrix(backend, x, outH, outW, g);
    const patchesT = transpose(backend, patches, [1, 0]);
    free(backend, patches);
    return patchesT;
  }
  const patchesT = backend.makeOutput([kh * kw * inC, batch * outH * outW], 'float32');
  simdKernels(backend).filterPatchesT(
    heapOffset(backend, x),
    heapOffset(backend, patchesT),
    ...patchGeometry(x.shape, outH, outW, g),
  );
  return patchesT;
}

/**
 * The patch matrix of a convolution of x (NHWC) to an outH x outW map in geometry `g`, a row per output pixel:
 * P[(b,p,q), (i,j,c)] = x[b, p*sh + i*dh - top, q*sw + j*dw - left, c] (0 outside x), [B*oh*ow, kh*kw*C]. Each
 * tap's C channels are contiguous in x and in P: im2col in wasm (assembly/products.ts). A fresh buffer.
 */
export function patchMatrix(
  backend: BackendWasm,
  x: tf.TensorInfo,
  outH: number,
  outW: number,
  g: ConvGeometry,
): tf.TensorInfo {
  const [batch, , , inC] = x.shape;
  const [kh, kw] = g.k;
  const patches = backend.makeOutput([batch * outH * outW, kh * kw * inC], 'float32');
  // In chunks of images, on the helper threads too when they run.
  const args = [heapOffset(backend, x), heapOffset(backend, patches), ...patchGeometry(x.shape, outH, outW, g)];
  inChunks(backend, productsBinary, 'im2col', args, {
    count: 2,
    moves: [
      [0, 4 * tf.util.sizeFromShape(x.shape.slice(1))],
      [1, 4 * outH * outW * kh * kw * inC],
    ],
  });
  return patches;
}

/** The wasm patch kernels' geometry arguments for an NHWC input of `inShape` mapped to outH x outW in `g`. */
export function patchGeometry(inShape: number[], outH: number, outW: number, g: ConvGeometry): PatchGeometry {
  const [batch, inH, inW, inC] = inShape;
  const [kh, kw] = g.k;
  return [batch, inH, inW, inC, outH, outW, kh, kw, ...g.strides, ...g.dilations, g.padTop, g.padLeft];
}

/** How a convolution in training (new weights each step) runs on wasm (see {@link convRoute}). */
export type ConvRoute = 'patches' | 'rows' | 'built-in';

/**
 * The route of a convolution to `outShape` (NHWC) whose weights are new, as in training, where
 * tfjs-backend-wasm's XNNPACK convolution first repacks them in a slow loop (~6.4 ns a weight: a 3x3x256x256
 * filter 3.8 ms, a 3x3x512x512 one 23.5 ms with new weights against 6.8 ms with cached ones on [8,4,4,512]).
 * Both other routes are one XNNPACK matmul of a patch matrix, which packs its second operand at its own speed:
 * - `'patches'` ({@link convByPatches}): at least twice as many output channels as output pixels (the deep,
 *   small maps of a classifier: ResNet-18's [8,4,4,512]): the filter's rows times the transposed patch matrix,
 *   so that the small patch matrix is packed, not the filter. Measured with new 3x3 weights, 2 threads: at 2x
 *   [8,4,4,256] 3.3 ms against 4.8, [2,8,8,256] 3.0 against 4.7; at 1x either way, [8,8,4,256] 7.2 against 6.5.
 * - `'rows'` ({@link convByRows}): at least a quarter as many output channels as pixels: the patch matrix times
 *   the filter as it lies. [8,8,8,256] by 3x3x256x256 (0.5x) 9.2 ms against 10.6, [2,16,16,128] (0.25x) 2.24
 *   against 2.49, the stride-2 [8,16,16,128] -> 256 4.6 against 5.1; at 1/16x it loses, [8,16,16,128] -> 128
 *   8.8 against 7.7 (the patch matrix, 9x the input, costs more than the repacking saves).
 * - `'built-in'`: tfjs-backend-wasm's convolution (large maps, where the weights are few next to the pixels).
 *
 * With helper threads (`threads` > 1, helperThreads.ts) the products are Tiefe's, which pack nothing: the patch
 * matrix times the filter then needs no transposes, and `'rows'` takes the small maps too ([8,4,4,512] by
 * 3x3x512x512 13.4 ms against 15.6 by `'patches'`).
 */
export function convRoute(outShape: number[], threads = 1): ConvRoute {
  const [batch, outH, outW, outC] = outShape;
  const pixels = batch * outH * outW;
  if (outC >= 2 * pixels && threads === 1) return 'patches';
  return 4 * outC >= pixels ? 'rows' : 'built-in';
}

/** tfjs-backend-wasm's kernel for each FusedConv2D activation (PReLU, which takes weights, is not fused here). */
const ACTIVATION_KERNELS: Record<string, string> = {
  relu: 'Relu',
  relu6: 'Relu6',
  elu: 'Elu',
  sigmoid: 'Sigmoid',
  leakyrelu: 'LeakyRelu',
};

/**
 * The convolution of x (NHWC) as one XNNPACK matmul, transposed: out^T [O, B*oh*ow] = filterRows [O, K] times
 * the transposed patch matrix [K, B*oh*ow] (K = kh*kw*C, built in wasm as it is needed), then transposed back,
 * bias and activation applied after (each a pass over the small output). `filterRows` holds one row per output
 * channel: the HWIO filter transposed. The matmul packs its second operand; here that is the patch matrix of a
 * small map, not the filter: on [8,4,4,512] by 3x3x512x512 with new weights 9.1 ms against 13.4 ms for
 * patches times filter. Returns the output (`outShape`, a fresh buffer).
 */
export function convByPatches(
  backend: BackendWasm,
  x: tf.TensorInfo,
  filterRows: tf.TensorInfo,
  g: ConvGeometry,
  outShape: number[],
  epilogue: ConvEpilogue = {},
): tf.TensorInfo {
  const inC = x.shape[3];
  const [batch, outH, outW, outC] = outShape;
  const [kh, kw] = g.k;
  const n = batch * outH * outW;
  const k = kh * kw * inC;
  const patchesT = patchMatrixT(backend, x, outH, outW, g);
  const outT = matMul(backend, view(filterRows, [outC, k]), patchesT);
  free(backend, patchesT);
  const out = transpose(backend, view(outT, [outC, n]), [1, 0]);
  free(backend, outT);
  return view(withEpilogue(backend, out, epilogue), outShape);
}

/**
 * The convolution of x (NHWC) by an HWIO filter as one XNNPACK matmul: the patch matrix [B*oh*ow, K]
 * ({@link patchMatrix}, K = kh*kw*C) times the filter as it lies, [K, O], then bias and activation. XNNPACK
 * packs the filter at its own speed, not tfjs-backend-wasm's repacking loop ({@link convRoute}). Returns the
 * output (`outShape`, a fresh buffer).
 */
export function convByRows(
  backend: BackendWasm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
  outShape: number[],
  epilogue: ConvEpilogue = {},
): tf.TensorInfo {
  const [, outH, outW, outC] = outShape;
  const k = g.k[0] * g.k[1] * x.shape[3];
  const patches = patchMatrix(backend, x, outH, outW, g);
  const out = matMul(backend, patches, view(filter, [k, outC]));
  free(backend, patches);
  return view(withEpilogue(backend, out, epilogue), outShape);
}

/** `out` with the epilogue's bias added and activation applied (each a pass over it; `out` freed if replaced). */
export function withEpilogue(backend: BackendWasm, out: tf.TensorInfo, epilogue: ConvEpilogue): tf.TensorInfo {
  let result = out;
  const then = (next: tf.TensorInfo) => {
    free(backend, result);
    result = next;
  };
  if (epilogue.bias) then(runWasmKernel('Add', backend, { a: result, b: epilogue.bias }));
  const activation = epilogue.activation ?? 'linear';
  if (activation !== 'linear') {
    const name = ACTIVATION_KERNELS[activation];
    if (!name) throw new Error(`tiefe wasm FusedConv2D: no kernel for the activation '${activation}'`);
    then(runWasmKernel(name, backend, { x: result }, { alpha: epilogue.leakyreluAlpha ?? 0.2 }));
  }
  return result;
}
