/**
 * Every chained op that the umbrella @tensorflow/tfjs package adds to tf.Tensor exists here too and computes
 * what its function form does. The list of ops is read from tfjs-core's own declarations
 * (`dist/public/chained_ops/*.d.ts`, the files the umbrella package imports), not from Tiefe's table.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/index.js';

function declaredChainedOps(): string[] {
  const dir = join(
    dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/package.json')),
    'dist/public/chained_ops',
  );
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    const body = /interface Tensor<[^>]*>\s*\{([\s\S]*?)\n\s*\}/.exec(text)?.[1] ?? '';
    for (const m of body.matchAll(/^\s*(\w+)\s*(?:<[^(]*>)?\(/gm)) names.add(m[1]);
  }
  return [...names].sort();
}

type Op = (...args: unknown[]) => unknown;
const fn = (name: string): Op => {
  const op = (tf as unknown as Record<string, unknown>)[name];
  if (typeof op !== 'function') throw new Error(`tf.${name} is not a function`);
  return op as Op;
};
const t2 = () => tf.tensor2d([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]);
const b2 = () => tf.tensor2d([0.6, 0.5, 0.4, 0.3, 0.2, 0.1], [2, 3]);
const img = () => tf.reshape(tf.range(0, 32), [1, 4, 4, 2]).div(32);
const vec = () => tf.tensor1d([0.5, -1, 2, 0.25]);
const ints = () => tf.tensor1d([0, 2, 1, 2], 'int32');
const bools = () => tf.tensor1d([true, false, true, false], 'bool');
const complex = () => tf.complex(vec(), vec());
const filter = () => tf.reshape(tf.range(0, 8), [2, 2, 2, 1]).div(8);

/**
 * How to call each op: the receiver, the further arguments, and its function form when that is not
 * `tf.<name>(receiver, ...args)` (from tfjs's documentation of the chained op).
 */
