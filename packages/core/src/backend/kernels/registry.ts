/**
 * The one list of Tiefe's kernels and gradients, and the one function that registers them. tfjs 4.22 lacks or
 * gets wrong a few kernels that common models train with; each file next to this one holds one kernel
 * (named as tfjs names it) with what it fixes and how it was checked.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resizeNearestNeighborGrad } from './cpu/ResizeNearestNeighborGrad.js';
import {
  GRU_CELL,
  GRU_CELL_GRAD,
  GRU_GATES,
  GRU_GATES_GRAD,
  gruCellCpu,
  gruCellGradCpu,
  gruGatesCpu,
  gruGatesGradCpu,
} from './cpu/TiefeGruCell.js';
import { LSTM_CELL, LSTM_CELL_GRAD, lstmCellCpu, lstmCellGradCpu } from './cpu/TiefeLstmCell.js';
import { conv2dGrad } from './gradients/Conv2D_grad.js';
import { conv3DBackpropInputV2Grad } from './gradients/Conv3DBackpropInputV2_grad.js';
import { depthwiseConv2dGrad } from './gradients/DepthwiseConv2dNative_grad.js';
import { eluGrad } from './gradients/Elu_grad.js';
import { expGrad } from './gradients/Exp_grad.js';
import { fusedBatchNormGrad } from './gradients/FusedBatchNorm_grad.js';
import { greaterGrad } from './gradients/Greater_grad.js';
import { meanGrad } from './gradients/Mean_grad.js';
import { sigmoidGrad } from './gradients/Sigmoid_grad.js';
import { tanhGrad } from './gradients/Tanh_grad.js';
import { saveOriginal, saveOriginalGradient } from './original.js';
import { avgPoolGrad } from './wasm/AvgPoolGrad.js';
import { batchMatMul } from './wasm/BatchMatMul.js';
import { cast } from './wasm/Cast.js';
import { conv2DBackpropFilter } from './wasm/Conv2DBackpropFilter.js';
import { conv2DBackpropInput } from './wasm/Conv2DBackpropInput.js';
import { conv3DBackpropFilterV2 } from './wasm/Conv3DBackpropFilterV2.js';
import { conv3DBackpropInputV2 } from './wasm/Conv3DBackpropInputV2.js';
import { CHANNEL_BINARY_KERNELS, channelBinary } from './wasm/channelBinary.js';
import { depthwiseConv2dNativeBackpropFilter } from './wasm/DepthwiseConv2dNativeBackpropFilter.js';
import { depthwiseConv2dNativeBackpropInput } from './wasm/DepthwiseConv2dNativeBackpropInput.js';
import { fusedBatchNorm } from './wasm/FusedBatchNorm.js';
import { fusedConv2D } from './wasm/FusedConv2D.js';
import { identity } from './wasm/Identity.js';
import { maxPoolGrad } from './wasm/MaxPoolGrad.js';
import { padV2 } from './wasm/PadV2.js';
import { concat, slice, splitV } from './wasm/Slice.js';
import { mean, sum } from './wasm/Sum.js';
import { gruCellGradWasm, gruCellWasm, gruGatesGradWasm, gruGatesWasm } from './wasm/TiefeGruCell.js';
import { lstmCellGradWasm, lstmCellWasm } from './wasm/TiefeLstmCell.js';
import { tile } from './wasm/Tile.js';
import { transpose } from './wasm/Transpose.js';
import { unsortedSegmentSum } from './wasm/UnsortedSegmentSum.js';
import { BINARY_KERNELS, binaryAnyRank } from './webgpu/binaryRank5.js';
import { cast as castWebgpu } from './webgpu/Cast.js';
import { select } from './webgpu/Select.js';
import {
  GRU_STEP_CELL,
  GRU_STEP_CELL_GRAD,
  GRU_STEP_GATES,
  GRU_STEP_GATES_GRAD,
  gruStepCellGradWebgpu,
  gruStepCellWebgpu,
  gruStepGatesGradWebgpu,
  gruStepGatesWebgpu,
} from './webgpu/TiefeGruCell.js';
import { LSTM_STEP, LSTM_STEP_GRAD, lstmStepGradWebgpu, lstmStepWebgpu } from './webgpu/TiefeLstmCell.js';
import { tile as tileWebgpu } from './webgpu/Tile.js';

const kernel = (kernelName: string, backendName: string, kernelFunc: unknown): tf.KernelConfig => ({
  kernelName,
  backendName,
  kernelFunc: kernelFunc as tf.KernelFunc,
});

/**
 * Tiefe's kernels. Each replaces the backend's own kernel of that name (kept, and still run for the cases the
 * replacement passes on) or adds one the backend lacks:
 * - cpu: `ResizeNearestNeighborGrad` (the gradient of `UpSampling2D`), wrong in tfjs-backend-cpu for batches > 1;
 * - wasm: the kernels training needs that tfjs-backend-wasm lacks (`Conv2DBackpropFilter`,
 *   `DepthwiseConv2dNativeBackprop{Filter,Input}`, `UnsortedSegmentSum` for gather and Embedding gradients) and
 *   faster ones (`Conv2DBackpropInput` and `BatchMatMul` with transposed operands or batches on XNNPACK,
 *   `MaxPoolGrad` / `AvgPoolGrad` in one pass, `Sum` and `Mean` over leading axes, `FusedBatchNorm` per channel in one pass, `Identity` and same-dtype `Cast`
 *   without a copy, `Cast` to bool as x != 0, `Slice` and `SplitV` without copying their whole input first, `Concat` by strided copies, `Tile` by block
 *   copies, `Transpose` by SIMD blocks, `PadV2` by strided copies, `Add` / `Sub` / `Multiply` / `RealDiv` with a
 *   per-channel operand on wide rows, `FusedConv2D` on small maps with many channels as one matmul of patches and,
 *   with its input gradient, 3x3 'same' from 32 channels by Winograd F(2x2, 3x3)), and correct `Conv3DBackpropInputV2` / `Conv3DBackpropFilterV2`
 *   (tfjs-backend-wasm's returned wrong values: `Conv3DTranspose` gave zeros at stride 2);
 * - webgpu: `Select` for rank > 4 (the gradient of PReLU / LeakyReLU on volumes threw), `Tile` for float32 of
 *   rank 5 and 6 (tfjs tiled them on the CPU by a synchronous read-back, which throws in Node), and the binary
 *   element-wise kernels with a rank->=5 and a rank-<=1 operand (their shared-memory WGSL did not compile and
 *   the op returned garbage), and `Cast` bool/int32 -> float32 as a real conversion (tfjs relabelled the i32
 *   buffer, and programs reading it by its stored type failed: masked RNNs were wrong on webgpu).
 */
