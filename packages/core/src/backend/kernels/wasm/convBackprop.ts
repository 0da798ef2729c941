import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { patchGeometry, patchMatrix, patchMatrixT } from './convByPatches.js';
import { helperThreads } from './helperThreads.js';
import { matMulRows } from './matMulRows.js';
import { heapOffset, simdKernels } from './simdKernels.js';
import {
  aliasAt,
  f32,
  free,
  matMul,
  type Pads,
  releaseAlias,
  runWasmKernel,
  transpose,
  view,
  xnnConv2d,
} from './wasmOps.js';
import { convByWinograd, winogradFits, winogradGeometry } from './winograd.js';
import { filterGradByWinograd } from './winogradGrad.js';

/** Geometry shared by the backprop kernels (NHWC, one image dimension at a time). */
export interface ConvGeometry {
  /** Filter size [height, width]. */
  k: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** Top and left padding of the forward convolution. */
  padTop: number;
  padLeft: number;
}

/** The attributes every conv backprop kernel has (Conv2DBackpropFilter has no dilations: 1). */
export interface ConvAttrs {
  strides: [number, number] | number;
  dilations?: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NHWC' | 'NCHW';
}

/** tfjs's geometry of the forward convolution of `xShape` by `filterShape`, and its NHWC {@link ConvGeometry}. */
export function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  depthwise: boolean,
): { info: tf.backend_util.Conv2DInfo; g: ConvGeometry } {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    // The depthwise kernels are NHWC only (their attributes name no format).
    depthwise ? 'channelsLast' : tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC'),
  );
  const g: ConvGeometry = {
    k: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
  return { info, g };
}

/** NCHW -> NHWC through the wasm Transpose kernel (a fresh buffer), or `t` itself when already channels-last. */
export function toNhwc(backend: BackendWasm, t: tf.TensorInfo, channelsLast: boolean): tf.TensorInfo {
  return channelsLast ? t : transpose(backend, t, [0, 2, 3, 1]);
}

/** How {@link convFilterGrad} computes dW (see {@link filterGradRoute}). */
export type FilterGradRoute = 'patches' | 'simd' | 'taps' | 'swapped' | 'winograd';

/**
 * The route of {@link convFilterGrad} for x and dy (NHWC) in geometry `g`, with `threads` the threads Tiefe's
 * SIMD product runs on (helperThreads.ts):
 * - `'winograd'`: a 3x3 filter at stride 1 with an even output and channels in fours (winograd.ts's
 *   winogradGeometry), as Winograd F(3x3, 2x2) (winogradGrad.ts), measured faster than every other route at 1
 *   and 2 threads (2 threads, the route before -> Winograd: ResNet-18's [8,32,32,64] -> 64 15.4 -> 8.9 ms,
 *   [8,16,16,128] 11.8 -> 6.9, [8,8,8,256] 12.3 -> 8.1, [8,4,4,512] 21.7 -> 16.7, U-Net's [2,256,256,16] -> 16
 *   22.9 -> 15.4; 1 thread [8,32,32,64] 29.1 -> 14.8);
 * - with helper threads (`threads` > 1), every other shape with O in fours: `'simd'`, the patch matrix times dy
 *   in Tiefe's product on every thread, which packs nothing (the reference CNN's [64,13,13,32] -> 64 by
 *   `'swapped'` 10.8 -> 7.5 ms, [8,32,32,64] -> 128 3x3/2 by `'patches'` 9.1 -> 7.2);
 * - `'swapped'`: from batch 16 on, one XNNPACK convolution with the roles of images and filter swapped, whose
 *   inner dimension per tap is the batch, which XNNPACK then runs at full width;
 * - `'taps'`: below that, at stride 1, one matmul per filter tap on x's padded frame when that frame has at
 *   least 4 times as many pixels as the wider of C and O (each matmul then has a long inner dimension): U-Net's
 *   and ResNet's large maps ([2,128,128,32] -> 16: 6.1 against 11.0 ms by patches, [8,32,32,64] -> 64: 9.9
 *   against 12.0, 2 threads);
 * - otherwise the transposed patch matrix P^T [kh*kw*C, B*oh*ow] times dy as it lies: a first layer's (few input
 *   channels: the patch matrix has fewer elements than x and dy together, at any batch) and small maps with many
 *   channels at any stride, where the swapped convolution packs all of dy as a filter in tfjs-backend-wasm's slow
 *   loop ([8,4,4,512] -> 512: 11.5 against 14.6 ms, [8,8,8,256] 9.3 against 11.0, stride 2 [8,16,16,64] -> 128:
 *   1.4 against 3.1). With at most {@link SIMD_PRODUCT_ROWS} patch rows (and O in fours) that product is
 *   `'simd'`, Tiefe's SIMD product (assembly/products.ts); with more, `'patches'`, one XNNPACK
 *   matmul. XNNPACK first packs its second operand, here dy, new every step, at ~4-7 ns an element (single
 *   threaded): with few patch rows that packing is most of the time. Measured with a new dy per call, 2 threads,
 *   XNNPACK against the SIMD loop: the reference CNN's [64,28,28,1] -> 32 (9 rows) 11.2 -> 1.6 ms (packing its dy
 *   [43264,32] alone: 12.4 ms), U-Net's [2,128,128,1] -> 16 2.3 -> 0.7, ResNet-18's stem [8,32,32,3] -> 64 (27)
 *   5.7 -> 1.6, its 1x1 stride-2 [8,32,32,64] -> 128 (64) 2.7 -> 2.0, [2,32,32,16] -> 32 3x3/2 (144) 0.74 ->
 *   0.31; even at 128 rows ([8,16,16,128] -> 256 1x1/2, 1.6 either way) and at 288 ([8,16,16,32] -> 64 3x3/2,
 *   1.0 either way).
 */
