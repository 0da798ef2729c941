import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tf from '@tensorflow/tfjs-core';
import type { ConvGeometry } from './convBackprop.js';
import { inChunks } from './helperThreads.js';
import { matMulBatch } from './matMulRows.js';
import { heapOffset } from './simdKernels.js';
import { free } from './wasmOps.js';
import { winogradInputTiles } from './winograd.js';
import { winogradGradBinary } from './winogradGradBinary.js';

/**
 * The filter gradient of a 3x3 convolution at stride 1 (winograd.ts's winogradGeometry: an even output, channels
 * in fours, any padding) as Winograd F(3x3, 2x2): dW = G^T [sum over tiles (A e A^T) * (B^T d B)] G
 * (assembly/winogradGrad.ts), d the forward's 4x4 input tiles (the same input transform), e dy's 2x2 tiles. The
 * sum over tiles is 16 products U_k^T V_k, [C, T] x [T, O], in Tiefe's product (which reads U_k [T, C]
 * transposed as it lies): 16 multiplications per tile and channel pair instead of 36, for the transforms' passes
 * over 4x the input and dy. Exact up to float32 rounding. Returns dW [3, 3, C, O] (a fresh buffer).
 */
export function filterGradByWinograd(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const [batch, , , inC] = x.shape;
  const [, outH, outW, outC] = dy.shape;
  const [tilesH, tilesW] = [outH / 2, outW / 2];
  const tiles = batch * tilesH * tilesW;
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  const u = winogradInputTiles(backend, x, { top: g.padTop, left: g.padLeft }, tilesH, tilesW);
  const v = backend.makeOutput([16, tiles, outC], 'float32');
  // Both transforms in chunks (images, input channels) on the helper threads too when they run.
  inChunks(
    backend,
    winogradGradBinary,
    'winogradGradTiles',
    [at(dy), at(v), batch, tilesH, tilesW, outC, 4 * tiles * outC],
    {
      count: 2,
      moves: [
        [0, 4 * outH * outW * outC],
        [1, 4 * tilesH * tilesW * outC],
      ],
    },
  );
  // M_k = U_k^T V_k: U_k [T, C] read transposed (element (c, t) at t*C + c).
  const m = backend.makeOutput([16, inC, outC], 'float32');
  const [uStep, vStep, mStep] = [4 * tiles * inC, 4 * tiles * outC, 4 * inC * outC];
  matMulBatch(backend, [16, at(u), uStep, at(v), vStep, at(m), mStep, 4, 4 * inC, inC, tiles, outC]);
  free(backend, u, v);
  const dW = backend.makeOutput([3, 3, inC, outC], 'float32');
  inChunks(backend, winogradGradBinary, 'winogradGradFilter', [at(m), at(dW), inC, outC, mStep], {
    count: 2,
    moves: [
      [0, 4 * outC],
      [1, 4 * outC],
    ],
  });
  free(backend, m);
  return dW;
}
