import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './convBackprop.js';
import { type ConvEpilogue, withEpilogue } from './convByPatches.js';
import { heapOffset, winogradKernels } from './simdKernels.js';
import { aliasAt, free, matMul, releaseAlias, runWasmKernel } from './wasmOps.js';

/**
 * Whether a convolution of an input [B,H,W,C] by a filter [kh,kw,C,O] in geometry `g` runs by Winograd
 * ({@link convByWinograd}): 3x3, stride 1, no dilation, one pixel of padding on each side ('same'), an even
 * image, channels in fours, and where it was measured faster than the other routes with new weights (2 threads):
 * from 32 input and output channels on, and with at least half as many 2x2 tiles as output channels. FusedConv2D,
 * built-in (or the route it took) against Winograd: [8,32,32,64] -> 64 7.4 -> 5.7 ms, [8,16,16,128] -> 128
 * 7.8 -> 5.2, [8,8,8,256] -> 256 9.1 (patch rows) -> 7.3, [2,32,32,64] -> 64 1.9 -> 1.5, [2,16,16,128] -> 128
 * 2.3 -> 1.8, [2,64,64,32] -> 32 1.9 -> 1.8. Below 32 channels (U-Net's 16-channel maps: [2,128,128,16] 2.2
 * against 2.7, [2,128,128,32] -> 16 4.0 against 4.9) the transforms' passes over 4x the image cost more than
 * the products save; with fewer tiles (ResNet-18's 4x4 maps: [8,4,4,512] 17 ms, [2,8,8,256] 4.2 against 3.3), packing
 * the 16 transformed filters does.
 */
export function winogradFits(inShape: number[], filterShape: number[], g: ConvGeometry, outShape: number[]): boolean {
  const [batch, inH, inW, inC] = inShape;
  const [kh, kw, , outC] = filterShape;
  const [, outH, outW] = outShape;
  const geometry =
    kh === 3 &&
    kw === 3 &&
    g.strides[0] === 1 &&
    g.strides[1] === 1 &&
    g.dilations[0] === 1 &&
    g.dilations[1] === 1 &&
    g.padTop === 1 &&
    g.padLeft === 1 &&
    outH === inH &&
    outW === inW &&
    inH % 2 === 0 &&
    inW % 2 === 0 &&
    inC % 4 === 0 &&
    outC % 4 === 0;
  const tiles = (batch * inH * inW) / 4;
  return geometry && inC >= MIN_CHANNELS && outC >= MIN_CHANNELS && 2 * tiles >= outC;
}

/** Input and output channels from which {@link winogradFits} takes the Winograd route. */
const MIN_CHANNELS = 32;

/**
 * The 3x3 'same' convolution of x (NHWC, even H and W) by an HWIO filter as Winograd F(2x2, 3x3) (Lavin & Gray,
 * 2016): each 4x4 input tile (stride 2) and each filter slice transformed in wasm (assembly/winograd.ts) into 16
 * values, then 16 XNNPACK matmuls U_k [tiles, C] x V_k [C, O], then each tile's 16 products transformed into its
 * 2x2 output pixels, then bias and activation. 16 multiplications per output tile and channel pair instead of
 * 36, in exchange for the transforms (a pass over 4x the input and 4x the output) and packing 16/9 of the
 * filter. Exact up to float32 rounding (the transforms add and halve). Returns the output (a fresh buffer).
 */
export function convByWinograd(
  backend: BackendWasm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  outShape: number[],
  epilogue: ConvEpilogue = {},
): tf.TensorInfo {
  const [batch, inH, inW, inC] = x.shape;
  const outC = filter.shape[3];
  const [tilesH, tilesW] = [inH / 2, inW / 2];
  const tiles = batch * tilesH * tilesW;
  const kernels = winogradKernels(backend);
  const padded = runWasmKernel('PadV2', backend, { x }, {
    paddings: [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
    constantValue: 0,
  } as unknown as tf.NamedAttrMap);
  const u = backend.makeOutput([16, tiles, inC], 'float32');
  kernels.winogradInput(heapOffset(backend, padded), heapOffset(backend, u), batch, tilesH, tilesW, inC);
  free(backend, padded);
  const v = backend.makeOutput([16, inC, outC], 'float32');
  kernels.winogradFilter(heapOffset(backend, filter), heapOffset(backend, v), inC, outC);
  const products: tf.TensorInfo[] = [];
  for (let k = 0; k < 16; k++) {
    const a = aliasAt(backend, u, k * tiles * inC, [1, tiles, inC]);
    const b = aliasAt(backend, v, k * inC * outC, [1, inC, outC]);
    products.push(matMul(backend, a, b));
    releaseAlias(backend, a);
    releaseAlias(backend, b);
  }
  free(backend, u, v);
  const table = backend.makeOutput([16], 'int32');
  const y = backend.makeOutput(outShape, 'float32');
  (backend.typedArrayFromHeap(table) as Int32Array).set(products.map((m) => heapOffset(backend, m)));
  kernels.winogradOutput(heapOffset(backend, table), heapOffset(backend, y), batch, tilesH, tilesW, outC);
  free(backend, table, ...products);
  return withEpilogue(backend, y, epilogue);
}
