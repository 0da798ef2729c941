import type * as tf from '@tensorflow/tfjs-core';
import { lstmCellBackward, type lstmCellForward } from '../cpu/TiefeLstmCell.js';
import { f32, free, runWasmKernel, type WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `TiefeLstmCell` on wasm: the whole element-wise part of one LSTM step (four activations, cell and
 * hidden state, masking) working directly on the wasm heap, where tfjs-layers' step launches about fifteen
 * kernels. Same maths and layouts as the cpu kernel ({@link lstmCellForward}); the exponentials run in
 * XNNPACK's vectorised sigmoid (JavaScript's Math.exp made this kernel cost as much as the step's matMul):
 * tanh(z) = 2 sigmoid(2z) - 1, so the candidate's columns and the new cell go through sigmoid scaled by 2.
 */
export function lstmCellWasm(args: WasmKernelArgs): tf.TensorInfo[] {
  const { backend } = args;
  const { proj, hu, prev, hPrev, mask } = args.inputs;
  const step = (args.attrs as unknown as { step: number }).step;
  const [batch, U] = hPrev.shape;
  const state = backend.makeOutput([batch, 6 * U], 'float32');
  const h = backend.makeOutput([batch, U], 'float32');
  const z = backend.makeOutput([batch, 4 * U], 'float32');
  // (Its own buffer: the wasm unary kernels read their input's full size, whatever shape a view says.)
  const c2 = backend.makeOutput([batch, U], 'float32');
  // Views after the last allocation: growing the heap detaches earlier ones.
  const zv = f32(backend, z);
  const pv = f32(backend, proj);
  const hv = f32(backend, hu);
  const p0 = step * batch * 4 * U;
  for (let b = 0; b < batch; b++) {
    const r = b * 4 * U;
    for (let k = 0; k < 4 * U; k++) {
      const v = pv[p0 + r + k] + hv[r + k];
      zv[r + k] = k >= 2 * U && k < 3 * U ? 2 * v : v;
    }
  }
  const sg = runWasmKernel('Sigmoid', backend, { x: z });
  let sv = f32(backend, sg);
  const c2v = f32(backend, c2);
  let st = f32(backend, state);
  const prv = f32(backend, prev);
  // First pass: gates, new cell (into state), 2c for the second sigmoid.
  for (let b = 0; b < batch; b++) {
    const q = b * 4 * U;
    const s = b * 6 * U;
    for (let j = 0; j < U; j++) {
      const i = sv[q + j];
      const f = sv[q + U + j];
      const g = 2 * sv[q + 2 * U + j] - 1;
      const c = f * prv[s + 4 * U + j] + i * g;
      st[s + j] = i;
      st[s + U + j] = f;
      st[s + 2 * U + j] = g;
      st[s + 3 * U + j] = sv[q + 3 * U + j];
      st[s + 5 * U + j] = c;
      c2v[b * U + j] = 2 * c;
    }
  }
  const tg = runWasmKernel('Sigmoid', backend, { x: c2 });
  const tv = f32(backend, tg);
  st = f32(backend, state);
  sv = f32(backend, sg);
  const cpv = f32(backend, prev);
  const mv = f32(backend, mask);
  const hpv = f32(backend, hPrev);
  const ho = f32(backend, h);
  for (let b = 0; b < batch; b++) {
    const real = mv[step * batch + b] > 0.5;
    const s = b * 6 * U;
    for (let j = 0; j < U; j++) {
      const c = st[s + 5 * U + j];
      const tc = 2 * tv[b * U + j] - 1;
      st[s + 4 * U + j] = real ? c : cpv[s + 4 * U + j];
      st[s + 5 * U + j] = tc;
      ho[b * U + j] = real ? st[s + 3 * U + j] * tc : hpv[b * U + j];
    }
  }
  free(backend, z, c2, sg, tg);
  return [state, h];
}

/** Kernel `TiefeLstmCellGrad` on wasm: one pass over the heap ({@link lstmCellBackward}). */
export function lstmCellGradWasm(args: WasmKernelArgs): tf.TensorInfo[] {
  const { backend } = args;
  const { state, prev, dhRec, dy, carry, mask } = args.inputs;
  const step = (args.attrs as unknown as { step: number }).step;
  const [batch, units] = dhRec.shape;
  const dz = backend.makeOutput([batch, 4 * units], 'float32');
  const carryOut = backend.makeOutput([batch, 2 * units], 'float32');
  lstmCellBackward(
    {
      state: f32(backend, state),
      prev: f32(backend, prev),
      dhRec: f32(backend, dhRec),
      dy: f32(backend, dy),
      carry: f32(backend, carry),
      mask: f32(backend, mask),
      dz: f32(backend, dz),
      carryOut: f32(backend, carryOut),
    },
    batch,
    units,
    step,
  );
  return [dz, carryOut];
}