export function filterGradRoute(xShape: number[], dyShape: number[], g: ConvGeometry, threads = 1): FilterGradRoute {
  const [kh, kw] = g.k;
  const rows = kh * kw * xShape[3];
  if (winogradGeometry(xShape, [kh, kw, xShape[3], dyShape[3]], g, dyShape)) return 'winograd';
  if (threads > 1 && dyShape[3] % 4 === 0) return 'simd';
  const product: FilterGradRoute = rows <= SIMD_PRODUCT_ROWS && dyShape[3] % 4 === 0 ? 'simd' : 'patches';
  if (rows * dyShape[0] * dyShape[1] * dyShape[2] <= tf.util.sizeFromShape(xShape) + tf.util.sizeFromShape(dyShape))
    return product;
  if (dyShape[0] >= 16) return 'swapped';
  if (g.strides[0] !== 1 || g.strides[1] !== 1) return product;
  const frame = dyShape[0] * (dyShape[1] + (kh - 1) * g.dilations[0]) * (dyShape[2] + (kw - 1) * g.dilations[1]);
  return frame >= 4 * Math.max(xShape[3], dyShape[3]) ? 'taps' : product;
}

/** Without helper threads: patch rows (kh*kw*C) up to which the filter gradient's product is Tiefe's, not XNNPACK's. */
export const SIMD_PRODUCT_ROWS = 144;

/**
 * dW[i,j,c,o] = sum_{b,p,q} x[b, p*sh + i*dh - top, q*sw + j*dw - left, c] * dy[b,p,q,o], computed by XNNPACK as
 * a convolution in which the roles swap: the images are x's channels (x as [C,H,W,B]), the batch is the
 * convolution's channel dimension, dy as [oh,ow,B,O] is the filter, stride <- dilation and dilation <- stride.
 * Returns dW as [kh,kw,C,O] (a fresh buffer owned by the caller).
 */
