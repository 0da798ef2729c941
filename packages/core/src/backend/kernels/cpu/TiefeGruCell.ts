import type * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs } from '../original.js';

/** Kernel names of the fused GRU step (tfjs-layers' GRU maths, reset gate applied before the matMul). */
export const GRU_GATES = 'TiefeGruGates';
/** Second half of a GRU step: candidate and new state. */
export const GRU_CELL = 'TiefeGruCell';
/** Backward pass through {@link GRU_CELL} (and the update gate). */
export const GRU_CELL_GRAD = 'TiefeGruCellGrad';
/** Backward pass through {@link GRU_GATES}' reset gate. */
export const GRU_GATES_GRAD = 'TiefeGruGatesGrad';

/*
 * One GRU step as tfjs-layers computes it (Keras's reset_after = false; gate order z, r, h), B rows, U units:
 *   proj_t = x_t W + b                       [B, 3U], precomputed for all steps ([T * B, 3U], time-major)
 *   z = sigmoid(proj_z + h U_z), r = sigmoid(proj_r + h U_r)            (GRU_GATES, after the matMul h U_zr)
 *   hh = tanh(proj_h + (r * h) U_h), h' = z h + (1 - z) hh; masked rows keep h   (GRU_CELL, after (r h) U_h)
 * Backward, with dh = dhRec + dy_t + carry and m the mask:
 *   GRU_CELL_GRAD:  dhhPre = m dh (1 - z)(1 - hh^2); aux = [dzPre, base] with dzPre = m dh (hp - hh) z (1 - z)
 *                   and base = m dh z + (1 - m) dh
 *   then drh = dhhPre U_h^T (a matMul), GRU_GATES_GRAD: drPre = drh hp r (1 - r), dzr = [dzPre, drPre],
 *   carry = base + drh r; and dh_{t-1} = dzr U_zr^T + carry.
 */

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** {@link GRU_GATES} on arrays: `gates` `[B, 2U]` (z, r) and `rh` `[B, U]` from `proj`, `hu` `[B, 2U]`, `hPrev`. */
export function gruGatesForward(
  a: { proj: Float32Array; hu: Float32Array; hPrev: Float32Array; gates: Float32Array; rh: Float32Array },
  batch: number,
  U: number,
  step: number,
): void {
  for (let b = 0; b < batch; b++) {
    const p = (step * batch + b) * 3 * U;
    for (let j = 0; j < U; j++) {
      const z = sigmoid(a.proj[p + j] + a.hu[b * 2 * U + j]);
      const r = sigmoid(a.proj[p + U + j] + a.hu[b * 2 * U + U + j]);
      a.gates[b * 2 * U + j] = z;
      a.gates[b * 2 * U + U + j] = r;
      a.rh[b * U + j] = r * a.hPrev[b * U + j];
    }
  }
}

/** {@link GRU_CELL} on arrays: `hh` and `h` `[B, U]` from `proj`, `rhu` = (r h) U_h `[B, U]`, `gates`, `hPrev`, `mask`. */
export function gruCellForward(
  a: {
    proj: Float32Array;
    rhu: Float32Array;
    gates: Float32Array;
    hPrev: Float32Array;
    mask: Float32Array;
    hh: Float32Array;
    h: Float32Array;
  },
  batch: number,
  U: number,
  step: number,
): void {
  for (let b = 0; b < batch; b++) {
    const real = a.mask[step * batch + b] > 0.5;
    const p = (step * batch + b) * 3 * U;
    for (let j = 0; j < U; j++) {
      const hh = Math.tanh(a.proj[p + 2 * U + j] + a.rhu[b * U + j]);
      const z = a.gates[b * 2 * U + j];
      const hp = a.hPrev[b * U + j];
      a.hh[b * U + j] = hh;
      a.h[b * U + j] = real ? z * hp + (1 - z) * hh : hp;
    }
  }
}

/** {@link GRU_CELL_GRAD} on arrays: `dhhPre` `[B, U]` and `aux` `[B, 2U]` (dzPre, base). */
export function gruCellBackward(
  a: {
    gates: Float32Array;
    hh: Float32Array;
    hPrev: Float32Array;
    dhRec: Float32Array;
    dy: Float32Array;
    carry: Float32Array;
    mask: Float32Array;
    dhhPre: Float32Array;
    aux: Float32Array;
  },
  batch: number,
  U: number,
  step: number,
): void {
  for (let b = 0; b < batch; b++) {
    const m = a.mask[step * batch + b] > 0.5 ? 1 : 0;
    const y = (step * batch + b) * U;
    for (let j = 0; j < U; j++) {
      const k = b * U + j;
      const dh = a.dhRec[k] + a.dy[y + j] + a.carry[k];
      const dhn = m * dh;
      const z = a.gates[b * 2 * U + j];
      const hh = a.hh[k];
      a.dhhPre[k] = dhn * (1 - z) * (1 - hh * hh);
      a.aux[b * 2 * U + j] = dhn * (a.hPrev[k] - hh) * z * (1 - z);
      a.aux[b * 2 * U + U + j] = dhn * z + (1 - m) * dh;
    }
  }
}

