import type * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs } from '../original.js';
import type { WebGPUBackendLike } from './program.js';
import { stepDots, stepTiles, stepUniforms, tiledProgram } from './TiefeLstmCell.js';

/*
 * The fused GRU step kernels on webgpu: each half of a GRU step (the reset gate acts before the second matMul,
 * so a step needs two) and of its backward pass is ONE WGSL program with its matMul inside, where the cpu and
 * wasm backends run a matMul plus an element-wise kernel (`TiefeGruGates`, ...: cpu/TiefeGruCell.ts has the
 * maths these share, the reference the tests hold them to). Tiled as the LSTM's ({@link stepTiles}). Layouts,
 * B rows, U units, gate order z, r, h:
 *   forward  `TiefeGruStepGates` -> gates `[B, 3U]`: z, r, r h_{t-1}   (after h_{t-1} U_zr)
 *            `TiefeGruStepCell`  -> cell `[B, 2U]`: hh, h_t            (after (r h_{t-1}) U_h)
 *   backward `TiefeGruStepCellGrad`  -> `[B, 3U]`: dhh (pre-activation), dz (pre-activation), base
 *            (after dh = dz r_{t+1} U_zr^T + dy_t + carry_{t+1}), then the running dU_zr
 *            `TiefeGruStepGatesGrad` -> `[B, 3U]`: dz, dr (pre-activations), carry (after drh = dhh U_h^T),
 *            then the running dU_h (so that dU needs no matMul over all steps)
 */

/** Kernel name of a GRU step's first half on webgpu (the matMul `h U_zr` inside). */
export const GRU_STEP_GATES = 'TiefeGruStepGates';
/** Kernel name of a GRU step's second half on webgpu (the matMul `(r h) U_h` inside). */
export const GRU_STEP_CELL = 'TiefeGruStepCell';
/** Kernel name of the backward pass through {@link GRU_STEP_CELL} (the matMul `dzr U_zr^T` inside). */
export const GRU_STEP_CELL_GRAD = 'TiefeGruStepCellGrad';
/** Kernel name of the backward pass through {@link GRU_STEP_GATES} (the matMul `dhh U_h^T` inside). */
export const GRU_STEP_GATES_GRAD = 'TiefeGruStepGatesGrad';

/**
 * One tiled program over `batch` rows and `units`, output `[batch, cols * units]` (with `dU`, cols 3 and
 * `units` rows more: a running weight gradient in U's layout, {@link weightGrad}), inputs in WGSL names.
 */
function run(
  args: KernelArgs,
  key: string,
  [batch, units, cols]: [number, number, number],
  inputs: Record<string, string>,
  body: (tiles: { rows: number; comps: number }) => string,
  dU?: (tiles: { rows: number; comps: number }) => string,
): tf.TensorInfo[] {
  const backend = args.backend as WebGPUBackendLike;
  const given = args.inputs as Record<string, tf.TensorInfo>;
  const step = (args.attrs as { step?: number } | undefined)?.step ?? 0;
  const tiles = stepTiles(batch, units);
  const threads = (batch / tiles.rows) * (units / tiles.comps);
  const names = Object.keys(inputs);
  const uc = units / tiles.comps;
  const program = tiledProgram(
    key,
    [batch + (dU ? units : 0), cols * units],
    tiles,
    threads,
    names.map((n) => inputs[n]),
    body(tiles),
    dU && { threads: uc * 3 * uc, body: dU(tiles) },
  );
  return [
    backend.runWebGPUProgram(
      program,
      names.map((n) => given[n]),
      'float32',
      stepUniforms(batch, units, step),
    ),
  ];
}

/**
 * The extra threads of a backward program (thread e: rows `kq * comps ..` of the `[U, 3U]` weight gradient
 * below the batch rows, the `comps` columns from `nc * comps`, in `V` units): columns `lo .. hi` are `acc`'s
 * plus `lhs^T rhs` over the batch rows (`lhs[b * lhsRow + lhsAt + kq]`, a `V` of rows;
 * `rhs[b * 3 * Uc + nc - lo]`), columns below `lo` are copied from `copy`, the others left alone.
 */