export function convFilterGrad(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const [, inH, inW, inC] = x.shape;
  const [, outH, outW, outC] = dy.shape;
  const [kh, kw] = g.k;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const route = filterGradRoute(x.shape, dy.shape, g, helperThreads(backend));
  if (route === 'patches' || route === 'simd') return filterGradByPatches(backend, x, dy, g, route === 'simd');
  if (route === 'winograd') return filterGradByWinograd(backend, x, dy, g);
  if (route === 'taps') return filterGradByTapMatMuls(backend, x, dy, g);
  const xT = transpose(backend, x, [3, 1, 2, 0]);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]);
  // Pad the far side just enough for kh x kw outputs; when the input is larger than the forward convolution
  // used (valid padding with a remainder), XNNPACK yields extra rows and columns, dropped in the copy below.
  const pads: Pads = {
    top: g.padTop,
    left: g.padLeft,
    bottom: Math.max(0, (kh - 1) * dh + (outH - 1) * sh + 1 - inH - g.padTop),
    right: Math.max(0, (kw - 1) * dw + (outW - 1) * sw + 1 - inW - g.padLeft),
  };
  const out = xnnConv2d(backend, xT, dyT, [dh, dw], [sh, sw], pads);
  free(backend, xT, dyT);
  const [, gotH, gotW] = out.shape;
  const dW = backend.makeOutput([kh, kw, inC, outC], 'float32');
  const src = f32(backend, out);
  const dst = f32(backend, dW);
  for (let c = 0; c < inC; c++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const from = ((c * gotH + i) * gotW + j) * outC;
        dst.set(src.subarray(from, from + outC), ((i * kw + j) * inC + c) * outC);
      }
    }
  }
  free(backend, out);
  return dW;
}

/**
 * dW at stride 1 as one XNNPACK matmul per filter tap, with no patch matrix: x is padded to the Hp x Wp frame
 * that every tap reads (Hp = oh + (kh-1)*dh, Wp = ow + (kw-1)*dw) and laid out as channel planes [C, B*Hp*Wp],
 * dy is padded with zeros to the same frame, [B*Hp*Wp, O]. In that flat frame, the pixel that tap (i,j) joins to
 * dy's pixel r is x's pixel r + i*dh*Wp + j*dw, so dW[i,j] = X_ij dy, where X_ij [C, B*Hp*Wp] is the planes'
 * buffer read from element i*dh*Wp + j*dw on: a window of it, aliased, not copied. A window row runs into the
 * next plane's first elements; they meet dy's padding (zero) only, and an extra zero plane ends the buffer.
 * The big operands are each copied once (the swapped-roles convolution packs all of dy as a filter, single
 * threaded) and the products are the matmuls XNNPACK runs fastest.
 */
function filterGradByTapMatMuls(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const [batch, inH, inW, inC] = x.shape;
  const [, outH, outW, outC] = dy.shape;
  const [kh, kw] = g.k;
  const [dh, dw] = g.dilations;
  const hp = outH + (kh - 1) * dh;
  const wp = outW + (kw - 1) * dw;
  const n = batch * hp * wp;
  const pad = (t: tf.TensorInfo, paddings: number[][]) =>
    runWasmKernel('PadV2', backend, { x: t }, { paddings, constantValue: 0 } as unknown as tf.NamedAttrMap);
  // At stride 1 the frame covers x with its padding exactly: hp = top + inH + bottom (likewise wp).
  const framed = pad(x, [
    [0, 0],
    [g.padTop, hp - inH - g.padTop],
    [g.padLeft, wp - inW - g.padLeft],
    [0, 0],
  ]);
  // The planes [C + 1, n]: x's frame transposed into the first C (as tfjs's Transpose of [n, C] would), zeros
  // in the last.
  const planes = backend.makeOutput([inC + 1, n], 'float32');
  simdKernels(backend).swapAxes(heapOffset(backend, framed), heapOffset(backend, planes), 1, n, inC, 1);
  f32(backend, planes).fill(0, inC * n);
  free(backend, framed);
  const dyFramed = pad(dy, [
    [0, 0],
    [0, hp - outH],
    [0, wp - outW],
    [0, 0],
  ]);
  const dW = backend.makeOutput([kh, kw, inC, outC], 'float32');
  const tap = inC * outC;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const window = aliasAt(backend, planes, i * dh * wp + j * dw, [1, inC, n]);
      const out = matMul(backend, window, view(dyFramed, [n, outC]));
      releaseAlias(backend, window);
      f32(backend, dW).set(f32(backend, out), (i * kw + j) * tap);
      free(backend, out);
    }
  }
  free(backend, planes, dyFramed);
  return dW;
}

