import type * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs } from '../original.js';
import type { WebGPUBackendLike, WebGPUProgramLike } from './program.js';

/**
 * Kernels `TiefeLstmStep` / `TiefeLstmStepGrad` on webgpu: one whole LSTM step, forward and backward, in ONE
 * WGSL program each, the step's matMul included (`h U` forward, `dz U^T` backward), where the cpu and wasm
 * backends run a matMul plus the element-wise kernel `TiefeLstmCell` / `TiefeLstmCellGrad` (whose maths and
 * masking these share: `cpu/TiefeLstmCell.ts`). On Mesa's lavapipe (WebGPU emulated on the CPU) a step was a
 * tiled matMul plus two element-wise programs (tfjs-webgpu programs have one output each); one program that
 * reads the previous step's packed output needs no second output and no separate matMul. The GRU's step
 * kernels (TiefeGruCell.ts) are built from the same tiled programs.
 */

/** Kernel name of one whole fused LSTM step on webgpu (the matMul `h U` inside). */
export const LSTM_STEP = 'TiefeLstmStep';
/** Kernel name of the backward pass through one whole fused LSTM step on webgpu (the matMul `dz U^T` inside). */
export const LSTM_STEP_GRAD = 'TiefeLstmStepGrad';

// One entry per scalar: an entry of three would be laid out as a vec3 (16-byte aligned), not as three i32s.
/** The uniforms of a {@link tiledProgram}: units, batch, step. */
export const stepUniforms = (batch: number, units: number, step: number) =>
  [units, batch, step].map((v) => ({ type: 'int32' as const, data: [v] }));

/** A program that also says how many floats its inputs and output hold per array element (tfjs-webgpu 4.22). */
type VectorProgram = WebGPUProgramLike & { variableComponents: number[]; outputComponent: number };

/**
 * The register tiles of the fused step programs: each thread computes `rows` batch rows of `comps` adjacent
 * units (a `vec4` when units is a multiple of 4), so that one load of a weight feeds `rows` multiply-adds
 * and one of a state `comps` (a thread per element was slower than tfjs's tiled matMul on lavapipe).
 */
