import type * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackendLike, WebGPUProgramLike } from './program.js';

/**
 * Kernels `TiefeLstmCell` / `TiefeLstmCellGrad` on webgpu: the element-wise part of one LSTM step, forward and
 * backward, in WGSL, one thread per (batch row, unit), where tfjs-layers' step launches about fifteen kernels
 * and its taped backward more. The maths and layouts are those of the cpu kernels (`cpu/TiefeLstmCell.ts`,
 * the reference the tests hold these to). tfjs-webgpu programs have one output each, so each kernel runs two
 * programs over the same inputs: the packed state and h forward, dz and the carry backward.
 */

// tanh as tfjs-webgpu computes it: WGSL's own may return NaN for large |x| on some drivers.
export const STEP_HELPERS = `
  fn sigm(z : f32) -> f32 { return 1.0 / (1.0 + exp(-z)); }
  fn tanhSafe(z : f32) -> f32 { let e = exp(-2.0 * abs(z)); return sign(z) * (1.0 - e) / (1.0 + e); }
`;

/**
 * A program of the recurrent step kernels: one thread per (batch row b, unit j), `index` = b * U + j, with
 * `U`, `b`, `j` and, with an input named `msk`, `live` (the row's mask at this step) defined for `body`,
 * which writes its output with `setOutputAtIndex` at any index. Uniforms: {@link stepUniforms}.
 */
export function stepProgram(
  key: string,
  outputShape: number[],
  threads: number,
  variableNames: string[],
  body: string,
): WebGPUProgramLike {
  const groups = Math.ceil(threads / 64);
  // More than 65535 workgroups in x is not allowed: spill into y (getGlobalIndex then counts both).
  const dispatch: [number, number, number] = [Math.min(groups, 65535), Math.ceil(groups / 65535), 1];
  return {
    variableNames,
    outputShape,
    shaderKey: key,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch,
    workgroupSize: [64, 1, 1],
    uniforms: 'units : i32, batch : i32, tstep : i32,',
    getUserCode: () => `
      ${STEP_HELPERS}
      fn main(index : i32) {
        let U = uniforms.units;
        if (index >= uniforms.batch * U) { return; }
        let b = index / U;
        let j = index - b * U;
        ${variableNames.includes('msk') ? 'let live = msk[uniforms.tstep * uniforms.batch + b] > 0.5;' : ''}
        ${body}
      }
    `,
  };
}

const FORWARD_STATE = `
  let p = (uniforms.tstep * uniforms.batch + b) * 4 * U;
  let z = b * 4 * U;
  let s = b * 6 * U;
  let ig = sigm(proj[p + j] + hu[z + j]);
  let fg = sigm(proj[p + U + j] + hu[z + U + j]);
  let gg = tanhSafe(proj[p + 2 * U + j] + hu[z + 2 * U + j]);
  let og = sigm(proj[p + 3 * U + j] + hu[z + 3 * U + j]);
  let cp = prev[s + 4 * U + j];
  setOutputAtIndex(s + j, ig);
  setOutputAtIndex(s + U + j, fg);
  setOutputAtIndex(s + 2 * U + j, gg);
  setOutputAtIndex(s + 3 * U + j, og);
  let cn = fg * cp + ig * gg;
  setOutputAtIndex(s + 4 * U + j, select(cp, cn, live));
  setOutputAtIndex(s + 5 * U + j, tanhSafe(cn));
`;

const FORWARD_H = `
  let s = b * 6 * U;
  let h = st[s + 3 * U + j] * st[s + 5 * U + j];
  setOutputAtIndex(index, select(hprev[index], h, live));
`;

const BACKWARD = `
  let s = b * 6 * U;
  let k = b * 2 * U;
  let dh = dhrec[index] + carry[k + U + j] + dy[(uniforms.tstep * uniforms.batch + b) * U + j];
  let dc = carry[k + j];
  let ig = st[s + j];
  let fg = st[s + U + j];
  let gg = st[s + 2 * U + j];
  let og = st[s + 3 * U + j];
  let cp = prev[s + 4 * U + j];
  let tc = st[s + 5 * U + j];
  let dcn = dc + dh * og * (1.0 - tc * tc);
`;

const BACKWARD_DZ = `${BACKWARD}
  let z = b * 4 * U;
  let m = select(0.0, 1.0, live);
  setOutputAtIndex(z + j, m * dcn * gg * ig * (1.0 - ig));
  setOutputAtIndex(z + U + j, m * dcn * cp * fg * (1.0 - fg));
  setOutputAtIndex(z + 2 * U + j, m * dcn * ig * (1.0 - gg * gg));
  setOutputAtIndex(z + 3 * U + j, m * dh * tc * og * (1.0 - og));
`;

const BACKWARD_CARRY = `${BACKWARD}
  setOutputAtIndex(k + j, select(dc, dcn * fg, live));
  setOutputAtIndex(k + U + j, select(dh, 0.0, live));
`;

interface CellArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

// One entry per scalar: an entry of three would be laid out as a vec3 (16-byte aligned), not as three i32s.
/** The uniforms of a {@link stepProgram}. */
export const stepUniforms = (batch: number, units: number, step: number) =>
  [units, batch, step].map((v) => ({ type: 'int32' as const, data: [v] }));

/** Kernel `TiefeLstmCell` on webgpu (inputs, attrs and outputs as the cpu kernel's). */
export function lstmCellWebgpu(args: CellArgs): tf.TensorInfo[] {
  const backend = args.backend as WebGPUBackendLike;
  const { proj, hu, prev, hPrev, mask } = args.inputs as Record<string, tf.TensorInfo>;
  const step = (args.attrs as { step: number }).step;
  const [batch, units] = hPrev.shape;
  const u = stepUniforms(batch, units, step);
  const n = batch * units;
  const state = backend.runWebGPUProgram(
    stepProgram('tiefeLstmState', [batch, 6 * units], n, ['proj', 'hu', 'prev', 'msk'], FORWARD_STATE),
    [proj, hu, prev, mask],
    'float32',
    u,
  );
  const h = backend.runWebGPUProgram(
    stepProgram('tiefeLstmH', [batch, units], n, ['st', 'hprev', 'msk'], FORWARD_H),
    [state, hPrev, mask],
    'float32',
    u,
  );
  return [state, h];
}

/** Kernel `TiefeLstmCellGrad` on webgpu (inputs, attrs and outputs as the cpu kernel's). */
export function lstmCellGradWebgpu(args: CellArgs): tf.TensorInfo[] {
  const backend = args.backend as WebGPUBackendLike;
  const { state, prev, dhRec, dy, carry, mask } = args.inputs as Record<string, tf.TensorInfo>;
  const step = (args.attrs as { step: number }).step;
  const [batch, units] = dhRec.shape;
  const u = stepUniforms(batch, units, step);
  const n = batch * units;
  const names = ['st', 'prev', 'dhrec', 'dy', 'carry', 'msk'];
  const inputs = [state, prev, dhRec, dy, carry, mask];
  const dz = backend.runWebGPUProgram(
    stepProgram('tiefeLstmDz', [batch, 4 * units], n, names, BACKWARD_DZ),
    inputs,
    'float32',
    u,
  );
  const carryOut = backend.runWebGPUProgram(
    stepProgram('tiefeLstmCarry', [batch, 2 * units], n, names, BACKWARD_CARRY),
    inputs,
    'float32',
    u,
  );
  return [dz, carryOut];
}
