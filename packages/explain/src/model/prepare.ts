import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkTensor, InputError } from '@tiefe/core';
import { parseGraph } from './graph.js';
import { buildPlan, logitsOf, type Plan, type RunOptions } from './plan.js';
import { checkOutputShape, selectTarget, type Target } from './target.js';

/** Which number of the model a perturbation method watches. */
export type ScoreKind = 'logit' | 'probability';

/**
 * Everything a public call needs about its model, built once per call by {@link prepare}: the forward plan, the
 * explained target of every input and its score as a differentiable function. Dispose it at the end.
 */
export interface Prepared {
  /** The public function (`'saliency'`), for error names. */
  method: string;
  plan: Plan;
  /** Number of inputs of the explained batch. */
  n: number;
  /** The target class of every input. */
  classes: number[];
  /** [n, ...output]: the score of input i is sum(logits_i * mask_i). */
  mask: tf.Tensor;
  /**
   * The target score of every row of `xs` (inside the caller's tidy): row r explains input `rows[r]` (default:
   * row r is input r). `kind` 'probability' scores softmax (sigmoid for one unit) instead of the logits.
   */
  score(xs: tf.Tensor, rows?: number[], options?: RunOptions & { kind?: ScoreKind }): tf.Tensor1D;
  /** d score / d xs, the same rows (inside the caller's tidy). */
  gradient(xs: tf.Tensor, rows?: number[], options?: RunOptions): tf.Tensor;
  dispose(): void;
}

/**
 * Checks what every explanation method takes: a single-input model whose output is [N, classes] (or a
 * segmentation output, see {@link Target}), and a live tensor `x` whose sample shape matches the model's input
 * shape. `fn` is the public function, used for the `'fn: argument'` names of the errors; `arg` the argument.
 */
export function checkInput(fn: string, model: tfl.LayersModel, x: tf.Tensor, arg = 'x'): void {
  const name = `${fn}: ${arg}`;
  checkTensor(name, x);
  parseGraph(model, fn);
  checkOutputShape(fn, model.outputs[0].shape);
  const want = model.inputs[0].shape;
  const ok = x.rank === want.length && want.every((d, i) => i === 0 || d == null || d === x.shape[i]);
  if (!ok) throw new InputError(name, `shape [${want.map((d) => d ?? 'N').join(',')}]`, `[${x.shape}]`);
  if (x.shape[0] === 0) throw new InputError(name, 'a batch of at least one input', 'an empty batch');
}

/**
 * Validates `x`, builds the plan of `model` (strict: LRP's, which rejects layers it cannot propagate through)
 * and resolves `target` with at most one forward pass.
 */
export async function prepare(
  method: string,
  model: tfl.LayersModel,
  x: tf.Tensor,
  target: Target | undefined,
  strict = false,
): Promise<Prepared> {
  checkInput(method, model, x);
  const plan = buildPlan(model, method, strict);
  const n = x.shape[0];
  const outShape = model.outputs[0].shape.slice(1) as number[];
  let sel: Awaited<ReturnType<typeof selectTarget>>;
  try {
    sel = await selectTarget(method, target, n, outShape, () => logitsOf(plan, x));
  } catch (e) {
    plan.dispose();
    throw e;
  }
  const { classes, mask } = sel;
  const rowsOf = (m: number, rows?: number[]) => {
    if (!rows && m === n) return mask;
    return tf.gather(mask, tf.tensor1d(rows ?? Array.from({ length: m }, (_, i) => i), 'int32'));
  };
  const score: Prepared['score'] = (xs, rows, options = {}) => {
    let out = logitsOf(plan, xs, options);
    if (options.kind === 'probability') out = out.shape[out.rank - 1] === 1 ? tf.sigmoid(out) : tf.softmax(out);
    return tf.sum(tf.reshape(tf.mul(out, rowsOf(xs.shape[0], rows)), [xs.shape[0], -1]), 1) as tf.Tensor1D;
  };
  return {
    method,
    plan,
    n,
    classes,
    mask,
    score,
    // Each row's gradient only depends on its own score: the inputs of a batch do not interact (inference mode).
    gradient: (xs, rows, options) => tf.grad((xx: tf.Tensor) => tf.sum(score(xx, rows, options)))(xs),
    dispose: () => {
      mask.dispose();
      plan.dispose();
    },
  };
}

/** Runs `body` with a {@link Prepared} model and disposes it afterwards, also on errors. */
export async function withPrepared<T>(
  method: string,
  model: tfl.LayersModel,
  x: tf.Tensor,
  target: Target | undefined,
  body: (p: Prepared) => Promise<T> | T,
  strict = false,
): Promise<T> {
  const p = await prepare(method, model, x, target, strict);
  try {
    return await body(p);
  } finally {
    p.dispose();
  }
}