/**
 * dW = P^T dy, P the patch matrix, and dy used as it lies, [B*oh*ow, O]: with `simd` in Tiefe's SIMD product
 * (assembly/products.ts, on the helper threads too when they run; O a multiple of 4), which packs nothing and
 * reads P transposed as im2col lays it out; else P^T [kh*kw*C, B*oh*ow] built transposed times dy as one
 * XNNPACK matmul, which packs dy (see {@link filterGradRoute}). Returns dW as [kh,kw,C,O] (fresh).
 */
function filterGradByPatches(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
  simd: boolean,
): tf.TensorInfo {
  const inC = x.shape[3];
  const [batch, outH, outW, outC] = dy.shape;
  const [kh, kw] = g.k;
  const n = batch * outH * outW;
  const k = kh * kw * inC;
  let dW: tf.TensorInfo;
  if (simd) {
    // The patch matrix as im2col lays it out, P [B*oh*ow, kh*kw*C] (runs of C channels copied), read transposed
    // by the product; with fewer than 4 channels (runs too short to copy) gathered already transposed.
    const transposed = inC < 4;
    const patches = (transposed ? patchMatrixT : patchMatrix)(backend, x, outH, outW, g);
    dW = backend.makeOutput([k, outC], 'float32');
    const at = (t: tf.TensorInfo) => heapOffset(backend, t);
    const [aRow, aInner] = transposed ? [4 * n, 4] : [4, 4 * k];
    matMulRows(backend, [at(patches), aRow, aInner, at(dy), at(dW), k, n, outC]);
    free(backend, patches);
  } else {
    const patchesT = patchMatrixT(backend, x, outH, outW, g);
    dW = matMul(backend, view(patchesT, [k, n]), view(dy, [n, outC]));
    free(backend, patchesT);
  }
  return view(dW, [kh, kw, inC, outC]);
}

/**
 * Writes dy's pixels into a zeroed [B, H + (kh-1)*dh, W + (kw-1)*dw, C] buffer at row (kh-1)*dh - top + p*sh and
 * column (kw-1)*dw - left + q*sw (pixels that land outside only touch dx outside the image and are dropped),
 * so that a stride-1 'valid' convolution with the flipped filter gives dx for any stride and padding.
 */
function spreadForInputGrad(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  inShape: number[],
  g: ConvGeometry,
): tf.TensorInfo {
  const [batch, outH, outW, ch] = dy.shape;
  const [, inH, inW] = inShape;
  const [kh, kw] = g.k;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const zH = inH + (kh - 1) * dh;
  const zW = inW + (kw - 1) * dw;
  const z = backend.makeOutput([batch, zH, zW, ch], 'float32');
  const dst = f32(backend, z);
  const src = f32(backend, dy);
  dst.fill(0);
  const r0 = (kh - 1) * dh - g.padTop;
  const c0 = (kw - 1) * dw - g.padLeft;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < outH; p++) {
      const r = r0 + p * sh;
      if (r < 0 || r >= zH) continue;
      for (let q = 0; q < outW; q++) {
        const c = c0 + q * sw;
        if (c < 0 || c >= zW) continue;
        const from = ((b * outH + p) * outW + q) * ch;
        dst.set(src.subarray(from, from + ch), ((b * zH + r) * zW + c) * ch);
      }
    }
  }
  return z;
}

/** Padding that lets a stride-1 convolution of dy itself give dx (stride 1 only), or undefined when negative. */
function directPads(dy: tf.TensorInfo, inShape: number[], g: ConvGeometry): Pads | undefined {
  if (g.strides[0] !== 1 || g.strides[1] !== 1) return undefined;
  const [kh, kw] = g.k;
  const [dh, dw] = g.dilations;
  const pads: Pads = {
    top: (kh - 1) * dh - g.padTop,
    left: (kw - 1) * dw - g.padLeft,
    bottom: inShape[1] - dy.shape[1] + g.padTop,
    right: inShape[2] - dy.shape[2] + g.padLeft,
  };
  return Math.min(pads.top, pads.left, pads.bottom, pads.right) < 0 ? undefined : pads;
}