interface Sample {
  x: () => tf.Tensor;
  args?: () => unknown[];
  fn?: (x: tf.Tensor, ...args: unknown[]) => unknown;
}
const unary = (x: () => tf.Tensor = t2): Sample => ({ x });
const binary: Sample = { x: t2, args: () => [b2()] };
const axis = (...args: unknown[]): Sample => ({ x: t2, args: () => args });
const SAMPLES: Record<string, Sample> = {
  abs: unary(vec),
  acos: unary(),
  acosh: unary(() => t2().add(1)),
  add: binary,
  all: unary(bools),
  any: unary(bools),
  argMax: axis(1),
  argMin: axis(1),
  as1D: { x: t2, fn: (x) => tf.reshape(x, [x.size]) },
  as2D: { x: t2, args: () => [3, 2], fn: (x) => tf.reshape(x, [3, 2]) },
  as3D: { x: t2, args: () => [1, 3, 2], fn: (x) => tf.reshape(x, [1, 3, 2]) },
  as4D: { x: t2, args: () => [1, 1, 3, 2], fn: (x) => tf.reshape(x, [1, 1, 3, 2]) },
  as5D: { x: t2, args: () => [1, 1, 1, 3, 2], fn: (x) => tf.reshape(x, [1, 1, 1, 3, 2]) },
  asScalar: { x: () => tf.tensor1d([3]), fn: (x) => tf.reshape(x, []) },
  asType: { x: t2, args: () => ['int32'], fn: (x) => tf.cast(x, 'int32') },
  asin: unary(),
  asinh: unary(),
  atan: unary(),
  atan2: binary,
  atanh: unary(),
  avgPool: { x: img, args: () => [2, 2, 'valid'] },
  batchNorm: { x: t2, args: () => [tf.tensor1d([0.1, 0.2, 0.3]), tf.tensor1d([1, 2, 3])] },
  batchToSpaceND: {
    x: () => tf.reshape(tf.range(0, 16), [4, 2, 2, 1]),
    args: () => [
      [2, 2],
      [
        [0, 0],
        [0, 0],
      ],
    ],
  },
  broadcastTo: { x: vec, args: () => [[3, 4]] },
  cast: { x: t2, args: () => ['int32'] },
  ceil: unary(),
  clipByValue: axis(0.2, 0.4),
  concat: {
    x: t2,
    args: () => [[b2(), t2()], 1],
    fn: (x, ys, ax) => tf.concat([x, ...(ys as tf.Tensor[])], ax as number),
  },
  conv1d: { x: () => tf.reshape(tf.range(0, 8), [1, 4, 2]), args: () => [tf.ones([2, 2, 3]), 1, 'same'] },
  conv2d: { x: img, args: () => [filter(), 1, 'same'] },
  conv2dTranspose: { x: img, args: () => [tf.ones([2, 2, 3, 2]), [1, 8, 8, 3], 2, 'same'] },
  cos: unary(),
  cosh: unary(),
  cumprod: axis(1),
  cumsum: axis(1),
  depthToSpace: { x: () => tf.reshape(tf.range(0, 16), [1, 2, 2, 4]), args: () => [2] },
  depthwiseConv2d: { x: img, args: () => [tf.ones([2, 2, 2, 2]), 1, 'same'] },
  dilation2d: { x: img, args: () => [tf.ones([2, 2, 2]), 1, 'same'] },
  div: binary,
  divNoNan: { x: t2, args: () => [tf.tensor2d([1, 0, 2, 0, 3, 0], [2, 3])] },
  dot: { x: t2, args: () => [tf.transpose(b2())] },
  elu: unary(vec),
  equal: { x: ints, args: () => [tf.tensor1d([0, 1, 1, 2], 'int32')] },
  erf: unary(),
  euclideanNorm: axis(1),
  exp: unary(),
  expandDims: axis(1),
  expm1: unary(),
  fft: unary(complex),
  flatten: { x: t2, fn: (x) => tf.reshape(x, [x.size]) },
  floor: unary(),
  floorDiv: binary,
  gather: { x: t2, args: () => [tf.tensor1d([1, 0], 'int32')] },
  greater: binary,
  greaterEqual: binary,
  ifft: unary(complex),
  irfft: unary(complex),
  isFinite: unary(() => tf.tensor1d([1, Number.POSITIVE_INFINITY, Number.NaN])),
  isInf: unary(() => tf.tensor1d([1, Number.POSITIVE_INFINITY, Number.NaN])),
  isNaN: unary(() => tf.tensor1d([1, Number.POSITIVE_INFINITY, Number.NaN])),
  leakyRelu: { x: vec, args: () => [0.1] },
  less: binary,
  lessEqual: binary,
  localResponseNormalization: { x: img, args: () => [1] },
  log: unary(),
  log1p: unary(),
  logSigmoid: unary(vec),
  logSoftmax: unary(),
  logSumExp: axis(1),
  logicalAnd: { x: bools, args: () => [tf.tensor1d([true, true, false, false], 'bool')] },
  logicalNot: unary(bools),
  logicalOr: { x: bools, args: () => [tf.tensor1d([true, true, false, false], 'bool')] },
  logicalXor: { x: bools, args: () => [tf.tensor1d([true, true, false, false], 'bool')] },
  matMul: { x: t2, args: () => [b2(), false, true] },
  max: axis(1),
  maxPool: { x: img, args: () => [2, 2, 'valid'] },
  maximum: binary,
  mean: axis(0),
  min: axis(1),
  minimum: binary,
  mirrorPad: {
    x: t2,
    args: () => [
      [
        [1, 1],
        [2, 2],
      ],
      'reflect',
    ],
  },
  mod: binary,
  mul: binary,
  neg: unary(),
  norm: { x: t2, args: () => ['euclidean', 1] },
  notEqual: binary,
  oneHot: { x: ints, args: () => [3] },
  onesLike: unary(),
  pad: {
    x: t2,
    args: () => [
      [
        [1, 0],
        [0, 2],
      ],
      5,
    ],
  },
  pool: { x: img, args: () => [[2, 2], 'max', 'valid'] },
  pow: binary,
  prelu: { x: vec, args: () => [tf.scalar(0.2)] },
  prod: axis(1),
  reciprocal: unary(),
  relu: unary(vec),
  relu6: unary(() => vec().mul(4)),
  reshape: axis([3, 2]),
  reshapeAs: { x: t2, args: () => [tf.zeros([3, 2])], fn: (x) => tf.reshape(x, [3, 2]) },
  resizeBilinear: {
    x: img,
    args: () => [[8, 6]],
    fn: (x, s) => tf.image.resizeBilinear(x as tf.Tensor4D, s as [number, number]),
  },
  resizeNearestNeighbor: {
    x: img,
    args: () => [[8, 6]],
    fn: (x, s) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, s as [number, number]),
  },
  reverse: axis(1),
  rfft: unary(vec),
  round: unary(() => vec().mul(3)),
  rsqrt: unary(),
  selu: unary(vec),
  separableConv2d: { x: img, args: () => [tf.ones([2, 2, 2, 1]), tf.ones([1, 1, 2, 3]), 1, 'same'] },
  sigmoid: unary(vec),
  sign: unary(vec),
  sin: unary(),
  sinh: unary(),
  slice: axis([0, 1], [2, 2]),
  softmax: unary(),
  softplus: unary(vec),
  spaceToBatchND: {
    x: img,
    args: () => [
      [2, 2],
      [
        [0, 0],
        [0, 0],
      ],
    ],
  },
  split: axis(3, 1),
  sqrt: unary(),
  square: unary(),
  squaredDifference: binary,
  squeeze: { x: () => tf.zeros([1, 3, 1]).add(2) },
  stack: { x: t2, args: () => [[b2()], 1], fn: (x, ys, ax) => tf.stack([x, ...(ys as tf.Tensor[])], ax as number) },
  step: unary(vec),
  stridedSlice: axis([0, 0], [2, 3], [1, 2]),
  sub: binary,
  sum: axis(1),
  tan: unary(),
  tanh: unary(),
  tile: axis([2, 1]),
  toBool: { x: vec, fn: (x) => tf.cast(x, 'bool') },
  toFloat: { x: ints, fn: (x) => tf.cast(x, 'float32') },
  toInt: { x: vec, fn: (x) => tf.cast(x, 'int32') },
  topk: axis(2),
  transpose: unary(),
  unique: unary(ints),
  unsortedSegmentSum: { x: vec, args: () => [ints(), 3] },
  unstack: axis(1),
  where: { x: vec, args: () => [bools(), tf.zeros([4])], fn: (x, c, y) => tf.where(c as tf.Tensor, x, y as tf.Tensor) },
  zerosLike: unary(),
};

