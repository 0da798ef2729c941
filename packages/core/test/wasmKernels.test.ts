import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { KERNELS } from '../src/backend/kernels/registry.js';
import { MIN_XNNPACK_MACS } from '../src/backend/kernels/wasm/BatchMatMul.js';
import {
  convFilterGrad,
  convInfo,
  convInputGrad,
  filterGradRoute,
  inputGradUsesCols,
} from '../src/backend/kernels/wasm/convBackprop.js';
import { convRoute } from '../src/backend/kernels/wasm/convByPatches.js';
import { swapForm } from '../src/backend/kernels/wasm/Transpose.js';
import { winogradFits } from '../src/backend/kernels/wasm/winograd.js';
import { createRng, initBackend, registerKernels } from '../src/index.js';

const WASM_KERNELS = KERNELS.filter((k) => k.backendName === 'wasm');

// Every kernel Tiefe registers on wasm is compared with tfjs's cpu backend on the same random inputs.
// Tolerance: |wasm - cpu| <= 1e-4 * (1 + max|cpu|) element-wise (float32 sums in a different order).
const TOL = 1e-4;

const rng = createRng(20240611);
function randomArray(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

function expectClose(got: Float32Array | Int32Array, want: Float32Array | Int32Array, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst, `${what}: max abs error (cpu scale ${scale.toFixed(3)})`).toBeLessThanOrEqual(TOL * (1 + scale));
  // A result of all zeros would match a broken kernel fed zeros: the cases have real signal.
  expect(scale, `${what}: cpu result is not all zero`).toBeGreaterThan(0);
}