/**
 * Whether {@link convInputGrad} goes through the column matrix ({@link inputGradByCols}): when dx has at least a
 * quarter as many channels as dy has pixels (the deeper, smaller maps of a classifier, any stride). There
 * XNNPACK's convolution would repack the flipped filter, all kh*kw*C*O of it, on every call (tfjs-backend-wasm's
 * slow loop), and at stride 2 run one convolution per stride phase, while the column matrix packs only dy.
 * Measured (3x3, new weights, 2 threads): at 2x and more [8,4,4,512] 11.8 -> 8.8 ms; at 0.5x [8,8,8,256]
 * 9.7 -> 8.6; at 0.25x the stride-2 [8,8,8,256] -> [8,16,16,128] 7.0 -> 4.3, [2,16,16,128] either way (2.6);
 * below, the convolution: at 1/16x [8,16,16,128] 8.3 against 10.2, at 1/32x [2,32,32,64] 1.9 against 2.8.
 */
export function inputGradUsesCols(dyShape: number[], inChannels: number): boolean {
  const [batch, outH, outW] = dyShape;
  return 4 * inChannels >= batch * outH * outW;
}

/**
 * dx[b,h,w,c] = sum_{i,j,o} dy[b,p,q,o] * W[i,j,c,o] over h = p*sh + i*dh - top (likewise w): for a 3x3 'same'
 * convolution where Winograd pays ({@link winogradFits}) as Winograd of dy with the flipped filter; on small
 * maps with many channels ({@link inputGradUsesCols}) through the column matrix; otherwise the convolution of dy (spread
 * out by the stride when it is > 1) with the filter flipped in space and transposed to [kh,kw,O,C], on XNNPACK.
 * Returns dx as inShape (a fresh buffer owned by the caller).
 */
export function convInputGrad(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inShape: number[],
  g: ConvGeometry,
): tf.TensorInfo {
  const [kh, kw, inC, outC] = filter.shape;
  // At stride 1 with 'same' padding dx is a 3x3 'same' convolution of dy too: Winograd where it pays, before
  // the column matrix ([8,8,8,256] by 3x3x256x256: 7.3 against 8.6 ms).
  const direct = directPads(dy, inShape, g);
  const winograd =
    direct !== undefined &&
    winogradFits(dy.shape, [kh, kw, outC, inC], { ...g, padTop: direct.top, padLeft: direct.left }, inShape);
  if (!winograd && inputGradUsesCols(dy.shape, inC)) return inputGradByCols(backend, dy, filter, inShape, g);
  // Each tap's [C,O] block transposed to [O,C] by the Transpose kernel, then the taps in reverse order: tap
  // (kh-1-i, kw-1-j) is tap number kh*kw-1 - (i*kw+j), so flipping both axes reverses the tap sequence.
  const taps = kh * kw;
  const perTap = transpose(backend, view(filter, [taps, inC, outC]), [0, 2, 1]);
  const flipped = backend.makeOutput([kh, kw, outC, inC], 'float32');
  const wt = f32(backend, perTap);
  const wf = f32(backend, flipped);
  const block = inC * outC;
  for (let t = 0; t < taps; t++) wf.set(wt.subarray((taps - 1 - t) * block, (taps - t) * block), t * block);
  free(backend, perTap);
  const dx = winograd
    ? convByWinograd(backend, dy, flipped, inShape, direct)
    : inputGradByConv(backend, dy, flipped, inShape, g, false);
  free(backend, flipped);
  return dx;
}

/**
 * dx through the column matrix cols[(i,j,c), (b,p,q)] = sum_o W[i,j,c,o] dy[b,p,q,o]: one XNNPACK matmul of the
 * filter as it lies ([kh*kw*C, O]: no flip, no transpose) by dy transposed ([O, B*oh*ow], the small operand,
 * which XNNPACK packs), transposed to a row per dy pixel and added back onto the pixels of dx each tap reaches
 * (wasm `col2im`), at any stride and padding. ResNet-18 (2 threads): [8,4,4,512] by 3x3x512x512 11.8 -> 8.8 ms
 * (tfjs's repacking of the flipped filter: gone), the stride-2 [8,4,4,512] -> [8,8,8,256] 10.7 -> 4.5 ms.
 */