export const KERNELS: readonly tf.KernelConfig[] = [
  kernel(tf.ResizeNearestNeighborGrad, 'cpu', resizeNearestNeighborGrad),
  kernel(tf.Conv2DBackpropFilter, 'wasm', conv2DBackpropFilter),
  kernel(tf.Conv2DBackpropInput, 'wasm', conv2DBackpropInput),
  kernel(tf.FusedConv2D, 'wasm', fusedConv2D),
  kernel(tf.Conv3DBackpropFilterV2, 'wasm', conv3DBackpropFilterV2),
  kernel(tf.Conv3DBackpropInputV2, 'wasm', conv3DBackpropInputV2),
  kernel(tf.DepthwiseConv2dNativeBackpropFilter, 'wasm', depthwiseConv2dNativeBackpropFilter),
  kernel(tf.DepthwiseConv2dNativeBackpropInput, 'wasm', depthwiseConv2dNativeBackpropInput),
  kernel(tf.MaxPoolGrad, 'wasm', maxPoolGrad),
  kernel(tf.AvgPoolGrad, 'wasm', avgPoolGrad),
  kernel(tf.UnsortedSegmentSum, 'wasm', unsortedSegmentSum),
  kernel(tf.Sum, 'wasm', sum),
  kernel(tf.Mean, 'wasm', mean),
  kernel(tf.FusedBatchNorm, 'wasm', fusedBatchNorm),
  kernel(tf.BatchMatMul, 'wasm', batchMatMul),
  kernel(tf.Identity, 'wasm', identity),
  kernel(tf.Cast, 'wasm', cast),
  kernel(tf.Slice, 'wasm', slice),
  kernel(tf.PadV2, 'wasm', padV2),
  kernel(tf.SplitV, 'wasm', splitV),
  kernel(tf.Concat, 'wasm', concat),
  kernel(tf.Tile, 'wasm', tile),
  kernel(tf.Transpose, 'wasm', transpose),
  ...CHANNEL_BINARY_KERNELS.map((name) => kernel(name, 'wasm', channelBinary(name))),
  kernel(tf.Select, 'webgpu', select),
  kernel(tf.Tile, 'webgpu', tileWebgpu),
  kernel(tf.Cast, 'webgpu', castWebgpu),
  ...BINARY_KERNELS.map((name) => kernel(name, 'webgpu', binaryAnyRank(name))),
  // Tiefe's own: the fused LSTM and GRU steps and their backward passes (used by @tiefe/sequence's FusedLSTM
  // and FusedGRU): the element-wise part of a step on cpu and wasm (after a matMul), whole steps (or, for the
  // GRU, halves: its reset gate acts between two matMuls) on webgpu.
  ...(
    [
      [LSTM_CELL, lstmCellCpu, lstmCellWasm],
      [LSTM_CELL_GRAD, lstmCellGradCpu, lstmCellGradWasm],
      [GRU_GATES, gruGatesCpu, gruGatesWasm],
      [GRU_CELL, gruCellCpu, gruCellWasm],
      [GRU_CELL_GRAD, gruCellGradCpu, gruCellGradWasm],
      [GRU_GATES_GRAD, gruGatesGradCpu, gruGatesGradWasm],
    ] as const
  ).flatMap(([name, cpu, wasm]) => [kernel(name, 'cpu', cpu), kernel(name, 'wasm', wasm)]),
  ...(
    [
      [LSTM_STEP, lstmStepWebgpu],
      [LSTM_STEP_GRAD, lstmStepGradWebgpu],
      [GRU_STEP_GATES, gruStepGatesWebgpu],
      [GRU_STEP_CELL, gruStepCellWebgpu],
      [GRU_STEP_CELL_GRAD, gruStepCellGradWebgpu],
      [GRU_STEP_GATES_GRAD, gruStepGatesGradWebgpu],
    ] as const
  ).map(([name, webgpu]) => kernel(name, 'webgpu', webgpu)),
];

