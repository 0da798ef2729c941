import type * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs } from '../original.js';

/** Kernel name of one fused LSTM step (gates, cell and hidden state from the pre-activations). */
export const LSTM_CELL = 'TiefeLstmCell';
/** Kernel name of the backward pass through one fused LSTM step. */
export const LSTM_CELL_GRAD = 'TiefeLstmCellGrad';

/**
 * The float32 arrays of one forward step, flat, row-major. `units` U, `batch` B, step `t`:
 * - `proj` `[T * B, 4U]`: the input projections `x W + b` of every step (rows of step t start at t * B);
 * - `hu` `[B, 4U]`: `h_{t-1} U`;
 * - `prev` `[B, 6U]`: the previous packed state (only its c_{t-1} is read);
 * - `hPrev` `[B, U]`; `mask` `[T * B]` (1 = a real step, 0 = a padded step that carries the state through);
 * - outputs `state` `[B, 6U]` (i, f, g, o activated, c_t, then tanh of the unmasked new cell: the backward
 *   pass reads it instead of recomputing a tanh) and `h` `[B, U]`.
 */
export interface LstmCellArrays {
  proj: Float32Array;
  hu: Float32Array;
  prev: Float32Array;
  hPrev: Float32Array;
  mask: Float32Array;
  state: Float32Array;
  h: Float32Array;
}