function weightGrad(
  { comps }: { rows: number; comps: number },
  o: { acc: string; lhs: [string, string, string]; rhs: string; lo: string; hi: string; copy?: string },
): string {
  const C = Array.from({ length: comps }, (_, i) => i);
  const part = (i: number) => (comps === 1 ? 'hv' : `hv[${i}]`);
  const [lhs, lhsRow, lhsAt] = o.lhs;
  return `
    let W = 3 * Uc;
    if (e >= Uc * W) { return; }
    let kq = e / W;
    let nc = e - kq * W;
    let at = uniforms.batch * W + kq * ${comps} * W + nc;
    if (nc < ${o.lo}) {
      ${o.copy ? C.map((i) => `setOutputAtIndex(at + ${i} * W, ${o.copy}[at + ${i} * W]);`).join('\n') : ''}
      return;
    }
    if (nc >= ${o.hi}) { return; }
    ${C.map((i) => `var a${i} = ${o.acc}[at + ${i} * W];`).join(' ')}
    for (var b = 0; b < uniforms.batch; b++) {
      let hv = ${lhs}[b * ${lhsRow} + ${lhsAt} + kq];
      let zv = ${o.rhs}[b * W + nc - ${o.lo}];
      ${C.map((i) => `a${i} = fma(V(${part(i)}), zv, a${i});`).join('\n')}
    }
    ${C.map((i) => `setOutputAtIndex(at + ${i} * W, a${i});`).join('\n')}
  `;
}

const rowsOf = (tiles: { rows: number }, f: (r: number) => string) =>
  Array.from({ length: tiles.rows }, (_, r) => f(r)).join('\n');

/**
 * Kernel {@link GRU_STEP_GATES} on webgpu: inputs `proj` `[T * B, 3U]`, `u` `[U, 3U]`, `prev` `[B, 2U]` (the
 * previous cell output: hh, h), attr `step`; output the gates `[B, 3U]`: z, r and r h_{t-1}.
 */
export function gruStepGatesWebgpu(args: KernelArgs): tf.TensorInfo[] {
  const { prev } = args.inputs as Record<string, tf.TensorInfo>;
  const [batch, units] = [prev.shape[0], prev.shape[1] / 2];
  const inputs = { proj: 'proj', u: 'uu', prev: 'prev' };
  return run(args, 'tiefeGruStepGates', [batch, units, 3], inputs, (tiles) => {
    const dots = stepDots(tiles, {
      src: 'prev',
      srcRow: '2 * Uc',
      srcAt: 'Uc',
      depth: 'Uc',
      w: 'uu',
      wRow: '3 * Uc',
      cols: ['0', 'Uc'],
    });
    return `${dots}${rowsOf(
      tiles,
      (r) => `{
      let b = b0 + ${r};
      let p = (t * uniforms.batch + b) * 3 * Uc + jc;
      let o = b * 3 * Uc + jc;
      let rg = sigmV(proj[p + Uc] + a1_${r});
      setOutputAtIndex(o, sigmV(proj[p] + a0_${r}));
      setOutputAtIndex(o + Uc, rg);
      setOutputAtIndex(o + 2 * Uc, rg * prev[b * 2 * Uc + Uc + jc]);
    }`,
    )}`;
  });
}

/**
 * Kernel {@link GRU_STEP_CELL} on webgpu: inputs `proj`, `u`, `gates` (this step's), `prev` `[B, 2U]`, `mask`
 * `[T * B]`, attr `step`; output `[B, 2U]`: the candidate hh and h_t (masked rows keep h).
 */
export function gruStepCellWebgpu(args: KernelArgs): tf.TensorInfo[] {
  const { prev } = args.inputs as Record<string, tf.TensorInfo>;
  const [batch, units] = [prev.shape[0], prev.shape[1] / 2];
  const inputs = { proj: 'proj', u: 'uu', gates: 'gates', prev: 'prev', mask: 'msk' };
  return run(args, 'tiefeGruStepCell', [batch, units, 2], inputs, (tiles) => {
    const dots = stepDots(tiles, {
      src: 'gates',
      srcRow: '3 * Uc',
      srcAt: '2 * Uc',
      depth: 'Uc',
      w: 'uu',
      wRow: '3 * Uc',
      cols: ['2 * Uc'],
    });
    return `${dots}${rowsOf(
      tiles,
      (r) => `{
      let b = b0 + ${r};
      let live = msk[t * uniforms.batch + b] > 0.5;
      let hh = tanhV(proj[(t * uniforms.batch + b) * 3 * Uc + 2 * Uc + jc] + a0_${r});
      let z = gates[b * 3 * Uc + jc];
      let hp = prev[b * 2 * Uc + Uc + jc];
      setOutputAtIndex(b * 2 * Uc + jc, hh);
      setOutputAtIndex(b * 2 * Uc + Uc + jc, select(hp, z * hp + (1.0 - z) * hh, live));
    }`,
    )}`;
  });
}

/**
 * Kernel {@link GRU_STEP_CELL_GRAD} on webgpu: inputs `gates` (step t's), `cell` (step t's), `prev` (step
 * t - 1's cell), `dy` `[T * B, U]`, `next` `[B, 3U]` ({@link GRU_STEP_GATES_GRAD}'s output at step t + 1:
 * dz, dr, carry, then the running dU; zeros for the last step), `uT` `[3U, U]`, `mask`, attr `step`; output
 * `[B + U, 3U]`: rows `0 .. B` dhh, dz (pre-activations) and the part of dh_{t-1} that does not pass through
 * the reset gate (`base`); rows `B ..`, columns `0 .. 2U`: `next`'s dU_zr plus h_t^T dzr_{t+1} (the caller
 * adds h_{-1}^T dzr_0).
 */