/** Runs `f` (which builds its inputs from plain arrays) on cpu and on wasm, and returns both outputs' values. */
async function onBoth(f: () => tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const run = async (name: string): Promise<Float32Array[]> => {
    await tf.setBackend(name);
    const before = tf.memory().numTensors;
    const backendIds = tf.backend().numDataIds();
    const outs = tf.tidy(f);
    const values = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(outs);
    expect(tf.memory().numTensors, `${name}: tensors leaked`).toBe(before);
    expect(tf.backend().numDataIds(), `${name}: backend buffers leaked`).toBe(backendIds);
    return values;
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  return { cpu, wasm };
}

type Pad = 'valid' | 'same' | number;
interface ConvCase {
  batch: number;
  h: number;
  w: number;
  inC: number;
  k: [number, number];
  outC: number;
  strides: number | [number, number];
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [
  { batch: 3, h: 9, w: 7, inC: 2, k: [3, 3], outC: 4, strides: 1, pad: 'valid' },
  { batch: 3, h: 9, w: 7, inC: 2, k: [3, 2], outC: 4, strides: 1, pad: 'same' },
  { batch: 2, h: 10, w: 7, inC: 3, k: [3, 3], outC: 5, strides: 2, pad: 'valid' },
  { batch: 2, h: 9, w: 8, inC: 3, k: [3, 3], outC: 5, strides: 2, pad: 'same' },
  { batch: 2, h: 11, w: 9, inC: 1, k: [4, 3], outC: 3, strides: [3, 2], pad: 'same' },
  { batch: 2, h: 8, w: 9, inC: 2, k: [2, 2], outC: 3, strides: 2, pad: 1 },
  { batch: 1, h: 6, w: 5, inC: 4, k: [5, 5], outC: 2, strides: 1, pad: 'same' },
  // First-layer shapes (few input channels): the filter gradient is the small patch matrix times dy, in Tiefe's
  // SIMD product where O is a multiple of 4 (row and column remainders of its 4x8 blocks, an inner dimension of
  // two blocks: 4x10x8 = 320 pixels), else on XNNPACK.
  { batch: 4, h: 12, w: 10, inC: 1, k: [3, 3], outC: 8, strides: 1, pad: 'valid' },
  { batch: 4, h: 12, w: 10, inC: 1, k: [3, 3], outC: 8, strides: 2, pad: 'same' },
  { batch: 3, h: 9, w: 11, inC: 2, k: [2, 3], outC: 16, strides: 1, pad: 'same' },
  { batch: 4, h: 12, w: 10, inC: 1, k: [3, 3], outC: 20, strides: 1, pad: 'valid' },
  { batch: 3, h: 9, w: 8, inC: 3, k: [3, 3], outC: 56, strides: 2, pad: 'same' },
  { batch: 2, h: 7, w: 9, inC: 2, k: [2, 2], outC: 12, strides: 1, pad: 'same' },
  // Batches from 16 on: the swapped-roles convolution, at any stride.
  { batch: 16, h: 5, w: 5, inC: 3, k: [3, 3], outC: 4, strides: 1, pad: 'same' },
  { batch: 16, h: 6, w: 5, inC: 4, k: [3, 3], outC: 6, strides: 2, pad: 'same' },
  { batch: 17, h: 4, w: 4, inC: 8, k: [2, 2], outC: 12, strides: 1, pad: 'valid' },
  // Small images with many channels below batch 16: the patch matrix, not one matmul per tap.
  { batch: 2, h: 3, w: 3, inC: 24, k: [3, 3], outC: 32, strides: 1, pad: 'same' },
  { batch: 1, h: 4, w: 3, inC: 40, k: [2, 2], outC: 24, strides: 1, pad: 'valid' },
  // ... from 128 input channels on, built row-wise and transposed.
  { batch: 1, h: 3, w: 3, inC: 128, k: [3, 3], outC: 8, strides: 1, pad: 'same' },
  { batch: 2, h: 4, w: 5, inC: 130, k: [3, 3], outC: 6, strides: 2, pad: 'same' },
  // 3x3 'same' at stride 1 with 32+ channels: the input gradient by Winograd (also where the column matrix
  // would apply: 2x8x8x32).
  { batch: 2, h: 12, w: 12, inC: 32, k: [3, 3], outC: 36, strides: 1, pad: 'same' },
  { batch: 2, h: 8, w: 8, inC: 32, k: [3, 3], outC: 32, strides: 1, pad: 'same' },
  // 3x3 at stride 1, an even output, channels in fours: the filter gradient by Winograd F(3x3, 2x2) (few
  // channels too; 'valid' with the input padded to the tiles' frame only on its far side).
  { batch: 2, h: 6, w: 4, inC: 4, k: [3, 3], outC: 8, strides: 1, pad: 'same' },
  { batch: 1, h: 4, w: 10, inC: 8, k: [3, 3], outC: 4, strides: 1, pad: 'same' },
  { batch: 2, h: 10, w: 8, inC: 4, k: [3, 3], outC: 4, strides: 1, pad: 'valid' },
  // Tiny maps with at least a quarter as many input channels as dy has pixels: the input gradient through the
  // column matrix (one matmul of the filter by dy, then col2im).
  { batch: 1, h: 2, w: 2, inC: 12, k: [3, 3], outC: 20, strides: 1, pad: 'same' },
  { batch: 1, h: 2, w: 3, inC: 16, k: [2, 2], outC: 8, strides: 1, pad: 'same' },
  // ... at stride 2 too.
  { batch: 1, h: 4, w: 4, inC: 8, k: [3, 3], outC: 12, strides: 2, pad: 'same' },
  { batch: 2, h: 4, w: 6, inC: 24, k: [3, 3], outC: 16, strides: 2, pad: 'same' },
];

const name = (c: ConvCase) =>
  `${c.batch}x${c.h}x${c.w}x${c.inC}, filter ${c.k.join('x')}x${c.outC}, strides ${c.strides}, pad ${c.pad}`;

describe('wasm training kernels match the cpu backend', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });
  afterEach(async () => {
    await tf.setBackend('wasm');
  });

  test('every kernel Tiefe registers is the one the wasm backend now runs', () => {
    for (const { kernelName, kernelFunc } of WASM_KERNELS) {
      expect(tf.getKernel(kernelName, 'wasm')?.kernelFunc, kernelName).toBe(kernelFunc);
    }
    expect(WASM_KERNELS.map((k) => k.kernelName).sort()).toEqual(
      [
        'Add',
        'AvgPoolGrad',
        'BatchMatMul',
        'Cast',
        'Concat',
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'Conv3DBackpropFilterV2',
        'Conv3DBackpropInputV2',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'FusedBatchNorm',
        'FusedConv2D',
        'Identity',
        'MaxPoolGrad',
        'Mean',
        'Multiply',
        'PadV2',
        'RealDiv',
        'Slice',
        'SplitV',
        'Sub',
        'Sum',
        'Tile',
        'Transpose',
        'UnsortedSegmentSum',
        // Tiefe's own recurrent step kernels (checked against composed ops in packages/sequence/test/fused*)
        'TiefeGruCell',
        'TiefeGruCellGrad',
        'TiefeGruGates',
        'TiefeGruGatesGrad',
        'TiefeLstmCell',
        'TiefeLstmCellGrad',
      ].sort(),
    );
  });

  test('registering twice neither throws nor warns', () => {
    const warn = vi.spyOn(console, 'warn');
    try {
      registerKernels();
      registerKernels();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  test('the conv cases cover every route of the filter gradient (patches, simd, taps, swapped, winograd)', () => {
    const routes = CONV_CASES.map((c) => {
      const { info, g } = convInfo([c.batch, c.h, c.w, c.inC], [...c.k, c.inC, c.outC], c, false);
      return filterGradRoute([c.batch, c.h, c.w, c.inC], info.outShape, g);
    });
    const count = (r: string) => routes.filter((x) => x === r).length;
    expect(count('patches')).toBeGreaterThanOrEqual(3);
    expect(count('taps')).toBeGreaterThanOrEqual(3);
    expect(count('swapped')).toBeGreaterThanOrEqual(3);
    expect(count('simd')).toBeGreaterThanOrEqual(6);
    expect(count('winograd')).toBe(6);
    // ... and the routes of the input gradient (Winograd, the convolution of dy, and the column matrix), at both
    // strides.
    const byWinograd = CONV_CASES.filter((c) => {
      const { info, g } = convInfo([c.batch, c.h, c.w, c.inC], [...c.k, c.inC, c.outC], c, false);
      return winogradFits(info.outShape, [...c.k, c.outC, c.inC], g, [c.batch, c.h, c.w, c.inC]);
    });
    expect(byWinograd.length).toBe(2);
    const byCols = CONV_CASES.filter((c) => {
      const { info } = convInfo([c.batch, c.h, c.w, c.inC], [...c.k, c.inC, c.outC], c, false);
      return inputGradUsesCols(info.outShape, c.inC);
    });
    expect(byCols.length).toBe(9);
    expect(byCols.filter((c) => c.strides !== 1).length).toBe(3);
  });

  test('Identity and same-dtype Cast share the buffer; values, disposal and other casts stay right', async () => {
    const v = randomArray(24);
    const { cpu, wasm } = await onBoth(() => {
      const t = tf.tensor3d(v, [2, 3, 4]);
      const c = tf.clone(t);
      const same = tf.cast(t, 'float32');
      t.dispose(); // the clone and the cast must outlive their source
      const asInt = tf.cast(tf.mul(same, 100), 'int32');
      const asBool = tf.cast(c, 'bool');
      return [c, same, tf.cast(asInt, 'float32'), tf.cast(asBool, 'float32')];
    });
    for (let i = 0; i < cpu.length; i++) expectClose(wasm[i], cpu[i], `identity/cast case ${i}`);
    // Buffers: a clone adds none, and a clone -> variable -> assign -> dispose sequence leaves the backend as cpu.
    const sequence = async (name: string) => {
      await tf.setBackend(name);
      const backend = tf.backend();
      const t = tf.tensor1d([1, 2, 3]);
      const start = backend.numDataIds();
      const c = tf.clone(t);
      const afterClone = backend.numDataIds() - start;
      const variable = tf.variable(c);
      t.dispose();
      c.dispose();
      variable.assign(tf.tidy(() => tf.add(variable, 1)));
      const values = Array.from(await variable.data());
      variable.dispose();
      return { afterClone, values, end: backend.numDataIds() - start };
    };
    const onCpu = await sequence('cpu');
    const onWasm = await sequence('wasm');
    expect(onWasm).toEqual(onCpu);
    expect(onWasm.afterClone).toBe(0);
    expect(onWasm.values).toEqual([2, 3, 4]);
  });

  test('Slice: contiguous rows, strided 2-D/3-D/5-D windows, whole tensors, size -1, int32, empty', async () => {
    const x = randomArray(4 * 5 * 6);
    const y = randomArray(2 * 3 * 2 * 3 * 4);
    const { cpu, wasm } = await onBoth(() => {
      const t = tf.tensor3d(x, [4, 5, 6]);
      const r2 = tf.reshape(t, [20, 6]);
      const v = tf.tensor5d(y, [2, 3, 2, 3, 4]);
      return [
        tf.slice(r2, [7, 0], [5, 6]),
        tf.slice(r2, [3, 2], [4, 3]),
        tf.slice(t, [1, 2, 0], [2, 1, 6]),
        tf.slice(t, [0, 1, 2], [4, 3, -1]),
        tf.slice(t, [0, 0, 0], [4, 5, 6]),
        tf.slice(v, [1, 0, 1, 1, 0], [1, 3, 1, 2, 4]),
        tf.cast(tf.slice(tf.cast(tf.mul(t, 10), 'int32'), [2, 0, 3], [2, 5, 2]), 'float32'),
        tf.concat([tf.slice(r2, [0, 0], [0, 6]), tf.slice(r2, [1, 0], [1, 6])], 0),
      ];
    });
    for (let i = 0; i < cpu.length; i++) expectClose(wasm[i], cpu[i], `slice case ${i}`);
  });

  test('PadV2: image borders, the innermost axis, every axis, uneven sides, a constant, int32, empty', async () => {
    const x = randomArray(2 * 9 * 7 * 16);
    const { cpu, wasm } = await onBoth(() => {
      const t = tf.tensor4d(x, [2, 9, 7, 16]);
      const f = (u: tf.Tensor) => tf.cast(u, 'float32');
      return [
        tf.pad(t, [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ]),
        tf.pad(t, [
          [0, 0],
          [0, 2],
          [3, 0],
          [0, 0],
        ]),
        tf.pad(t, [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 1],
        ]),
        tf.pad(
          t,
          [
            [1, 2],
            [0, 1],
            [2, 0],
            [1, 3],
          ],
          -1.5,
        ),
        tf.pad(t, [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ]),
        tf.pad(tf.reshape(t, [2016]), [[5, 3]], 2),
        tf.pad(
          tf.reshape(t, [18, 112]),
          [
            [0, 1],
            [0, 0],
          ],
          7,
        ),
        f(
          tf.pad(
            tf.cast(tf.mul(t, 10), 'int32'),
            [
              [0, 1],
              [2, 0],
              [0, 0],
              [1, 1],
            ],
            4,
          ),
        ),
        tf.pad(
          tf.zeros([2, 0, 3]),
          [
            [1, 0],
            [1, 1],
            [0, 2],
          ],
          3,
        ),
      ];
    });
    for (let i = 0; i < cpu.length; i++) expect(Array.from(wasm[i]), `pad case ${i}`).toEqual(Array.from(cpu[i]));
  });

  test('Add, Sub, Multiply, RealDiv with a per-channel operand on either side ([C], [1,1,1,C]) and odd row counts', async () => {
    const x = randomArray(2 * 15 * 7 * 16);
    const v = randomArray(16);
    const { cpu, wasm } = await onBoth(() => {
      const t = tf.tensor4d(x, [2, 15, 7, 16]);
      const c = tf.tensor1d(v);
      const c4 = tf.reshape(c, [1, 1, 1, 16]);
      const odd = tf.reshape(tf.slice(t, [0, 0, 0, 0], [1, 15, 7, 16]), [105, 16]);
      const five = tf.reshape(tf.slice(t, [0, 0, 0, 0], [2, 15, 7, 5]), [210, 5]);
      const c5 = tf.slice(c, [0], [5]);
      return [
        tf.add(t, c),
        tf.sub(t, c4),
        tf.sub(c4, t),
        tf.mul(c, t),
        tf.div(t, tf.add(tf.abs(c4), 0.5)),
        tf.div(c, tf.add(tf.abs(t), 0.5)),
        tf.mul(odd, c),
        tf.sub(five, c5),
        tf.add(tf.tensor2d(v, [1, 16]), c),
      ];
    });
    for (let i = 0; i < cpu.length; i++) expectClose(wasm[i], cpu[i], `channel binary case ${i}`);
  });

  test('SplitV and Concat: every axis, uneven parts, int32, bool, empty parts, one input', async () => {
    const x = randomArray(2 * 3 * 4 * 5);
    const { cpu, wasm } = await onBoth(() => {
      const t = tf.tensor4d(x, [2, 3, 4, 5]);
      const i32 = tf.cast(tf.mul(t, 10), 'int32');
      const f = (u: tf.Tensor) => tf.cast(u, 'float32');
      return [
        ...tf.split(t, [2, 3], 3),
        ...tf.split(t, [1, 1, 2], 2),
        ...tf.split(t, 3, 1),
        ...tf.split(t, 2, 0),
        ...tf.split(i32, [4, 1], 3).map(f),
        tf.concat([t, tf.mul(t, 2)], 3),
        tf.concat([t, tf.slice(t, [0, 0, 0, 0], [2, 3, 4, 2]), t], 3),
        tf.concat([t, t], 1),
        tf.concat([t, tf.slice(t, [1, 0, 0, 0], [1, 3, 4, 5])], 0),
        f(tf.concat([i32, i32], 2)),
        f(tf.concat([tf.greater(t, 0), tf.less(t, 0)], 3)),
        tf.concat([tf.zeros([2, 3, 4, 0]), t, tf.zeros([2, 3, 4, 0])], 3),
        tf.concat([tf.zeros([2, 3, 0, 5]), t], 2),
        tf.concat([tf.tensor1d([1, 2]), tf.tensor1d([3])]),
      ];
    });
    for (let i = 0; i < cpu.length; i++)
      expect(Array.from(wasm[i]), `split/concat case ${i}`).toEqual(Array.from(cpu[i]));
  });

  test('FusedBatchNorm: per channel (SIMD and tail channels), without offset or scale, other statistic shapes', async () => {
    const x = randomArray(2 * 3 * 4 * 18);
    const v = randomArray(4 * 18);
    const { cpu, wasm } = await onBoth(() => {
      const stat = (i: number, c: number) => tf.tensor1d(v.subarray(i * 18, i * 18 + c));
      const variance = (c: number) => tf.add(tf.abs(stat(1, c)), 0.1);
      const t = (c: number) => tf.tensor4d(x.subarray(0, 24 * c), [2, 3, 4, c]);
      return [
        tf.batchNorm(t(16), stat(0, 16), variance(16), stat(2, 16), stat(3, 16), 1e-3),
        tf.batchNorm(t(18), stat(0, 18), variance(18), stat(2, 18), stat(3, 18), 1e-3),
        tf.batchNorm(t(3), stat(0, 3), variance(3), undefined, undefined, 1e-5),
        tf.batchNorm(t(5), stat(0, 5), variance(5), undefined, stat(3, 5), 0.01),
        tf.batchNorm(tf.tensor2d(x.subarray(0, 70), [10, 7]), stat(0, 7), variance(7), stat(2, 7), stat(3, 7)),
        tf.batchNorm(t(4), tf.reshape(stat(0, 4), [1, 1, 1, 4]), tf.reshape(variance(4), [1, 1, 1, 4])),
      ];
    });
    for (let i = 0; i < cpu.length; i++) expectClose(wasm[i], cpu[i], `batch norm case ${i}`);
  });

  test('Tile: batch norm broadcasts, every axis repeated, odd counts, rank 1 and 5, int32, bool, empty', async () => {
    const x = randomArray(2 * 3 * 4);
    const v = randomArray(5);
    const { cpu, wasm } = await onBoth(() => {
      const t = tf.tensor3d(x, [2, 3, 4]);
      const stats = tf.reshape(tf.tensor1d(v), [1, 1, 1, 5]);
      return [
        tf.tile(stats, [3, 4, 2, 1]),
        tf.tile(t, [3, 2, 5]),
        tf.tile(t, [1, 1, 7]),
        tf.tile(t, [2, 1, 1]),
        tf.tile(tf.tensor1d(v), [3]),
        tf.tile(tf.reshape(t, [2, 1, 3, 1, 4]), [1, 3, 1, 2, 1]),
        tf.cast(tf.tile(tf.cast(tf.mul(t, 10), 'int32'), [2, 3, 1]), 'float32'),
        tf.cast(tf.tile(tf.greater(t, 0), [1, 2, 3]), 'float32'),
        tf.concat([tf.tile(tf.zeros([0, 5]), [2, 2]), tf.tile(tf.reshape(tf.tensor1d(v), [1, 5]), [1, 2])], 0),
      ];
    });
    for (let i = 0; i < cpu.length; i++) expectClose(wasm[i], cpu[i], `tile case ${i}`);
  });

  test('Transpose: matrix and batched swaps at tile edges, block swaps, size-1 axes, identity, int32, others', async () => {
    // 37 x 70: neither side a multiple of 4 or of the 32-element tile; [3,5,6,2]: inner blocks of 2.
    const x = randomArray(37 * 70 * 3);
    const { cpu, wasm } = await onBoth(() => {
      const m = tf.tensor2d(x.subarray(0, 37 * 70), [37, 70]);
      const b = tf.tensor3d(x, [3, 37, 70]);
      const q = tf.tensor4d(x.subarray(0, 3 * 5 * 6 * 2), [3, 5, 6, 2]);
      const conv = tf.tensor4d(x.subarray(0, 2 * 3 * 4 * 5), [2, 3, 4, 5]);
      return [
        tf.transpose(m),
        tf.transpose(b, [0, 2, 1]),
        tf.transpose(b, [1, 0, 2]),
        tf.transpose(q, [0, 2, 1, 3]),
        tf.transpose(q, [2, 0, 1, 3]),
        tf.transpose(conv, [3, 0, 1, 2]),
        tf.transpose(tf.reshape(m, [37, 1, 70]), [2, 1, 0]),
        tf.transpose(b, [0, 1, 2]),
        tf.transpose(conv, [3, 1, 2, 0]),
        tf.transpose(b, [2, 1, 0]),
        tf.cast(tf.transpose(tf.cast(tf.mul(b, 100), 'int32'), [0, 2, 1]), 'float32'),
        tf.cast(tf.transpose(tf.greater(m, 0)), 'float32'),
        tf.concat([tf.transpose(tf.zeros([0, 3])), tf.ones([3, 1])], 1),
      ];
    });
    for (let i = 0; i < cpu.length; i++) expect(Array.from(wasm[i]), `transpose case ${i}`).toEqual(Array.from(cpu[i]));
    // Which permutations take the SIMD swap, and as what.
    expect(swapForm([37, 70], [1, 0])).toEqual({ batch: 1, rows: 37, cols: 70, inner: 1 });
    expect(swapForm([2, 3, 4, 5], [3, 0, 1, 2])).toEqual({ batch: 1, rows: 24, cols: 5, inner: 1 });
    expect(swapForm([3, 5, 6, 2], [2, 0, 1, 3])).toEqual({ batch: 1, rows: 15, cols: 6, inner: 2 });
    expect(swapForm([37, 1, 70], [2, 1, 0])).toEqual({ batch: 1, rows: 37, cols: 70, inner: 1 });
    expect(swapForm([3, 37, 70], [0, 1, 2])).toEqual({ batch: 1, rows: 1, cols: 1, inner: 3 * 37 * 70 });
    expect(swapForm([2, 3, 4, 5], [3, 1, 2, 0])).toBeNull();
    expect(swapForm([3, 37, 70], [2, 1, 0])).toBeNull();
  });

  test('Sum and Mean: leading axes (fast path), other axes, keepDims, int32 (built-in path)', async () => {
    const x = randomArray(4 * 5 * 6);
    const { cpu, wasm } = await onBoth(() => {
      const t = tf.tensor3d(x, [4, 5, 6]);
      const i32 = tf.cast(tf.mul(t, 10), 'int32');
      return [
        tf.sum(t, [0, 1]),
        tf.sum(t, 0, true),
        tf.sum(t, [1, 2]),
        tf.sum(t),
        tf.sum(t, [0, 2]),
        tf.cast(tf.sum(i32, [0]), 'float32'),
        tf.mean(t, [0, 1]),
        tf.mean(t, 0, true),
        tf.mean(tf.reshape(t, [2, 2, 5, 6]), [0, 1, 2]),
        tf.mean(t, [1, 2]),
        tf.mean(t),
        tf.cast(tf.mean(i32, [0]), 'float32'),
      ];
    });
    for (let i = 0; i < cpu.length; i++) expectClose(wasm[i], cpu[i], `sum/mean case ${i}`);
  });

  test('BatchMatMul: transposed operands, batches, a shared b, broadcast, and the dense-layer gradients', async () => {
    // Sizes above MIN_XNNPACK_MACS per product, so that Tiefe's routes run (the last case keeps the built-in).
    const cases: Array<[number[], number[], boolean, boolean]> = [
      [[50, 40], [40, 30], false, false],
      [[40, 50], [40, 30], true, false],
      [[50, 40], [30, 40], false, true],
      [[40, 50], [30, 40], true, true],
      [[4, 50, 40], [4, 40, 30], false, false],
      [[4, 40, 50], [4, 30, 40], true, true],
      [[2, 3, 50, 40], [40, 30], false, false],
      [[2, 3, 40, 50], [30, 40], true, true],
      [[50, 40], [4, 40, 30], false, false],
      [[1, 50, 40], [4, 30, 40], false, true],
      [[5, 7], [3, 7], false, true],
    ];
    expect(
      cases
        .slice(0, -1)
        .every(([a, b, ta]) => (ta ? a.at(-1)! : a.at(-2)!) * b.at(-2)! * b.at(-1)! >= MIN_XNNPACK_MACS),
    ).toBe(true);
    const data = cases.map(([sa, sb]) => [
      randomArray(tf.util.sizeFromShape(sa)),
      randomArray(tf.util.sizeFromShape(sb)),
    ]);
    const { cpu, wasm } = await onBoth(() =>
      cases.map(([sa, sb, ta, tb], i) => tf.matMul(tf.tensor(data[i][0], sa), tf.tensor(data[i][1], sb), ta, tb)),
    );
    for (let i = 0; i < cases.length; i++) expectClose(wasm[i], cpu[i], `matMul case ${i} ${JSON.stringify(cases[i])}`);
    const x = randomArray(6 * 9);
    const w = randomArray(9 * 4);
    const r = randomArray(6 * 4);
    const grads = await onBoth(() => {
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a, b), tf.tensor2d(r, [6, 4])));
      return tf.grads(loss)([tf.tensor2d(x, [6, 9]), tf.tensor2d(w, [9, 4])]);
    });
    expectClose(grads.wasm[0], grads.cpu[0], 'dense dx');
    expectClose(grads.wasm[1], grads.cpu[1], 'dense dW');
  });

  for (const c of CONV_CASES) {
    test(`conv2d gradients (Conv2DBackpropFilter, Conv2DBackpropInput): ${name(c)}`, async () => {
      const x = randomArray(c.batch * c.h * c.w * c.inC);
      const f = randomArray(c.k[0] * c.k[1] * c.inC * c.outC);
      const probe = tf.tidy(() =>
        tf.conv2d(
          tf.zeros([c.batch, c.h, c.w, c.inC]) as tf.Tensor4D,
          tf.zeros([...c.k, c.inC, c.outC]) as tf.Tensor4D,
          c.strides,
          c.pad,
        ),
      );
      const r = randomArray(probe.size);
      const outShape = probe.shape;
      probe.dispose();
      const { cpu, wasm } = await onBoth(() => {
        const xs = tf.tensor4d(x, [c.batch, c.h, c.w, c.inC]);
        const fs = tf.tensor4d(f, [...c.k, c.inC, c.outC]);
        const rs = tf.tensor(r, outShape);
        const loss = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), rs));
        return tf.grads(loss)([xs, fs]);
      });
      expectClose(wasm[0], cpu[0], 'dx');
      expectClose(wasm[1], cpu[1], 'dW');
    });
  }

  // FusedConv2D: [x, filter, strides, pad, dilations, bias, activation]. The first seven have at least twice as
  // many output channels as output pixels (filter rows times patches), the next five at least a quarter (patches
  // times filter), the next two are 3x3 'same' with 32+ channels (Winograd), the last stays on the built-in.
  const fusedCases: Array<[number[], number[], number, 'same' | 'valid', number, boolean, tf.fused.Activation]> = [
    [[2, 2, 2, 6], [3, 3, 6, 24], 1, 'same', 1, true, 'relu'],
    [[1, 4, 4, 5], [3, 3, 5, 40], 2, 'same', 1, true, 'leakyrelu'],
    [[2, 3, 3, 4], [2, 2, 4, 24], 1, 'valid', 1, false, 'linear'],
    [[1, 5, 5, 3], [3, 3, 3, 20], 1, 'valid', 2, true, 'elu'],
    [[1, 3, 3, 8], [3, 3, 8, 32], 1, 'same', 1, false, 'sigmoid'],
    [[1, 2, 3, 8], [2, 2, 8, 16], 1, 'same', 1, true, 'relu6'],
    [[1, 3, 3, 128], [3, 3, 128, 20], 1, 'same', 1, true, 'relu'],
    [[1, 6, 6, 2], [3, 3, 2, 4], 2, 'valid', 1, false, 'linear'],
    [[2, 4, 4, 6], [3, 3, 6, 16], 1, 'same', 1, true, 'relu'],
    [[1, 7, 5, 3], [3, 3, 3, 10], 2, 'same', 1, true, 'leakyrelu'],
    [[1, 8, 7, 4], [3, 3, 4, 8], 1, 'valid', 2, true, 'elu'],
    [[1, 5, 5, 5], [2, 3, 5, 6], 1, 'valid', 1, false, 'linear'],
    [[2, 8, 8, 32], [3, 3, 32, 32], 1, 'same', 1, true, 'relu'],
    [[2, 12, 10, 36], [3, 3, 36, 40], 1, 'same', 1, true, 'elu'],
    [[2, 6, 6, 3], [3, 3, 3, 8], 1, 'same', 1, true, 'relu'],
  ];
  test('FusedConv2D: one matmul of patches and filter on small maps with many channels, the built-in elsewhere', async () => {
    const routes = fusedCases.map(([xs, fs, st, pad, dil]) => {
      const { info, g } = convInfo(xs, fs, { strides: st, pad, dilations: dil }, false);
      return winogradFits(xs, fs, g, info.outShape) ? 'winograd' : convRoute(info.outShape);
    });
    expect(routes).toEqual([
      ...new Array(7).fill('patches'),
      ...new Array(5).fill('rows'),
      'winograd',
      'winograd',
      'built-in',
    ]);
    for (const [i, [xs, fs, st, pad, dil, withBias, activation]] of fusedCases.entries()) {
      const x = randomArray(tf.util.sizeFromShape(xs));
      const f = randomArray(tf.util.sizeFromShape(fs));
      const b = randomArray(fs[3]);
      const { cpu, wasm } = await onBoth(() => {
        const filter = tf.tensor4d(f, fs as [number, number, number, number]);
        const conv = () =>
          tf.fused.conv2d({
            x: tf.tensor4d(x, xs as [number, number, number, number]),
            filter,
            strides: st,
            pad,
            dilations: dil,
            bias: withBias ? tf.tensor1d(b) : undefined,
            activation,
            leakyreluAlpha: 0.2,
          });
        // Twice with the same filter: on wasm the first by patches, the second on the built-in, which keeps it.
        return [conv(), conv()];
      });
      expectClose(wasm[0], cpu[0], `fused conv case ${i} (${activation})`);
      expectClose(wasm[1], cpu[1], `fused conv case ${i} (${activation}), the filter again`);
    }
  });

  // [input, filter [kh, kw, out, in], output shape, strides, pad]. Sizes divisible by the stride take the
  // stride-phase route (convBackprop.ts); the others spread dy out with zeros.
  const transposeCases: Array<[number[], number[], number[], number | [number, number], 'same' | 'valid']> = [
    [[2, 5, 4, 3], [3, 3, 2, 3], [2, 10, 8, 2], 2, 'same'],
    [[3, 4, 4, 5], [4, 4, 2, 5], [3, 8, 8, 2], 2, 'same'], // a DCGAN generator's layer
    [[2, 4, 3, 3], [1, 1, 2, 3], [2, 8, 6, 2], 2, 'same'], // 1x1: half the phases get no tap (zeros)
    [[2, 3, 4, 2], [3, 2, 3, 2], [2, 9, 8, 3], [3, 2], 'same'],
    [[2, 4, 3, 2], [2, 2, 3, 2], [2, 8, 6, 3], 2, 'valid'],
    [[2, 4, 3, 2], [3, 3, 3, 2], [2, 9, 7, 3], 2, 'valid'], // odd sizes: the spread route
  ];
  for (const [inS, fS, outS, strides, pad] of transposeCases) {
    test(`conv2dTranspose (Conv2DBackpropInput as a forward op) and its gradients: ${inS} * ${fS} -> ${outS}, strides ${strides}, ${pad}`, async () => {
      const x = randomArray(tf.util.sizeFromShape(inS));
      const f = randomArray(tf.util.sizeFromShape(fS));
      const r = randomArray(tf.util.sizeFromShape(outS));
      const out = outS as [number, number, number, number];
      const { cpu, wasm } = await onBoth(() => {
        const xs = tf.tensor4d(x, inS as [number, number, number, number]);
        const fs = tf.tensor4d(f, fS as [number, number, number, number]);
        const rs = tf.tensor4d(r, out);
        const y = tf.conv2dTranspose(xs, fs, out, strides, pad);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, out, strides, pad), rs)),
        )([xs, fs]);
        return [y, ...g];
      });
      expectClose(wasm[0], cpu[0], 'conv2dTranspose');
      expectClose(wasm[1], cpu[1], 'dx');
      expectClose(wasm[2], cpu[2], 'dW');
    });
  }

  // tfjs-backend-wasm's own Conv3DBackpropInputV2 gave zeros at stride 2 and wrong borders with 'same' at stride
  // 1, its Conv3DBackpropFilterV2 wrong values at stride 2: Tiefe's replace both.
  const cases3d: Array<[number | [number, number, number], 'same' | 'valid']> = [
    [1, 'same'],
    [2, 'same'],
    [2, 'valid'],
    [[1, 2, 1], 'valid'],
  ];
  for (const [strides, pad] of cases3d) {
    test(`conv3d gradients and conv3dTranspose (strides ${strides}, ${pad}, batch 2)`, async () => {
      const x = randomArray(2 * 5 * 6 * 4 * 2);
      const f = randomArray(3 * 3 * 3 * 2 * 3);
      const { cpu, wasm } = await onBoth(() => {
        const xs = tf.tensor5d(x, [2, 5, 6, 4, 2]);
        const fs = tf.tensor5d(f, [3, 3, 3, 2, 3]);
        const y = tf.conv3d(xs, fs, strides, pad);
        const r = tf.sin(tf.reshape(tf.range(0, y.size), y.shape));
        const [dx, dW] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, strides, pad), r)),
        )([xs, fs]);
        // conv3dTranspose of y back to x's shape is Conv3DBackpropInputV2 as a forward op.
        const t = tf.conv3dTranspose(y as tf.Tensor5D, fs, [2, 5, 6, 4, 2], strides, pad);
        return [dx, dW, t];
      });
      expectClose(wasm[0], cpu[0], 'dx');
      expectClose(wasm[1], cpu[1], 'dW');
      expectClose(wasm[2], cpu[2], 'conv3dTranspose');
    });
  }

  test('NCHW data format through the kernels directly', async () => {
    const x = randomArray(2 * 3 * 7 * 6);
    const dy = randomArray(2 * 4 * 4 * 3);
    const f = randomArray(3 * 3 * 3 * 4);
    const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NCHW' };
    const { cpu, wasm } = await onBoth(() => {
      const xs = tf.tensor4d(x, [2, 3, 7, 6]);
      const dys = tf.tensor4d(dy, [2, 4, 4, 3]);
      const fs = tf.tensor4d(f, [3, 3, 3, 4]);
      const dW = tf
        .engine()
        .runKernel(tf.Conv2DBackpropFilter, { x: xs, dy: dys }, { ...attrs, filterShape: [3, 3, 3, 4] }) as tf.Tensor;
      const dx = tf
        .engine()
        .runKernel(
          tf.Conv2DBackpropInput,
          { dy: dys, filter: fs },
          { ...attrs, inputShape: [2, 3, 7, 6] },
        ) as tf.Tensor;
      return [dW, dx];
    });
    expectClose(wasm[0], cpu[0], 'dW (NCHW)');
    expectClose(wasm[1], cpu[1], 'dx (NCHW)');
  });

  for (const mult of [1, 2]) {
    for (const [strides, pad] of [
      [1, 'valid'],
      [1, 'same'],
      [2, 'valid'],
      [2, 'same'],
    ] as Array<[number, 'valid' | 'same']>) {
      test(`depthwiseConv2d gradients, channel multiplier ${mult}, strides ${strides}, pad ${pad}`, async () => {
        // Even sizes at stride 2 (mult 1) take the stride-phase route of the input gradient, odd ones the spread one.
        const [batch, h, w, ch] = [3, mult === 1 ? 8 : 9, 8, 3];
        const x = randomArray(batch * h * w * ch);
        const f = randomArray(3 * 2 * ch * mult);
        const probe = tf.tidy(() =>
          tf.depthwiseConv2d(
            tf.zeros([batch, h, w, ch]) as tf.Tensor4D,
            tf.zeros([3, 2, ch, mult]) as tf.Tensor4D,
            strides,
            pad,
          ),
        );
        const outShape = probe.shape;
        probe.dispose();
        const r = randomArray(tf.util.sizeFromShape(outShape));
        const { cpu, wasm } = await onBoth(() => {
          const xs = tf.tensor4d(x, [batch, h, w, ch]);
          const fs = tf.tensor4d(f, [3, 2, ch, mult]);
          const rs = tf.tensor(r, outShape);
          return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), rs)),
          )([xs, fs]);
        });
        expectClose(wasm[0], cpu[0], 'dx');
        expectClose(wasm[1], cpu[1], 'dW');
      });
    }
  }

  for (const [filter, strides, pad] of [
    [2, 2, 'valid'],
    [3, 2, 'same'],
    [3, 1, 'same'],
    [3, 1, 'valid'],
    [[3, 2], [2, 1], 'valid'],
  ] as Array<[number | [number, number], number | [number, number], 'valid' | 'same']>) {
    test(`maxPool and avgPool gradients: filter ${filter}, strides ${strides}, pad ${pad}`, async () => {
      const [batch, h, w, ch] = [3, 9, 7, 5];
      const x = randomArray(batch * h * w * ch);
      // Ties (as after a relu): the cpu backend sends the gradient to the first maximum; so must wasm.
      for (let i = 0; i < x.length; i += 3) x[i] = Math.max(0, x[i]);
      const probe = tf.tidy(() => tf.maxPool(tf.zeros([batch, h, w, ch]) as tf.Tensor4D, filter, strides, pad));
      const outShape = probe.shape;
      probe.dispose();
      const r = randomArray(tf.util.sizeFromShape(outShape));
      const { cpu, wasm } = await onBoth(() => {
        const xs = tf.tensor4d(x, [batch, h, w, ch]);
        const rs = tf.tensor(r, outShape);
        const gMax = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, filter, strides, pad), rs)))(
          xs,
        );
        const gAvg = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, filter, strides, pad), rs)))(
          xs,
        );
        return [gMax, gAvg];
      });
      expectClose(wasm[0], cpu[0], 'maxPool dx');
      expectClose(wasm[1], cpu[1], 'avgPool dx');
    });
  }

  test('gather gradient (UnsortedSegmentSum), as in an Embedding layer', async () => {
    const table = randomArray(7 * 4);
    const ids = new Int32Array([3, 1, 3, 6, 0, 3, 1, 1, 5, 2, 6, 3]);
    const r = randomArray(ids.length * 4);
    const seg = randomArray(6 * 2);
    const { cpu, wasm } = await onBoth(() => {
      const t = tf.tensor2d(table, [7, 4]);
      const rs = tf.tensor2d(r, [ids.length, 4]);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.gather(a, tf.tensor1d(ids, 'int32')), rs)))(t);
      const direct = tf.unsortedSegmentSum(tf.tensor2d(seg, [6, 2]), tf.tensor1d([2, 0, 2, 1, 0, 2], 'int32'), 4);
      return [g, direct];
    });
    expectClose(wasm[0], cpu[0], 'gather dTable');
    expectClose(wasm[1], cpu[1], 'unsortedSegmentSum');
  });
});