/** The float32 arrays of one backward step (layouts as in {@link LstmCellArrays}). */
export interface LstmCellGradArrays {
  /** `[B, 6U]` the packed state of step t; `prev` `[B, 6U]` that of step t - 1. */
  state: Float32Array;
  prev: Float32Array;
  /** `[B, U]`: `dz_{t+1} U^T`, the gradient reaching h_t through the next step's matMul. */
  dhRec: Float32Array;
  /** `[T * B, U]`: the gradient of every step's output h (zeros where the output is unused). */
  dy: Float32Array;
  /** `[B, 2U]`: the gradient of c_t, then the gradient of h_t carried past masked steps. */
  carry: Float32Array;
  mask: Float32Array;
  /** Outputs: `[B, 4U]` gradient of the pre-activations; `[B, 2U]` the carry for step t - 1. */
  dz: Float32Array;
  carryOut: Float32Array;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * One LSTM step, Keras's maths (sigmoid gates, tanh cell): z = proj_t + h_{t-1} U, (i, f, o) = sigmoid,
 * g = tanh, c = f c_{t-1} + i g, h = o tanh(c); at a masked step c and h keep their previous values (the
 * gates are still stored, the backward pass ignores them there).
 */
export function lstmCellForward(a: LstmCellArrays, batch: number, units: number, step: number): void {
  const U = units;
  for (let b = 0; b < batch; b++) {
    const real = a.mask[step * batch + b] > 0.5;
    const p = (step * batch + b) * 4 * U;
    const z = b * 4 * U;
    const s = b * 6 * U;
    const r = b * U;
    for (let j = 0; j < U; j++) {
      const i = sigmoid(a.proj[p + j] + a.hu[z + j]);
      const f = sigmoid(a.proj[p + U + j] + a.hu[z + U + j]);
      const g = Math.tanh(a.proj[p + 2 * U + j] + a.hu[z + 2 * U + j]);
      const o = sigmoid(a.proj[p + 3 * U + j] + a.hu[z + 3 * U + j]);
      const cp = a.prev[s + 4 * U + j];
      const c = f * cp + i * g;
      const tc = Math.tanh(c);
      a.state[s + j] = i;
      a.state[s + U + j] = f;
      a.state[s + 2 * U + j] = g;
      a.state[s + 3 * U + j] = o;
      a.state[s + 4 * U + j] = real ? c : cp;
      a.state[s + 5 * U + j] = tc;
      a.h[r + j] = real ? o * tc : a.hPrev[r + j];
    }
  }
}

/**
 * The backward pass through one step of {@link lstmCellForward} (no transcendental: tanh(c) is stored): with
 * dh = dhRec + carried dh + dy_t and dc = carried dc, at a real step dc' = dc + dh o (1 - tanh(c)^2), dz = (dc' g, dc' c_{t-1}, dc' i, dh tanh(c))
 * times each activation's derivative, and dc_{t-1} = dc' f; at a masked step dz = 0 and dh, dc pass through.
 * The caller gets dh_{t-1} = dz U^T + carried dh.
 */
export function lstmCellBackward(a: LstmCellGradArrays, batch: number, units: number, step: number): void {
  const U = units;
  for (let b = 0; b < batch; b++) {
    const real = a.mask[step * batch + b] > 0.5;
    const s = b * 6 * U;
    const z = b * 4 * U;
    const k = b * 2 * U;
    const r = b * U;
    const y = (step * batch + b) * U;
    for (let j = 0; j < U; j++) {
      const dh = a.dhRec[r + j] + a.carry[k + U + j] + a.dy[y + j];
      const dc = a.carry[k + j];
      if (!real) {
        a.dz[z + j] = 0;
        a.dz[z + U + j] = 0;
        a.dz[z + 2 * U + j] = 0;
        a.dz[z + 3 * U + j] = 0;
        a.carryOut[k + j] = dc;
        a.carryOut[k + U + j] = dh;
        continue;
      }
      const i = a.state[s + j];
      const f = a.state[s + U + j];
      const g = a.state[s + 2 * U + j];
      const o = a.state[s + 3 * U + j];
      const cp = a.prev[s + 4 * U + j];
      const tc = a.state[s + 5 * U + j];
      const dcn = dc + dh * o * (1 - tc * tc);
      a.dz[z + j] = dcn * g * i * (1 - i);
      a.dz[z + U + j] = dcn * cp * f * (1 - f);
      a.dz[z + 2 * U + j] = dcn * i * (1 - g * g);
      a.dz[z + 3 * U + j] = dh * tc * o * (1 - o);
      a.carryOut[k + j] = dcn * f;
      a.carryOut[k + U + j] = 0;
    }
  }
}

interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/**
 * Kernel {@link LSTM_CELL} on cpu: inputs `proj`, `hu`, `prev`, `hPrev`, `mask`, attr `step`; outputs the packed
 * state `[B, 6U]` and h `[B, U]` ({@link lstmCellForward}).
 */
export function lstmCellCpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as CpuBackendLike;
  const { proj, hu, prev, hPrev, mask } = args.inputs as Record<string, tf.TensorInfo>;
  const step = (args.attrs as { step: number }).step;
  const [batch, units] = hPrev.shape;
  const v = (x: tf.TensorInfo) => backend.data.get(x.dataId).values;
  const state = new Float32Array(batch * 6 * units);
  const h = new Float32Array(batch * units);
  const arrays = { proj: v(proj), hu: v(hu), prev: v(prev), hPrev: v(hPrev), mask: v(mask), state, h };
  lstmCellForward(arrays, batch, units, step);
  return [
    backend.makeTensorInfo([batch, 6 * units], 'float32', state),
    backend.makeTensorInfo([batch, units], 'float32', h),
  ];
}

/**
 * Kernel {@link LSTM_CELL_GRAD} on cpu: inputs `state`, `prev`, `dhRec`, `dy`, `carry`, `mask`, attr `step`;
 * outputs dz `[B, 4U]` and the carry `[B, 2U]` ({@link lstmCellBackward}).
 */
export function lstmCellGradCpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as CpuBackendLike;
  const { state, prev, dhRec, dy, carry, mask } = args.inputs as Record<string, tf.TensorInfo>;
  const step = (args.attrs as { step: number }).step;
  const [batch, units] = dhRec.shape;
  const v = (x: tf.TensorInfo) => backend.data.get(x.dataId).values;
  const dz = new Float32Array(batch * 4 * units);
  const carryOut = new Float32Array(batch * 2 * units);
  const arrays = {
    state: v(state),
    prev: v(prev),
    dhRec: v(dhRec),
    dy: v(dy),
    carry: v(carry),
    mask: v(mask),
    dz,
    carryOut,
  };
  lstmCellBackward(arrays, batch, units, step);
  return [
    backend.makeTensorInfo([batch, 4 * units], 'float32', dz),
    backend.makeTensorInfo([batch, 2 * units], 'float32', carryOut),
  ];
}
