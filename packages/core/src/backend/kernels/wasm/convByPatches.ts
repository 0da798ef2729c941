import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './convBackprop.js';
import { heapOffset, simdKernels } from './simdKernels.js';
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
  const [batch, inH, inW, inC] = x.shape;
  const [kh, kw] = g.k;
  const patchesT = backend.makeOutput([kh * kw * inC, batch * outH * outW], 'float32');
  simdKernels(backend).filterPatchesT(
    heapOffset(backend, x),
    heapOffset(backend, patchesT),
    batch,
    inH,
    inW,
    inC,
    outH,
    outW,
    kh,
    kw,
    g.strides[0],
    g.strides[1],
    g.dilations[0],
    g.dilations[1],
    g.padTop,
    g.padLeft,
  );
  return patchesT;
}

/**
 * Whether a convolution to `outShape` (NHWC) runs as patches times filter ({@link convByPatches}) rather than as
 * tfjs-backend-wasm's XNNPACK convolution: when it has more than twice as many output channels as output
 * pixels (the deep, small maps of a classifier: ResNet-18's [8,4,4,512]). tfjs-backend-wasm repacks a
 * convolution's weights whenever they are a new tensor, which in training is every step, in a slow loop (a
 * 3x3x512x512 filter: 23.5 ms with new weights against 6.8 ms with cached ones on [8,4,4,512]); the matmul packs
 * them fast, and the patch matrix of so few pixels is small.
 */
export function convUsesPatches(outShape: number[]): boolean {
  const [batch, outH, outW, outC] = outShape;
  return outC > 2 * batch * outH * outW;
}

/**
 * The convolution of x (NHWC) by an HWIO filter as one XNNPACK matmul: the patch matrix [B*oh*ow, kh*kw*C]
 * (built transposed in wasm, then transposed) times the filter as it lies, [kh*kw*C, O], with the bias and
 * activation fused into the matmul when given. Returns the output (`outShape`, a fresh buffer).
 */
export function convByPatches(
  backend: BackendWasm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
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
  const patches = transpose(backend, patchesT, [1, 0]);
  free(backend, patchesT);
  const a = view(patches, [1, n, k]);
  const b = view(filter, [1, k, outC]);
  const fused = epilogue.bias !== undefined || (epilogue.activation ?? 'linear') !== 'linear';
  const out = fused
    ? runWasmKernel('_FusedMatMul', backend, { a, b, ...(epilogue.bias ? { bias: epilogue.bias } : {}) }, {
        transposeA: false,
        transposeB: false,
        activation: epilogue.activation ?? 'linear',
        leakyreluAlpha: epilogue.leakyreluAlpha ?? 0,
      } as unknown as tf.NamedAttrMap)
    : runWasmKernel('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
  free(backend, patches);
  return view(out, outShape);
}
