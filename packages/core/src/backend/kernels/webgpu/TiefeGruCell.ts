import type * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackendLike } from './program.js';
import { stepProgram, stepUniforms } from './TiefeLstmCell.js';

/*
 * The fused GRU step kernels on webgpu, in WGSL (maths and layouts in cpu/TiefeGruCell.ts, the reference the
 * tests hold these to). tfjs-webgpu programs have one output each, so each kernel runs two programs.
 */

const GATES = `
  let p = (uniforms.tstep * uniforms.batch + b) * 3 * U;
  let z = sigm(proj[p + j] + hu[b * 2 * U + j]);
  let r = sigm(proj[p + U + j] + hu[b * 2 * U + U + j]);
`;
const GATES_OUT = `${GATES}
  setOutputAtIndex(b * 2 * U + j, z);
  setOutputAtIndex(b * 2 * U + U + j, r);
`;
const RH_OUT = `${GATES}
  setOutputAtIndex(index, r * hprev[index]);
`;
const HH = `
  let hh = tanhSafe(proj[(uniforms.tstep * uniforms.batch + b) * 3 * U + 2 * U + j] + rhu[index]);
`;
const HH_OUT = `${HH}
  setOutputAtIndex(index, hh);
`;
const H_OUT = `${HH}
  let z = gates[b * 2 * U + j];
  let hp = hprev[index];
  setOutputAtIndex(index, select(hp, z * hp + (1.0 - z) * hh, live));
`;
const CELL_GRAD = `
  let m = select(0.0, 1.0, live);
  let dh = dhrec[index] + dy[(uniforms.tstep * uniforms.batch + b) * U + j] + carry[index];
  let dhn = m * dh;
  let z = gates[b * 2 * U + j];
  let hh = hhs[index];
  let hp = hprev[index];
`;
const DHH_OUT = `${CELL_GRAD}
  setOutputAtIndex(index, dhn * (1.0 - z) * (1.0 - hh * hh));
`;
const AUX_OUT = `${CELL_GRAD}
  setOutputAtIndex(b * 2 * U + j, dhn * (hp - hh) * z * (1.0 - z));
  setOutputAtIndex(b * 2 * U + U + j, dhn * z + (1.0 - m) * dh);
`;
const GATES_GRAD = `
  let r = gates[b * 2 * U + U + j];
  let d = drh[index];
`;
const DZR_OUT = `${GATES_GRAD}
  setOutputAtIndex(b * 2 * U + j, aux[b * 2 * U + j]);
  setOutputAtIndex(b * 2 * U + U + j, d * hprev[index] * r * (1.0 - r));
`;
const CARRY_OUT = `${GATES_GRAD}
  setOutputAtIndex(index, aux[b * 2 * U + U + j] + d * r);
`;

interface CellArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** One program: its output key, width in units, the kernel inputs it reads, its WGSL body. */
type Part = [key: string, cols: number, inputs: string[], body: string];

// WGSL names of the kernel inputs (a binding must not share a name with the body's locals).
const WGSL: Record<string, string> = { mask: 'msk', hh: 'hhs', hPrev: 'hprev', dhRec: 'dhrec' };

/** Runs the two programs of a kernel (each binds only the inputs it reads: WebGPU refuses unused bindings). */
function two(args: CellArgs, parts: [Part, Part]): tf.TensorInfo[] {
  const backend = args.backend as WebGPUBackendLike;
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const [batch, units] = inputs.hPrev.shape;
  const step = (args.attrs as { step?: number } | undefined)?.step ?? 0;
  return parts.map(([key, cols, names, body]) =>
    backend.runWebGPUProgram(
      stepProgram(
        key,
        [batch, cols * units],
        batch * units,
        names.map((n) => WGSL[n] ?? n),
        body,
      ),
      names.map((n) => inputs[n]),
      'float32',
      stepUniforms(batch, units, step),
    ),
  );
}

/** Kernel `TiefeGruGates` on webgpu (inputs, attrs and outputs as the cpu kernel's). */
export function gruGatesWebgpu(args: CellArgs): tf.TensorInfo[] {
  return two(args, [
    ['tiefeGruGates', 2, ['proj', 'hu'], GATES_OUT],
    ['tiefeGruRh', 1, ['proj', 'hu', 'hPrev'], RH_OUT],
  ]);
}

/** Kernel `TiefeGruCell` on webgpu. */
export function gruCellWebgpu(args: CellArgs): tf.TensorInfo[] {
  return two(args, [
    ['tiefeGruHh', 1, ['proj', 'rhu'], HH_OUT],
    ['tiefeGruH', 1, ['proj', 'rhu', 'gates', 'hPrev', 'mask'], H_OUT],
  ]);
}

/** Kernel `TiefeGruCellGrad` on webgpu. */
export function gruCellGradWebgpu(args: CellArgs): tf.TensorInfo[] {
  const all = ['gates', 'hh', 'hPrev', 'dhRec', 'dy', 'carry', 'mask'];
  return two(args, [
    ['tiefeGruDhh', 1, all, DHH_OUT],
    ['tiefeGruAux', 2, all, AUX_OUT],
  ]);
}

/** Kernel `TiefeGruGatesGrad` on webgpu. */
export function gruGatesGradWebgpu(args: CellArgs): tf.TensorInfo[] {
  return two(args, [
    ['tiefeGruDzr', 2, ['drh', 'gates', 'hPrev', 'aux'], DZR_OUT],
    ['tiefeGruCarry', 1, ['drh', 'gates', 'aux'], CARRY_OUT],
  ]);
}
