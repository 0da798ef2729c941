/**
 * Time of each of Tiefe's own wasm training kernels on the reference CNN's shapes (batch 64: conv 32 on
 * 28x28x1, maxpool, conv 64 on 13x13x32, maxpool) and two of a DCGAN's (batch norm's Tile, a stride-2
 * conv2dTranspose), called directly through the engine: the median of 15 calls after 3 warm-ups (cpu: one call),
 * in ms; the filter gradients with a new dy each call. On wasm these are Tiefe's kernels; on cpu tfjs's own (for
 * scale).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BenchContext, BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'speed';

export const backends = ['wasm', 'cpu'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Median and least ms of `c.run` on `inputs` (or on `c.perCall`'s inputs made from them), after `warmups` calls;
 * its output and any per-call inputs are disposed outside the timing. The least is the better estimate on a
 * shared machine, where a call can wait for a core.
 */
function time(c: Case, inputs: tf.Tensor[], calls: number, warmups: number): { median: number; min: number } {
  const times: number[] = [];
  for (let i = 0; i < warmups + calls; i++) {
    const args = c.perCall?.(inputs) ?? inputs;
    const t0 = performance.now();
    // wasm and cpu kernels run synchronously: the call's time is the kernel's (reading the result back would add
    // a copy of it to JavaScript).
    const out = c.run(args);
    if (i >= warmups) times.push(performance.now() - t0);
    tf.dispose([out, ...args.filter((t) => !inputs.includes(t))]);
  }
  return { median: median(times), min: Math.min(...times) };
}

interface Case {
  name: string;
  make: () => tf.Tensor[];
  /** The inputs of one call made from `make`'s, outside the timing (new tensors are disposed after the call). */
  perCall?: (t: tf.Tensor[]) => tf.Tensor[];
  run: (t: tf.Tensor[]) => tf.Tensor;
}

const pool = (kernel: 'MaxPoolGrad' | 'AvgPoolGrad', b: number, h: number, c: number): Case => ({
  name: `${kernel} [${b},${h},${h},${c}] 2x2/2`,
  make: () => {
    const input = tf.randomNormal([b, h, h, c], 0, 1, 'float32', 1);
    const output = kernel === 'MaxPoolGrad' ? tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid') : tf.zeros([1]);
    const o = Math.floor(h / 2);
    return [input, output, tf.randomNormal([b, o, o, c], 0, 1, 'float32', 2)];
  },
  run: ([input, output, dy]) =>
    kernel === 'MaxPoolGrad'
      ? (tf.engine().runKernel(kernel, { dy, input, output }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor)
      : (tf.engine().runKernel(kernel, { dy, input }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor),
});

const filterGrad = (b: number, h: number, inC: number, outC: number): Case => ({
  name: `Conv2DBackpropFilter x [${b},${h},${h},${inC}], 3x3 -> ${outC}`,
  make: () => [tf.randomNormal([b, h, h, inC], 0, 1, 'float32', 3)],
  // A new dy each call, as in training: XNNPACK keeps the packed second operand of a matmul by tensor, so a
  // repeated dy would be packed once and the call look faster than any training step's.
  perCall: ([x]) => [x, tf.randomNormal([b, h - 2, h - 2, outC], 0, 1, 'float32', 4)],
  run: ([x, dy]) =>
    tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: 1, pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: 'floor', filterShape: [3, 3, inC, outC] },
      ) as tf.Tensor,
});

const leadingSum = (shape: number[]): Case => ({
  name: `Sum [${shape}] over the leading ${shape.length - 1} axes`,
  make: () => [tf.randomNormal(shape, 0, 1, 'float32', 5)],
  run: ([x]) => tf.sum(x, [0, 1, 2]),
});

/** Batch norm's gradient tiles its [1,1,1,C] statistics to the activation's shape. */
const tileCase = (shape: number[], c: number): Case => ({
  name: `Tile [1,1,1,${c}] -> [${shape},${c}]`,
  make: () => [tf.randomNormal([1, 1, 1, c], 0, 1, 'float32', 6)],
  run: ([x]) => tf.tile(x, [...shape, 1]),
});

/** A DCGAN generator's upsampling layer: conv2dTranspose 4x4, stride 2, 'same' (Conv2DBackpropInput forward). */
const transposeCase = (b: number, h: number, inC: number, outC: number): Case => ({
  name: `conv2dTranspose [${b},${h},${h},${inC}] 4x4/2 same -> ${outC}`,
  make: () => [
    tf.randomNormal([b, h, h, inC], 0, 1, 'float32', 7),
    tf.randomNormal([4, 4, outC, inC], 0, 0.1, 'float32', 8),
  ],
  run: ([x, f]) => tf.conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, [b, 2 * h, 2 * h, outC], 2, 'same'),
});

export const cases: Case[] = [
  pool('MaxPoolGrad', 64, 26, 32),
  pool('MaxPoolGrad', 64, 11, 64),
  pool('AvgPoolGrad', 64, 26, 32),
  leadingSum([64, 26, 26, 32]),
  leadingSum([64, 11, 11, 64]),
  filterGrad(64, 28, 1, 32),
  filterGrad(64, 13, 32, 64),
  tileCase([64, 14, 14], 64),
  transposeCase(64, 7, 128, 64),
  transposeCase(64, 14, 64, 1),
];

export default async function bench(backend: string, context?: BenchContext): Promise<BenchRow[]> {
  // cpu (tfjs's plain JavaScript kernels, for scale) takes up to 17 s a call here (the conv2 filter gradient):
  // one call, no warm-up, so that the file stays under half a minute there.
  const calls = backend === 'cpu' ? 1 : 15;
  const warmups = backend === 'cpu' ? 0 : 3;
  const threads = backend === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : 0;
  const rows: BenchRow[] = [];
  for (const c of cases) {
    const inputs = c.make();
    const t = time(c, inputs, calls, warmups);
    tf.dispose(inputs);
    context?.progress(`${c.name}: ${t.median.toFixed(2)} ms (least ${t.min.toFixed(2)})`);
    rows.push({
      case: c.name,
      value: Number(t.median.toFixed(3)),
      unit: 'ms',
      note: `median of ${calls} calls; least ${t.min.toFixed(3)} ms${backend === 'wasm' ? `; ${threads} wasm thread(s)` : ''}`,
    });
  }
  return rows;
}