/**
 * Tiefe's gradients: `Conv3DBackpropInputV2` (so `Conv3DTranspose` trains; tfjs-core has none) and `Conv2D` /
 * `DepthwiseConv2dNative` for any dilation (tfjs's throw for dilation > 1), and `Greater` (zero; second
 * derivatives through LeakyReLU threw without it), and `Tanh` / `Sigmoid` / `Exp` / `Elu` from their inputs
 * (tfjs's second derivatives through them were silently wrong or threw), and `FusedBatchNorm` and `Mean` with
 * fewer full-size ops (batch norm's training backward pass). Backend-independent.
 */
export const GRADIENTS: readonly tf.GradConfig[] = [
  conv2dGrad,
  depthwiseConv2dGrad,
  conv3DBackpropInputV2Grad,
  greaterGrad,
  tanhGrad,
  sigmoidGrad,
  expGrad,
  eluGrad,
  fusedBatchNormGrad,
  meanGrad,
];

// Marks Tiefe's functions, with a global symbol so that two copies of @tiefe/core (its ESM and CommonJS builds
// in one process) recognise each other's and never wrap a replacement as if it were the original.
const MARK = Symbol.for('tiefe.kernel');
const marked = (f: unknown) => Boolean((f as Record<symbol, unknown> | undefined)?.[MARK]);
for (const f of [...KERNELS.map((k) => k.kernelFunc), ...GRADIENTS.map((g) => g.gradFunc)]) {
  (f as unknown as Record<symbol, boolean>)[MARK] = true;
}

/**
 * Registers Tiefe's kernels (the `KERNELS` table of `registry.ts`) for every backend registered with tfjs now,
 * and its gradients (`GRADIENTS`).
 * Importing `@tiefe/core` calls it (for the cpu backend and any backend loaded before), and `initBackend` calls
 * it after it loads the webgpu or wasm backend, so models built or loaded in any way train with no further call.
 * Call it yourself only when you load a backend package (`@tensorflow/tfjs-backend-wasm`) yourself after
 * importing `@tiefe/core` and start it without `initBackend`. Idempotent: a second call changes nothing and
 * warns nothing.
 */
export function registerKernels(): void {
  for (const config of KERNELS) {
    // A backend loaded later gets its kernels when initBackend loads it (or on the next call).
    if (!tf.findBackendFactory(config.backendName)) continue;
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (marked(existing?.kernelFunc)) continue;
    if (existing) {
      saveOriginal(existing);
      // registerKernel only warns and overwrites; unregister first so that replacing the backend's own is silent.
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    // The replacement keeps the built-in's setupFunc, which binds its wasm function: other built-ins call it
    // directly (tfjs-backend-wasm's Mean, Max, Softmax, ... transpose their input through Transpose's).
    tf.registerKernel(existing?.setupFunc ? { ...config, setupFunc: existing.setupFunc } : config);
  }
  // tfjs warns when a gradient is overridden; the overrides are deliberate, so keep that warning out of logs.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('Overriding the gradient')) warn(...args);
  };
  try {
    for (const config of GRADIENTS) {
      const existing = tf.getGradient(config.kernelName);
      if (marked(existing?.gradFunc)) continue;
      if (existing) saveOriginalGradient(existing);
      tf.registerGradient(config);
    }
  } finally {
    console.warn = warn;
  }
}