function inputGradByCols(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inShape: number[],
  g: ConvGeometry,
): tf.TensorInfo {
  const [kh, kw, inC, outC] = filter.shape;
  const [batch, outH, outW] = dy.shape;
  const n = batch * outH * outW;
  const k = kh * kw * inC;
  const dyT = transpose(backend, view(dy, [n, outC]), [1, 0]);
  const cols = matMul(backend, view(filter, [k, outC]), dyT);
  free(backend, dyT);
  const rows = transpose(backend, view(cols, [k, n]), [1, 0]);
  free(backend, cols);
  const dx = backend.makeOutput(inShape, 'float32');
  simdKernels(backend).col2im(
    heapOffset(backend, rows),
    heapOffset(backend, dx),
    ...patchGeometry(inShape, outH, outW, g),
  );
  free(backend, rows);
  return dx;
}

/**
 * dx as an XNNPACK convolution (depthwise when `depthwise`) of dy with the already flipped filter: directly with
 * padding at stride 1, else of dy spread out by the stride (see spreadForInputGrad). A fresh buffer.
 */
export function inputGradByConv(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  flipped: tf.TensorInfo,
  inShape: number[],
  g: ConvGeometry,
  depthwise: boolean,
): tf.TensorInfo {
  const direct = directPads(dy, inShape, g);
  if (direct) return xnnConv2d(backend, dy, flipped, [1, 1], g.dilations, direct, depthwise);
  const phases = stridePhases(dy.shape, inShape, g);
  if (phases) return inputGradByPhases(backend, dy, flipped, inShape, phases, depthwise);
  const z = spreadForInputGrad(backend, dy, inShape, g);
  const dx = xnnConv2d(backend, z, flipped, [1, 1], g.dilations, { top: 0, bottom: 0, left: 0, right: 0 }, depthwise);
  free(backend, z);
  return dx;
}

/** One output phase along one image axis: the rows h = s*u + phase of dx (see {@link stridePhases}). */
interface AxisPhase {
  /** The first flipped-filter tap that reaches these rows; the taps used are first, first + s, ... */
  first: number;
  /** How many taps reach them (0: these rows of dx are zero). */
  taps: number;
  /** Padding of dy before and after for a stride-1 correlation with those taps. */
  before: number;
  after: number;
}

/**
 * The stride-phase split of a strided input gradient (a transposed convolution): along an axis with stride s, dx
 * row h = s*u + ph only meets the flipped taps i = a + s*m with a = (kh - 1 - top - ph) mod s, at dy row
 * u + m + e (e = (ph + a - kh + 1 + top) / s), so each of the s x s phases is a stride-1 correlation of dy itself
 * with a sub-filter: s^2 times fewer multiplications than convolving dy spread out with zeros. Undefined where
 * it does not apply (dilation > 1, a size not divisible by the stride, or a phase that would need negative
 * padding); those take the spread route.
 */
function stridePhases(dyShape: number[], inShape: number[], g: ConvGeometry): AxisPhase[][] | undefined {
  if (g.dilations[0] !== 1 || g.dilations[1] !== 1) return undefined;
  const axes: AxisPhase[][] = [];
  for (const d of [0, 1]) {
    const s = g.strides[d];
    const k = g.k[d];
    const n = inShape[d + 1];
    const outN = dyShape[d + 1];
    if (n % s !== 0) return undefined;
    const r0 = k - 1 - (d === 0 ? g.padTop : g.padLeft);
    const phases: AxisPhase[] = [];
    for (let ph = 0; ph < s; ph++) {
      const first = (((r0 - ph) % s) + s) % s;
      const taps = Math.max(0, Math.ceil((k - first) / s));
      const before = (r0 - ph - first) / s;
      const after = n / s - 1 + taps - outN - before;
      if (taps > 0 && (before < 0 || after < 0)) return undefined;
      phases.push({ first, taps, before, after });
    }
    axes.push(phases);
  }
  return axes;
}

