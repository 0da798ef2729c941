import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './convBackprop.js';
import { heapOffset, type PatchGeometry, simdKernels } from './simdKernels.js';
import { free, runWasmKernel, transpose, view } from './wasmOps.js';

/** Bias and activation applied to a convolution's output, as FusedConv2D takes them. */
export interface ConvEpilogue {
  bias?: tf.TensorInfo;
  activation?: string;
  leakyreluAlpha?: number;
}

/**
 * The transposed patch matrix of a convolution of x (NHWC) to an outH x outW map in geometry `g`:
 * P^T[(i,j,c), (b,p,q)] = x[b, p*sh + i*dh - top, q*sw + j*dw - left, c] (0 outside x), [kh*kw*C, B*oh*ow],
 * built in wasm (assembly/kernels.ts). A fresh buffer.
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
  const patchesT = backend.makeOutput([kh * kw * inC, batch * outH * outW], 'float32');
  simdKernels(backend).filterPatchesT(
    heapOffset(backend, x),
    heapOffset(backend, patchesT),
    ...patchGeometry(x.shape, outH, outW, g),
  );
  return patchesT;
}

/** The wasm patch kernels' geometry arguments for an NHWC input of `inShape` mapped to outH x outW in `g`. */
export function patchGeometry(inShape: number[], outH: number, outW: number, g: ConvGeometry): PatchGeometry {
  const [batch, inH, inW, inC] = inShape;
  const [kh, kw] = g.k;
  return [batch, inH, inW, inC, outH, outW, kh, kw, ...g.strides, ...g.dilations, g.padTop, g.padLeft];
}

/**
 * Whether a convolution to `outShape` (NHWC) runs as filter rows times patches ({@link convByPatches}) rather than as
 * tfjs-backend-wasm's XNNPACK convolution: when it has at least twice as many output channels as output
 * pixels (the deep, small maps of a classifier: ResNet-18's [8,4,4,512]; measured with new 3x3 weights, 2
 * threads: at 2x [8,4,4,256] 3.3 ms against 4.8, [2,8,8,256] 3.0 against 4.7; at 1x either way, [8,8,4,256]
 * 7.2 against 6.5; at 0.5x [8,8,8,256] 11.7 against 9.8). tfjs-backend-wasm repacks a
 * convolution's weights whenever they are a new tensor, which in training is every step, in a slow loop (a
 * 3x3x512x512 filter: 23.5 ms with new weights against 6.8 ms with cached ones on [8,4,4,512]); the patch
 * matrix of so few pixels is small, and it is the operand the matmul packs.
 */
export function convUsesPatches(outShape: number[]): boolean {
  const [batch, outH, outW, outC] = outShape;
  return outC >= 2 * batch * outH * outW;
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
  const outT = runWasmKernel(
    'BatchMatMul',
    backend,
    { a: view(filterRows, [1, outC, k]), b: view(patchesT, [1, k, n]) },
    { transposeA: false, transposeB: false },
  );
  free(backend, patchesT);
  let out = transpose(backend, view(outT, [outC, n]), [1, 0]);
  free(backend, outT);
  const then = (next: tf.TensorInfo) => {
    free(backend, out);
    out = next;
  };
  if (epilogue.bias) then(runWasmKernel('Add', backend, { a: out, b: epilogue.bias }));
  const activation = epilogue.activation ?? 'linear';
  if (activation !== 'linear') {
    const name = ACTIVATION_KERNELS[activation];
    if (!name) throw new Error(`tiefe wasm FusedConv2D: no kernel for the activation '${activation}'`);
    then(runWasmKernel(name, backend, { x: out }, { alpha: epilogue.leakyreluAlpha ?? 0.2 }));
  }
  return view(out, outShape);
}
