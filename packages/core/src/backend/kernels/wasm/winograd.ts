import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './convBackprop.js';
import { type ConvEpilogue, withEpilogue } from './convByPatches.js';
import { inChunks } from './helperThreads.js';
import { matMulBatch } from './matMulRows.js';
import { heapOffset, winogradKernels } from './simdKernels.js';
import { free, runWasmKernel } from './wasmOps.js';
import { winogradBinary } from './winogradBinary.js';

/**
 * Whether a convolution of an input [B,H,W,C] by a filter [kh,kw,C,O] in geometry `g` runs by Winograd
 * ({@link convByWinograd}): in {@link winogradGeometry}, 'same' on an even image, and where it was measured
 * faster than the other routes with new weights (2 threads): from 32 input and output channels on, and with at
 * least half as many 2x2 tiles as output channels. FusedConv2D, built-in (or the route it took) against
 * Winograd: [8,32,32,64] -> 64 7.4 -> 5.7 ms, [8,16,16,128] -> 128 7.8 -> 5.2, [8,8,8,256] -> 256 9.1 (patch
 * rows) -> 7.3, [2,32,32,64] -> 64 1.9 -> 1.5, [2,16,16,128] -> 128 2.3 -> 1.8, [2,64,64,32] -> 32 1.9 -> 1.8.
 * Below 32 channels (U-Net's 16-channel maps: [2,128,128,16] 2.2 against 2.7, [2,128,128,32] -> 16 4.0 against
 * 4.9) the transforms' passes over 4x the image cost more than the products save; with fewer tiles (ResNet-18's
 * 4x4 maps: [8,4,4,512] 17 ms, [2,8,8,256] 4.2 against 3.3), packing the 16 transformed filters did (measured
 * with XNNPACK's products, before Tiefe's own).
 */
export function winogradFits(inShape: number[], filterShape: number[], g: ConvGeometry, outShape: number[]): boolean {
  const [batch, inH, inW, inC] = inShape;
  const outC = filterShape[3];
  const tiles = (batch * inH * inW) / 4;
  return (
    winogradGeometry(inShape, filterShape, g, outShape) &&
    g.padTop === 1 &&
    g.padLeft === 1 &&
    outShape[1] === inH &&
    outShape[2] === inW &&
    inC >= MIN_CHANNELS &&
    outC >= MIN_CHANNELS &&
    2 * tiles >= outC
  );
}

/**
 * The geometry Winograd F(2x2, 3x3) takes (the forward {@link convByWinograd} and the filter gradient,
 * winogradGrad.ts): a 3x3 filter, stride 1, no dilation, an even output (whole 2x2 tiles), input and output
 * channels in fours, any padding ('same', 'valid', explicit: the input is padded with zeros to the tiles' frame).
 * An odd output in whole tiles was measured slower than the other routes: the reference CNN's 'valid'
 * [64,13,13,32] -> 64 (11x11) filter gradient 7.75 against 6.99 ms, its forward 6.51 against 5.88.
 */
export function winogradGeometry(
  inShape: number[],
  filterShape: number[],
  g: ConvGeometry,
  outShape: number[],
): boolean {
  const inC = inShape[3];
  const [kh, kw, , outC] = filterShape;
  return (
    kh === 3 &&
    kw === 3 &&
    g.strides[0] === 1 &&
    g.strides[1] === 1 &&
    g.dilations[0] === 1 &&
    g.dilations[1] === 1 &&
    outShape[1] > 0 &&
    outShape[2] > 0 &&
    outShape[1] % 2 === 0 &&
    outShape[2] % 2 === 0 &&
    inC % 4 === 0 &&
    outC % 4 === 0
  );
}

/** Input and output channels from which {@link winogradFits} takes the Winograd route. */
const MIN_CHANNELS = 32;

