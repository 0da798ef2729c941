import type * as tf from '@tensorflow/tfjs-core';
import { gruCellBackward, gruGatesBackward } from '../cpu/TiefeGruCell.js';
import { f32, free, runWasmKernel, type WasmKernelArgs } from './wasmOps.js';

/*
 * The fused GRU step kernels on wasm (maths and layouts in cpu/TiefeGruCell.ts), working directly on the wasm
 * heap. The exponentials run in XNNPACK's vectorised sigmoid (tanh(a) = 2 sigmoid(2a) - 1); the backward
 * kernels have none and run the cpu kernels' loops on heap views.
 */

const attrsStep = (args: WasmKernelArgs) => (args.attrs as unknown as { step?: number } | undefined)?.step ?? 0;

/** Kernel `TiefeGruGates` on wasm: z, r = sigmoid(proj_zr + hu) in one XNNPACK pass, then rh = r h. */
export function gruGatesWasm(args: WasmKernelArgs): tf.TensorInfo[] {
  const { backend } = args;
  const { proj, hu, hPrev } = args.inputs;
  const step = attrsStep(args);
  const [batch, U] = hPrev.shape;
  const pre = backend.makeOutput([batch, 2 * U], 'float32');
  const rh = backend.makeOutput([batch, U], 'float32');
  const pv = f32(backend, pre);
  const pj = f32(backend, proj);
  const hv = f32(backend, hu);
  for (let b = 0; b < batch; b++) {
    const p = (step * batch + b) * 3 * U;
    for (let k = 0; k < 2 * U; k++) pv[b * 2 * U + k] = pj[p + k] + hv[b * 2 * U + k];
  }
  const gates = runWasmKernel('Sigmoid', backend, { x: pre });
  const gv = f32(backend, gates);
  const hp = f32(backend, hPrev);
  const rv = f32(backend, rh);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < U; j++) rv[b * U + j] = gv[b * 2 * U + U + j] * hp[b * U + j];
  }
  free(backend, pre);
  return [gates, rh];
}

/** Kernel `TiefeGruCell` on wasm: hh = tanh(proj_h + rhu) through one XNNPACK sigmoid, then h (masked). */
export function gruCellWasm(args: WasmKernelArgs): tf.TensorInfo[] {
  const { backend } = args;
  const { proj, rhu, gates, hPrev, mask } = args.inputs;
  const step = attrsStep(args);
  const [batch, U] = hPrev.shape;
  const pre = backend.makeOutput([batch, U], 'float32');
  const hh = backend.makeOutput([batch, U], 'float32');
  const h = backend.makeOutput([batch, U], 'float32');
  const pv = f32(backend, pre);
  const pj = f32(backend, proj);
  const rv = f32(backend, rhu);
  for (let b = 0; b < batch; b++) {
    const p = (step * batch + b) * 3 * U + 2 * U;
    for (let j = 0; j < U; j++) pv[b * U + j] = 2 * (pj[p + j] + rv[b * U + j]);
  }
  const s = runWasmKernel('Sigmoid', backend, { x: pre });
  const sv = f32(backend, s);
  const gv = f32(backend, gates);
  const hp = f32(backend, hPrev);
  const mv = f32(backend, mask);
  const hhv = f32(backend, hh);
  const hv = f32(backend, h);
  for (let b = 0; b < batch; b++) {
    const real = mv[step * batch + b] > 0.5;
    for (let j = 0; j < U; j++) {
      const k = b * U + j;
      const c = 2 * sv[k] - 1;
      const z = gv[b * 2 * U + j];
      hhv[k] = c;
      hv[k] = real ? z * hp[k] + (1 - z) * c : hp[k];
    }
  }
  free(backend, pre, s);
  return [hh, h];
}

/** Kernel `TiefeGruCellGrad` on wasm ({@link gruCellBackward} on heap views). */
export function gruCellGradWasm(args: WasmKernelArgs): tf.TensorInfo[] {
  const { backend } = args;
  const i = args.inputs;
  const [batch, U] = i.hPrev.shape;
  const dhhPre = backend.makeOutput([batch, U], 'float32');
  const aux = backend.makeOutput([batch, 2 * U], 'float32');
  const v = (x: tf.TensorInfo) => f32(backend, x);
  gruCellBackward(
    {
      gates: v(i.gates),
      hh: v(i.hh),
      hPrev: v(i.hPrev),
      dhRec: v(i.dhRec),
      dy: v(i.dy),
      carry: v(i.carry),
      mask: v(i.mask),
      dhhPre: v(dhhPre),
      aux: v(aux),
    },
    batch,
    U,
    attrsStep(args),
  );
  return [dhhPre, aux];
}

/** Kernel `TiefeGruGatesGrad` on wasm ({@link gruGatesBackward} on heap views). */
export function gruGatesGradWasm(args: WasmKernelArgs): tf.TensorInfo[] {
  const { backend } = args;
  const i = args.inputs;
  const [batch, U] = i.hPrev.shape;
  const dzr = backend.makeOutput([batch, 2 * U], 'float32');
  const carry = backend.makeOutput([batch, U], 'float32');
  const v = (x: tf.TensorInfo) => f32(backend, x);
  gruGatesBackward(
    { drh: v(i.drh), gates: v(i.gates), hPrev: v(i.hPrev), aux: v(i.aux), dzr: v(dzr), carry: v(carry) },
    batch,
    U,
  );
  return [dzr, carry];
}