/**
 * dx by stride phases ({@link stridePhases}): one XNNPACK stride-1 convolution of dy per phase with its taps of
 * the flipped filter, each written to its slot of a [sh, sw, B*H/sh, W/sw, C] buffer, then transposed to
 * [B*H/sh, sh, W/sw, sw, C], which is dx. A fresh buffer.
 */
function inputGradByPhases(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  flipped: tf.TensorInfo,
  inShape: number[],
  phases: AxisPhase[][],
  depthwise: boolean,
): tf.TensorInfo {
  const [batch, inH, inW, inC] = inShape;
  const [, kw, fa, fb] = flipped.shape;
  const [sh, sw] = [phases[0].length, phases[1].length];
  const rows = (batch * inH) / sh;
  const cols = inW / sw;
  const slot = rows * cols * inC;
  const stacked = backend.makeOutput([sh, sw, rows, cols, inC], 'float32');
  for (let ph = 0; ph < sh; ph++) {
    for (let pw = 0; pw < sw; pw++) {
      const at = (ph * sw + pw) * slot;
      const [ah, aw] = [phases[0][ph], phases[1][pw]];
      if (ah.taps === 0 || aw.taps === 0) {
        f32(backend, stacked).fill(0, at, at + slot);
        continue;
      }
      const sub = backend.makeOutput([ah.taps, aw.taps, fa, fb], 'float32');
      const w = f32(backend, flipped);
      const ws = f32(backend, sub);
      const tap = fa * fb;
      for (let m = 0; m < ah.taps; m++) {
        for (let n = 0; n < aw.taps; n++) {
          const from = ((ah.first + sh * m) * kw + aw.first + sw * n) * tap;
          ws.set(w.subarray(from, from + tap), (m * aw.taps + n) * tap);
        }
      }
      const pads: Pads = { top: ah.before, bottom: ah.after, left: aw.before, right: aw.after };
      const part = xnnConv2d(backend, dy, sub, [1, 1], [1, 1], pads, depthwise);
      f32(backend, stacked).set(f32(backend, part), at);
      free(backend, sub, part);
    }
  }
  // [sh, sw, R, V, C] -> [R, sh, V, sw, C] as two rank-4 transposes: tfjs-backend-wasm's rank-5 Transpose is a
  // generic loop (150 ms here against 2 ms for both).
  const rowsFirst = transpose(backend, view(stacked, [sh, sw, rows, cols * inC]), [2, 0, 1, 3]);
  free(backend, stacked);
  const dx = transpose(backend, view(rowsFirst, [rows * sh, sw, cols, inC]), [0, 2, 1, 3]);
  free(backend, rowsFirst);
  return view(dx, inShape);
}

/**
 * Calls `visit(xOff, dyOff, tapOff)` for every pair of an input pixel x[b,h,w,:] and an output pixel dy[b,p,q,:]
 * joined by filter tap (i,j): h = p*sh + i*dh - top and w = q*sw + j*dw - left inside the image, with
 * xOff = ((b*H + h)*W + w)*C, dyOff = ((b*oh + p)*ow + q)*O and tapOff = (i*kw + j)*O. The plain loops of the
 * depthwise kernels run inside it.
 */
export function forEachTap(
  xShape: number[],
  dyShape: number[],
  g: ConvGeometry,
  visit: (xOff: number, dyOff: number, tapOff: number) => void,
): void {
  const [batch, inH, inW, ch] = xShape;
  const [, outH, outW, outC] = dyShape;
  const [kh, kw] = g.k;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < outH; p++) {
      for (let i = 0; i < kh; i++) {
        const h = p * sh + i * dh - g.padTop;
        if (h < 0 || h >= inH) continue;
        for (let q = 0; q < outW; q++) {
          const dyOff = ((b * outH + p) * outW + q) * outC;
          for (let j = 0; j < kw; j++) {
            const w = q * sw + j * dw - g.padLeft;
            if (w < 0 || w >= inW) continue;
            visit(((b * inH + h) * inW + w) * ch, dyOff, (i * kw + j) * outC);
          }
        }
      }
    }
  }
}