/**
 * The 3x3 stride-1 convolution of x (NHWC) to an even `outShape`, x padded by `pads` on its near sides, by an
 * HWIO filter as Winograd F(2x2, 3x3) (Lavin & Gray, 2016): each 4x4 input tile (stride 2) and each filter slice
 * transformed in wasm (assembly/winograd.ts) into 16 values, then the 16 products U_k [tiles, C] x V_k [C, O] in
 * Tiefe's SIMD product (whole products per thread, matMulRows.ts's matMulBatch: the transformed filter is new
 * every call, and XNNPACK would pack all of it), then each tile's 16 products transformed into its 2x2 output
 * pixels, then bias and activation. 16 multiplications per output tile and channel pair instead of 36, in
 * exchange for the transforms (a pass over 4x the input and 4x the output). Exact up to float32 rounding (the
 * transforms add and halve). Returns the output (a fresh buffer).
 */
export function convByWinograd(
  backend: BackendWasm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  outShape: number[],
  pads: { top: number; left: number },
  epilogue: ConvEpilogue = {},
): tf.TensorInfo {
  const [batch, outH, outW] = outShape;
  const inC = x.shape[3];
  const outC = filter.shape[3];
  const [tilesH, tilesW] = [outH / 2, outW / 2];
  const tiles = batch * tilesH * tilesW;
  const u = winogradInputTiles(backend, x, pads, tilesH, tilesW);
  const v = backend.makeOutput([16, inC, outC], 'float32');
  const kernels = winogradKernels(backend);
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  kernels.winogradFilter(at(filter), at(v), inC, outC);
  const m = backend.makeOutput([16, tiles, outC], 'float32');
  const [uStep, vStep, mStep] = [4 * tiles * inC, 4 * inC * outC, 4 * tiles * outC];
  matMulBatch(backend, [16, at(u), uStep, at(v), vStep, at(m), mStep, 4 * inC, 4, tiles, inC, outC]);
  free(backend, u, v);
  const table = backend.makeOutput([16], 'int32');
  const y = backend.makeOutput(outShape, 'float32');
  (backend.typedArrayFromHeap(table) as Int32Array).set(Array.from({ length: 16 }, (_, k) => at(m) + k * mStep));
  kernels.winogradOutput(at(table), at(y), batch, tilesH, tilesW, outC);
  free(backend, table, m);
  return withEpilogue(backend, y, epilogue);
}

/**
 * The Winograd input transform of x (NHWC, channels in fours) for tilesH x tilesW output tiles of 2x2: x padded
 * with zeros, `pads` on its near sides, to [B, 2*tilesH + 2, 2*tilesW + 2, C], then u = B^T d B
 * of each 4x4 tile d (stride 2), [16, T, C] with T = B*tilesH*tilesW (a fresh buffer), in chunks of images on the
 * helper threads too when they run. Also the first step of the filter gradient (winogradGrad.ts).
 */
export function winogradInputTiles(
  backend: BackendWasm,
  x: tf.TensorInfo,
  pads: { top: number; left: number },
  tilesH: number,
  tilesW: number,
): tf.TensorInfo {
  const [batch, inH, inW, inC] = x.shape;
  const [frameH, frameW] = [2 * tilesH + 2, 2 * tilesW + 2];
  const padded = runWasmKernel('PadV2', backend, { x }, {
    paddings: [
      [0, 0],
      [pads.top, frameH - pads.top - inH],
      [pads.left, frameW - pads.left - inW],
      [0, 0],
    ],
    constantValue: 0,
  } as unknown as tf.NamedAttrMap);
  const u = backend.makeOutput([16, batch * tilesH * tilesW, inC], 'float32');
  const plane = 4 * batch * tilesH * tilesW * inC;
  inChunks(
    backend,
    winogradBinary,
    'winogradInput',
    [heapOffset(backend, padded), heapOffset(backend, u), batch, tilesH, tilesW, inC, plane],
    {
      count: 2,
      moves: [
        [0, 4 * frameH * frameW * inC],
        [1, 4 * tilesH * tilesW * inC],
      ],
    },
  );
  free(backend, padded);
  return u;
}