export function stepTiles(batch: number, units: number): { rows: number; comps: number } {
  return { rows: batch % 4 === 0 ? 4 : batch % 2 === 0 ? 2 : 1, comps: units % 4 === 0 ? 4 : 1 };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * A tiled step program: thread `index` computes rows `b0 .. b0 + rows` and the `comps` units from `jc * comps`,
 * with `Uc` (units / comps), `t` (the step), `b0`, `jc` and the type `V` (`f32` or `vec4<f32>`, its
 * `sigmV` / `tanhV`) defined for `body`. Every input but `msk` (the mask, one float a row) is read `comps`
 * floats an element, and the output is written so. `extra` threads, after those, run `extra.body` with their
 * own index `e` (from 0; it returns past its end). Uniforms: {@link stepUniforms}.
 */
export function tiledProgram(
  key: string,
  outputShape: number[],
  tiles: { rows: number; comps: number },
  threads: number,
  variableNames: string[],
  body: string,
  extra?: { threads: number; body: string },
): VectorProgram {
  const groups = Math.ceil((threads + (extra?.threads ?? 0)) / 64);
  const { rows, comps } = tiles;
  return {
    variableNames,
    variableComponents: variableNames.map((n) => (n === 'msk' ? 1 : comps)),
    outputComponent: comps,
    outputShape,
    shaderKey: `${key}_${rows}_${comps}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.min(groups, 65535), Math.ceil(groups / 65535), 1],
    workgroupSize: [64, 1, 1],
    uniforms: 'units : i32, batch : i32, tstep : i32,',
    getUserCode: () => `
      alias V = ${comps === 4 ? 'vec4<f32>' : 'f32'};
      fn sigmV(z : V) -> V { return 1.0 / (1.0 + exp(-z)); }
      // tanh as tfjs-webgpu computes it: WGSL's own may return NaN for large |x| on some drivers.
      fn tanhV(z : V) -> V { let e = exp(-2.0 * abs(z)); return sign(z) * (1.0 - e) / (1.0 + e); }
      fn main(index : i32) {
        let Uc = uniforms.units / ${comps};
        let t = uniforms.tstep;
        let tiled = (uniforms.batch / ${rows}) * Uc;
        if (index >= tiled) {
          ${extra ? `let e = index - tiled; ${extra.body}` : ''}
          return;
        }
        let rb = index / Uc;
        let jc = index - rb * Uc;
        let b0 = rb * ${rows};
        ${body}
      }
    `,
  };
}

/** Component `c` of the `V` named `v`. */
const part = (comps: number, v: string, c: number) => (comps === 1 ? v : `${v}[${c}]`);

/** Where the dot products of a tiled step program read (every expression in `V` elements, WGSL). */
export interface StepDot {
  /** The left operand, one row per batch row: `src[(b0 + r) * srcRow + srcAt + k]`, k < `depth`. */
  src: string;
  srcRow: string;
  srcAt: string;
  depth: string;
  /** The weights `[rows, wRow * comps]`: row `wFirst + k * comps + c`, elements from `col + jc`. */
  w: string;
  wRow: string;
  wFirst?: string;
  /** One accumulator `a{g}_{r}` per column start (a gate) and row. */
  cols: string[];
}

/**
 * WGSL of the dot products of a tiled step program: declares `a{g}_{r}` (`V`) for every column start g and
 * row r and sums over k, `comps` k at a time: each weight load feeds every row, each load of `src` every
 * column start and `comps` k.
 */
export function stepDots({ rows, comps }: { rows: number; comps: number }, d: StepDot): string {
  const R = range(rows);
  const G = range(d.cols.length);
  let dot = '';
  for (let c = 0; c < comps; c++) {
    for (const g of G) {
      dot += `let w${g}_${c} = ${d.w}[(${d.wFirst ?? '0'} + k * ${comps} + ${c}) * ${d.wRow} + ${d.cols[g]} + jc];\n`;
    }
    for (const r of R)
      for (const g of G) dot += `a${g}_${r} = fma(w${g}_${c}, V(${part(comps, `x${r}`, c)}), a${g}_${r});\n`;
  }
  return `
    ${R.map((r) => G.map((g) => `var a${g}_${r} = V(0.0);`).join(' ')).join('\n')}
    for (var k = 0; k < ${d.depth}; k++) {
      ${R.map((r) => `let x${r} = ${d.src}[(b0 + ${r}) * ${d.srcRow} + ${d.srcAt} + k];`).join('\n')}
      ${dot}
    }
  `;
}

/**
 * Forward: the state `[B, 7U]` packs i, f, g, o (activated), c, tanh of the unmasked new cell (as the cpu
 * kernel's `[B, 6U]`) and h; `prev` is the previous step's (its c and h are read). The dot products
 * `h_{t-1} U` of the four gates run over k first, `comps` k at a time.
 */
function forwardBody(tiles: { rows: number; comps: number }): string {
  const dots = stepDots(tiles, {
    src: 'prev',
    srcRow: '7 * Uc',
    srcAt: '6 * Uc',
    depth: 'Uc',
    w: 'uu',
    wRow: '4 * Uc',
    cols: ['0', 'Uc', '2 * Uc', '3 * Uc'],
  });
  const epilogue = (r: number) => `{
    let b = b0 + ${r};
    let live = msk[t * uniforms.batch + b] > 0.5;
    let p = (t * uniforms.batch + b) * 4 * Uc + jc;
    let s = b * 7 * Uc + jc;
    let ig = sigmV(proj[p] + a0_${r});
    let fg = sigmV(proj[p + Uc] + a1_${r});
    let gg = tanhV(proj[p + 2 * Uc] + a2_${r});
    let og = sigmV(proj[p + 3 * Uc] + a3_${r});
    let cp = prev[s + 4 * Uc];
    let cn = fg * cp + ig * gg;
    let tc = tanhV(cn);
    setOutputAtIndex(s, ig);
    setOutputAtIndex(s + Uc, fg);
    setOutputAtIndex(s + 2 * Uc, gg);
    setOutputAtIndex(s + 3 * Uc, og);
    setOutputAtIndex(s + 4 * Uc, select(cp, cn, live));
    setOutputAtIndex(s + 5 * Uc, tc);
    setOutputAtIndex(s + 6 * Uc, select(prev[s + 6 * Uc], og * tc, live));
  }`;
  return `${dots}${range(tiles.rows).map(epilogue).join('\n')}`;
}

/**
 * Backward, flat layout of `next` and the output (`[B * 6U + 4U * U]`): dz `[B, 4U]` (the gradient of the
 * pre-activations), the carry `[B, 2U]` (dc, dh), then the running sum of dU `[U, 4U]`. `next` is the output
 * of step t + 1, from which dhRec = dz_{t+1} U^T (`ut` = U^T `[4U, U]`); the maths are the cpu kernel's
 * (`lstmCellBackward` in cpu/TiefeLstmCell.ts).
 */
function backwardBody(tiles: { rows: number; comps: number }): string {
  const dots = stepDots(tiles, {
    src: 'nxt',
    srcRow: '4 * Uc',
    srcAt: '0',
    depth: '4 * Uc',
    w: 'ut',
    wRow: 'Uc',
    cols: ['0'],
  });
  const epilogue = (r: number) => `{
    let b = b0 + ${r};
    let live = msk[t * uniforms.batch + b] > 0.5;
    let s = b * 7 * Uc + jc;
    let z = b * 4 * Uc + jc;
    let k = uniforms.batch * 4 * Uc + b * 2 * Uc + jc;
    let dh = a0_${r} + nxt[k + Uc] + dy[(t * uniforms.batch + b) * Uc + jc];
    let dc = nxt[k];
    let ig = st[s];
    let fg = st[s + Uc];
    let gg = st[s + 2 * Uc];
    let og = st[s + 3 * Uc];
    let cp = prev[s + 4 * Uc];
    let tc = st[s + 5 * Uc];
    let dcn = dc + dh * og * (1.0 - tc * tc);
    let m = select(0.0, 1.0, live);
    setOutputAtIndex(z, m * dcn * gg * ig * (1.0 - ig));
    setOutputAtIndex(z + Uc, m * dcn * cp * fg * (1.0 - fg));
    setOutputAtIndex(z + 2 * Uc, m * dcn * ig * (1.0 - gg * gg));
    setOutputAtIndex(z + 3 * Uc, m * dh * tc * og * (1.0 - og));
    setOutputAtIndex(k, select(dc, dcn * fg, live));
    setOutputAtIndex(k + Uc, select(dh, V(0.0), live));
  }`;
  return `${dots}${range(tiles.rows).map(epilogue).join('\n')}`;
}

/**
 * The extra threads of the backward program: dU += h_t^T dz_{t+1} (h_t from `st`, dz_{t+1} from `nxt`),
 * so that dU needs no matMul over all steps (lavapipe ran tfjs's `H^T dProj` at a quarter of these
 * programs' rate). Thread e: rows `kq * comps ..` (one `V` of h), the `comps` columns from `nc * comps`.
 */
function weightGradBody({ comps }: { comps: number }): string {
  const C = range(comps);
  return `
    let U4c = 4 * Uc;
    if (e >= Uc * U4c) { return; }
    let kq = e / U4c;
    let nc = e - kq * U4c;
    let at = uniforms.batch * 6 * Uc + kq * ${comps} * U4c + nc;
    ${C.map((i) => `var a${i} = nxt[at + ${i} * U4c];`).join(' ')}
    for (var b = 0; b < uniforms.batch; b++) {
      let hv = st[b * 7 * Uc + 6 * Uc + kq];
      let zv = nxt[b * 4 * Uc + nc];
      ${C.map((i) => `a${i} = fma(V(${part(comps, 'hv', i)}), zv, a${i});`).join('\n')}
    }
    ${C.map((i) => `setOutputAtIndex(at + ${i} * U4c, a${i});`).join('\n')}
  `;
}

/**
 * Kernel {@link LSTM_STEP} on webgpu: inputs `proj` `[T * B, 4U]` (time-major input projections), `u` `[U, 4U]`,
 * `prev` `[B, 7U]` (the previous packed state: i, f, g, o, c, tanh c, h), `mask` `[T * B]`, attr `step`; output
 * the packed state of this step `[B, 7U]`. Masked rows carry c and h through.
 */
export function lstmStepWebgpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WebGPUBackendLike;
  const { proj, u, prev, mask } = args.inputs as Record<string, tf.TensorInfo>;
  const step = (args.attrs as { step: number }).step;
  const [batch, width] = prev.shape;
  const units = width / 7;
  const tiles = stepTiles(batch, units);
  const threads = (batch / tiles.rows) * (units / tiles.comps);
  const program = tiledProgram(
    'tiefeLstmStep',
    [batch, 7 * units],
    tiles,
    threads,
    ['proj', 'uu', 'prev', 'msk'],
    forwardBody(tiles),
  );
  return [backend.runWebGPUProgram(program, [proj, u, prev, mask], 'float32', stepUniforms(batch, units, step))];
}

/**
 * Kernel {@link LSTM_STEP_GRAD} on webgpu: inputs `state` `[B, 7U]` (step t's), `prev` (step t - 1's), `dy`
 * `[T * B, U]` (the gradient of every step's h), `next` `[B * 6U + 4U * U]` (this kernel's output at step t + 1;
 * for the last step zeros but the carried dc), `uT` `[4U, U]`, `mask`, attr `step`; output, flat: dz_t
 * `[B, 4U]`, the carry for step t - 1 `[B, 2U]` (dc, dh), and `next`'s dU plus h_t^T dz_{t+1} `[U, 4U]` (the
 * caller adds h_{-1}^T dz_0).
 */
export function lstmStepGradWebgpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WebGPUBackendLike;
  const { state, prev, dy, next, uT, mask } = args.inputs as Record<string, tf.TensorInfo>;
  const step = (args.attrs as { step: number }).step;
  const [batch, units] = [state.shape[0], uT.shape[1]];
  const tiles = stepTiles(batch, units);
  const threads = (batch / tiles.rows) * (units / tiles.comps);
  const program = tiledProgram(
    'tiefeLstmStepGrad',
    [batch * 6 * units + 4 * units * units],
    tiles,
    threads,
    ['st', 'prev', 'dy', 'nxt', 'ut', 'msk'],
    backwardBody(tiles),
    { threads: (units / tiles.comps) * 4 * (units / tiles.comps), body: weightGradBody(tiles) },
  );
  return [
    backend.runWebGPUProgram(program, [state, prev, dy, next, uT, mask], 'float32', stepUniforms(batch, units, step)),
  ];
}