/** The tensors in an op's result (a tensor, an array of them, or topk/unique's object of them). */
function tensors(out: unknown): tf.Tensor[] {
  if (out instanceof tf.Tensor) return [out];
  if (Array.isArray(out)) return out.flatMap(tensors);
  return Object.values(out as Record<string, tf.Tensor>).flatMap(tensors);
}

describe('chained ops', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['cpu'] });
  });
  const declared = declaredChainedOps();

  it('tfjs-core declares the chained ops of the umbrella package (the list this test checks)', () => {
    expect(declared.length).toBeGreaterThan(130);
    expect(declared).toContain('resizeBilinear');
    // A sample for each, and no sample for an op tfjs does not declare.
    expect(Object.keys(SAMPLES).sort()).toEqual(declared);
  });

  for (const name of declaredChainedOps()) {
    it(`x.${name}(...) exists and equals its function form`, () => {
      const method = (tf.Tensor.prototype as unknown as Record<string, Op>)[name];
      expect(typeof method, `tf.Tensor.prototype.${name}`).toBe('function');
      const sample = SAMPLES[name];
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const x = sample.x();
        const args = sample.args?.() ?? [];
        const got = tensors(method.apply(x, args));
        const want = tensors(sample.fn ? sample.fn(x, ...args) : fn(name)(x, ...args));
        expect(got.map((t) => [t.dtype, t.shape])).toEqual(want.map((t) => [t.dtype, t.shape]));
        got.forEach((t, i) => {
          expect(Array.from(t.dataSync())).toEqual(Array.from(want[i].dataSync()));
        });
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('tf.zeros([1, 4, 4, 1]).resizeBilinear([8, 8]) works (issue 10)', () => {
    const x = tf.zeros([1, 4, 4, 1]);
    const y = x.resizeBilinear([8, 8]);
    expect(y.shape).toEqual([1, 8, 8, 1]);
    tf.dispose([x, y]);
  });

  it('a disposed tensor throws, as with the umbrella package', () => {
    const x = tf.tensor1d([1, 2]);
    x.dispose();
    expect(() => x.square()).toThrow(/disposed/);
  });
});