/** <a, b> in float64. */
function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe('dilated convolutions (no cpu backprop supports dilation: checked as adjoints of the forward op)', () => {
  // For y = conv(x, W): <y, r> = <dx(r, W), x> = <dW(x, r), W>. The forward op is itself compared with cpu.
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
  });

  for (const [strides, pad] of [
    [1, 'valid'],
    [1, 'same'],
  ] as Array<[number, 'valid' | 'same']>) {
    test(`conv2d dilation 2, ${pad}: dx and dW are the adjoints of conv2d`, async () => {
      const [batch, h, w, inC, outC] = [2, 11, 9, 3, 4];
      const x = randomArray(batch * h * w * inC);
      const f = randomArray(3 * 2 * inC * outC);
      const forward = await onBoth(() => [
        tf.conv2d(tf.tensor4d(x, [batch, h, w, inC]), tf.tensor4d(f, [3, 2, inC, outC]), strides, pad, 'NHWC', 2),
      ]);
      expectClose(forward.wasm[0], forward.cpu[0], 'forward conv2d');
      await tf.setBackend('wasm');
      const backend = tf.backend() as BackendWasm;
      const before = backend.numDataIds();
      const xs = tf.tensor4d(x, [batch, h, w, inC]);
      const fs = tf.tensor4d(f, [3, 2, inC, outC]);
      const y = tf.conv2d(xs, fs, strides, pad, 'NHWC', 2);
      const r = tf.tensor(randomArray(y.size), y.shape);
      const info = tf.backend_util.computeConv2DInfo(xs.shape, fs.shape, strides, 2, pad);
      const g = {
        k: [3, 2] as [number, number],
        strides: [1, 1] as [number, number],
        dilations: [2, 2] as [number, number],
        padTop: info.padInfo.top,
        padLeft: info.padInfo.left,
      };
      const dW = tf.engine().makeTensorFromTensorInfo(convFilterGrad(backend, xs, r, g));
      const dx = tf.engine().makeTensorFromTensorInfo(convInputGrad(backend, r, fs, xs.shape, g));
      const yr = dot(y.dataSync() as Float32Array, r.dataSync() as Float32Array);
      const xdx = dot(x, dx.dataSync() as Float32Array);
      const wdW = dot(f, dW.dataSync() as Float32Array);
      expect(Math.abs(xdx - yr)).toBeLessThan(1e-4 * Math.abs(yr) + 1e-3);
      expect(Math.abs(wdW - yr)).toBeLessThan(1e-4 * Math.abs(yr) + 1e-3);
      tf.dispose([xs, fs, y, r, dW, dx]);
      expect(backend.numDataIds()).toBe(before);
    });
  }

  for (const mult of [1, 2]) {
    test(`depthwiseConv2d dilation 2, multiplier ${mult}, same: backprop kernels are the adjoints`, async () => {
      const [batch, h, w, ch] = [2, 10, 9, 3];
      const x = randomArray(batch * h * w * ch);
      const f = randomArray(3 * 3 * ch * mult);
      const forward = await onBoth(() => [
        tf.depthwiseConv2d(tf.tensor4d(x, [batch, h, w, ch]), tf.tensor4d(f, [3, 3, ch, mult]), 1, 'same', 'NHWC', 2),
      ]);
      expectClose(forward.wasm[0], forward.cpu[0], 'forward depthwiseConv2d');
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const xs = tf.tensor4d(x, [batch, h, w, ch]);
        const fs = tf.tensor4d(f, [3, 3, ch, mult]);
        const y = tf.depthwiseConv2d(xs, fs, 1, 'same', 'NHWC', 2);
        const r = tf.tensor(randomArray(y.size), y.shape);
        const attrs = { strides: [1, 1], dilations: [2, 2], pad: 'same' };
        const dx = tf
          .engine()
          .runKernel(
            tf.DepthwiseConv2dNativeBackpropInput,
            { dy: r, filter: fs },
            { ...attrs, inputShape: xs.shape },
          ) as tf.Tensor;
        const dW = tf
          .engine()
          .runKernel(
            tf.DepthwiseConv2dNativeBackpropFilter,
            { x: xs, dy: r },
            { ...attrs, filterShape: fs.shape },
          ) as tf.Tensor;
        const yr = dot(y.dataSync() as Float32Array, r.dataSync() as Float32Array);
        expect(Math.abs(dot(x, dx.dataSync() as Float32Array) - yr)).toBeLessThan(1e-4 * Math.abs(yr) + 1e-3);
        expect(Math.abs(dot(f, dW.dataSync() as Float32Array) - yr)).toBeLessThan(1e-4 * Math.abs(yr) + 1e-3);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