export function gruStepCellGradWebgpu(args: KernelArgs): tf.TensorInfo[] {
  const { gates, uT } = args.inputs as Record<string, tf.TensorInfo>;
  const [batch, units] = [gates.shape[0], uT.shape[1]];
  const inputs = { gates: 'gates', cell: 'cell', prev: 'prev', dy: 'dy', next: 'nxt', uT: 'ut', mask: 'msk' };
  // dU_zr = next's + h_t^T dzr_{t+1}
  const dU = (tiles: { rows: number; comps: number }) =>
    weightGrad(tiles, { acc: 'nxt', lhs: ['cell', '2 * Uc', 'Uc'], rhs: 'nxt', lo: '0', hi: '2 * Uc' });
  return run(
    args,
    'tiefeGruStepCellGrad',
    [batch, units, 3],
    inputs,
    (tiles) => {
      const dots = stepDots(tiles, {
        src: 'nxt',
        srcRow: '3 * Uc',
        srcAt: '0',
        depth: '2 * Uc',
        w: 'ut',
        wRow: 'Uc',
        cols: ['0'],
      });
      return `${dots}${rowsOf(
        tiles,
        (r) => `{
      let b = b0 + ${r};
      let m = select(0.0, 1.0, msk[t * uniforms.batch + b] > 0.5);
      let o = b * 3 * Uc + jc;
      let dh = a0_${r} + dy[(t * uniforms.batch + b) * Uc + jc] + nxt[o + 2 * Uc];
      let dhn = m * dh;
      let z = gates[o];
      let hh = cell[b * 2 * Uc + jc];
      let hp = prev[b * 2 * Uc + Uc + jc];
      setOutputAtIndex(o, dhn * (1.0 - z) * (1.0 - hh * hh));
      setOutputAtIndex(o + Uc, dhn * (hp - hh) * z * (1.0 - z));
      setOutputAtIndex(o + 2 * Uc, dhn * z + (1.0 - m) * dh);
    }`,
      )}`;
    },
    dU,
  );
}

/**
 * Kernel {@link GRU_STEP_GATES_GRAD} on webgpu: inputs `grad` ({@link GRU_STEP_CELL_GRAD}'s output), `gates`
 * (step t's), `prev` (step t - 1's cell), `next` (this kernel's output at step t + 1; zeros for the last),
 * `uT` `[3U, U]`, attr `step`; output `[B + U, 3U]`: rows `0 .. B` dz, dr (pre-activations; together the
 * gradient of proj's z, r columns) and the carry: dh_{t-1} but its `dzr U_zr^T`; rows `B ..`: the running dU
 * `[U, 3U]` (dU_zr from `grad`, dU_h: `next`'s plus (r h_{t-1})^T dhh_t).
 */
export function gruStepGatesGradWebgpu(args: KernelArgs): tf.TensorInfo[] {
  const { gates, uT } = args.inputs as Record<string, tf.TensorInfo>;
  const [batch, units] = [gates.shape[0], uT.shape[1]];
  const inputs = { grad: 'cg', gates: 'gates', prev: 'prev', next: 'nxt', uT: 'ut' };
  // dU_zr from grad, dU_h = next's + (r h_{t-1})^T dhh_t
  const dU = (tiles: { rows: number; comps: number }) =>
    weightGrad(tiles, {
      acc: 'nxt',
      lhs: ['gates', '3 * Uc', '2 * Uc'],
      rhs: 'cg',
      lo: '2 * Uc',
      hi: '3 * Uc',
      copy: 'cg',
    });
  return run(
    args,
    'tiefeGruStepGatesGrad',
    [batch, units, 3],
    inputs,
    (tiles) => {
      const dots = stepDots(tiles, {
        src: 'cg',
        srcRow: '3 * Uc',
        srcAt: '0',
        depth: 'Uc',
        w: 'ut',
        wRow: 'Uc',
        wFirst: '2 * uniforms.units',
        cols: ['0'],
      });
      return `${dots}${rowsOf(
        tiles,
        (r) => `{
      let b = b0 + ${r};
      let o = b * 3 * Uc + jc;
      let rg = gates[o + Uc];
      let d = a0_${r};
      setOutputAtIndex(o, cg[o + Uc]);
      setOutputAtIndex(o + Uc, d * prev[b * 2 * Uc + Uc + jc] * rg * (1.0 - rg));
      setOutputAtIndex(o + 2 * Uc, cg[o + 2 * Uc] + d * rg);
    }`,
      )}`;
    },
    dU,
  );
}
