import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkOptions, createRng } from '@tiefe/core';

/** Options of {@link addingProblem}. */
export interface AddingProblemOptions {
  /** Number of sequences. */
  count: number;
  /** Sequence length T (50, 200, ...). */
  length: number;
  /** Seed; default 0. */
  seed?: number;
}

/** Sequences of the adding problem with their targets and where the marks are. */
export interface AddingProblemData {
  /** `[count, length, 2]`: channel 0 uniform values in [0, 1), channel 1 the markers (two 1s, else 0). */
  x: tf.Tensor3D;
  /** `[count, 1]`: the sum of the two marked values. */
  y: tf.Tensor2D;
  /** The two marked steps of each sequence: one in the first half, one in the second. */
  marks: Array<[number, number]>;
}

/**
 * MSE of always predicting the mean sum 1: the variance of the sum of two independent U(0, 1) values, 2/12.
 * A model that has not learned to remember the marked values stays at this loss.
 */
export const ADDING_BASELINE_MSE = 2 / 12;

/**
 * The adding problem (Hochreiter & Schmidhuber 1997; in this form Le et al. 2015): the model sees T steps of
 * (value, marker) and must output the sum of the two marked values. The first mark lies in the first half, the
 * second in the second half, so the first one has to be remembered for T/2 steps or more: easy for an LSTM,
 * hard for a SimpleRNN (vanishing gradients) once T is large.
 */
export function addingProblem(options: AddingProblemOptions): AddingProblemData {
  const o = checkOptions('addingProblem: options', options);
  const count = checkInt('addingProblem: count', o.count);
  const length = checkInt('addingProblem: length', o.length, 2);
  const rng = createRng(checkInt('addingProblem: seed', o.seed ?? 0, 0));
  const half = Math.floor(length / 2);
  const x = new Float32Array(count * length * 2);
  const y = new Float32Array(count);
  const marks: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    for (let t = 0; t < length; t++) x[(i * length + t) * 2] = rng.next();
    const a = rng.int(half);
    const b = half + rng.int(length - half);
    marks.push([a, b]);
    x[(i * length + a) * 2 + 1] = 1;
    x[(i * length + b) * 2 + 1] = 1;
    y[i] = x[(i * length + a) * 2] + x[(i * length + b) * 2];
  }
  return { x: tf.tensor3d(x, [count, length, 2]), y: tf.tensor2d(y, [count, 1]), marks };
}