/** {@link GRU_GATES_GRAD} on arrays: `dzr` `[B, 2U]` (dzPre, drPre) and the carry `[B, U]`. */
export function gruGatesBackward(
  a: {
    drh: Float32Array;
    gates: Float32Array;
    hPrev: Float32Array;
    aux: Float32Array;
    dzr: Float32Array;
    carry: Float32Array;
  },
  batch: number,
  U: number,
): void {
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < U; j++) {
      const k = b * U + j;
      const r = a.gates[b * 2 * U + U + j];
      const drh = a.drh[k];
      a.dzr[b * 2 * U + j] = a.aux[b * 2 * U + j];
      a.dzr[b * 2 * U + U + j] = drh * a.hPrev[k] * r * (1 - r);
      a.carry[k] = a.aux[b * 2 * U + U + j] + drh * r;
    }
  }
}

interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

const setup = (args: KernelArgs) => {
  const backend = args.backend as CpuBackendLike;
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const [batch, units] = inputs.hPrev.shape;
  const v = (name: string) => backend.data.get(inputs[name].dataId).values;
  const out = (cols: number) => new Float32Array(batch * cols * units);
  const info = (a: Float32Array, cols: number) => backend.makeTensorInfo([batch, cols * units], 'float32', a);
  const step = (args.attrs as { step?: number } | undefined)?.step ?? 0;
  return { batch, units, v, out, info, step };
};

/** Kernel {@link GRU_GATES} on cpu: inputs `proj`, `hu`, `hPrev`, attr `step`; outputs `gates`, `rh`. */
export function gruGatesCpu(args: KernelArgs): tf.TensorInfo[] {
  const { batch, units, v, out, info, step } = setup(args);
  const [gates, rh] = [out(2), out(1)];
  gruGatesForward({ proj: v('proj'), hu: v('hu'), hPrev: v('hPrev'), gates, rh }, batch, units, step);
  return [info(gates, 2), info(rh, 1)];
}

/** Kernel {@link GRU_CELL} on cpu: inputs `proj`, `rhu`, `gates`, `hPrev`, `mask`, attr `step`; outputs `hh`, `h`. */
export function gruCellCpu(args: KernelArgs): tf.TensorInfo[] {
  const { batch, units, v, out, info, step } = setup(args);
  const [hh, h] = [out(1), out(1)];
  const arrays = { proj: v('proj'), rhu: v('rhu'), gates: v('gates'), hPrev: v('hPrev'), mask: v('mask'), hh, h };
  gruCellForward(arrays, batch, units, step);
  return [info(hh, 1), info(h, 1)];
}

/**
 * Kernel {@link GRU_CELL_GRAD} on cpu: inputs `gates`, `hh`, `hPrev`, `dhRec`, `dy` (`[T * B, U]`), `carry`,
 * `mask`, attr `step`; outputs `dhhPre` `[B, U]`, `aux` `[B, 2U]`.
 */
export function gruCellGradCpu(args: KernelArgs): tf.TensorInfo[] {
  const { batch, units, v, out, info, step } = setup(args);
  const [dhhPre, aux] = [out(1), out(2)];
  const names = ['gates', 'hh', 'hPrev', 'dhRec', 'dy', 'carry', 'mask'] as const;
  const arrays = Object.fromEntries(names.map((n) => [n, v(n)])) as Record<(typeof names)[number], Float32Array>;
  gruCellBackward({ ...arrays, dhhPre, aux }, batch, units, step);
  return [info(dhhPre, 1), info(aux, 2)];
}

/** Kernel {@link GRU_GATES_GRAD} on cpu: inputs `drh`, `gates`, `hPrev`, `aux`; outputs `dzr` `[B, 2U]`, `carry`. */
export function gruGatesGradCpu(args: KernelArgs): tf.TensorInfo[] {
  const { batch, units, v, out, info } = setup(args);
  const [dzr, carry] = [out(2), out(1)];
  gruGatesBackward({ drh: v('drh'), gates: v('gates'), hPrev: v('hPrev'), aux: v('aux'), dzr, carry }, batch, units);
  return [info(dzr, 2), info(carry, 1)];
}
