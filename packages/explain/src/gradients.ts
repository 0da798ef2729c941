import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, InputError } from '@tiefe/core';
import { buildPlan, logitsOf, type Plan } from './plan.js';
import { resolveTarget, type Target, targetMask } from './target.js';
import { checkInput } from './validate.js';

/** Options every gradient method takes. */
export interface TargetOptions {
  /** Class to explain: an index, one index per input, or 'predicted' (default). */
  target?: Target;
}

/** The logit plan of a model for the public function `fn`; built inside a tidy (it may fold tensors). */
export function logitPlan(model: tfl.LayersModel, fn: string): Plan {
  return buildPlan(model, fn, false);
}

/**
 * The target class of every input (resolves 'predicted' with one forward pass), for the public function `fn`.
 * The model was checked by {@link checkInput}.
 */
export async function targetClasses(
  fn: string,
  model: tfl.LayersModel,
  x: tf.Tensor,
  target: Target | undefined,
): Promise<number[]> {
  const shape = model.outputs[0].shape;
  return resolveTarget(fn, target, x.shape[0], shape[shape.length - 1] as number, () =>
    logitsOf(logitPlan(model, fn), x),
  );
}

/**
 * d logit_target / d x for every input of a batch (inside the caller's tidy). Each input's gradient only
 * depends on its own logit because the inputs of a batch do not interact (inference mode).
 */
export function logitGradient(plan: Plan, x: tf.Tensor, classes: number[]): tf.Tensor {
  return tf.grad((xx: tf.Tensor) => {
    const logits = logitsOf(plan, xx);
    return tf.sum(tf.mul(logits, targetMask(classes, logits.shape[1])));
  })(x);
}

/**
 * d logit_target / d copy for `copies` [n, k, ...sample]: k perturbed copies of each of n inputs, every copy
 * explaining its input's class (inside the caller's tidy). Same shape as `copies`.
 */
export function copiesGradient(plan: Plan, copies: tf.Tensor, classes: number[]): tf.Tensor {
  const [n, k, ...sampleShape] = copies.shape;
  const cls = classes.flatMap((c) => new Array(k).fill(c));
  const grads = logitGradient(plan, tf.reshape(copies, [n * k, ...sampleShape]), cls);
  return tf.reshape(grads, copies.shape);
}

/** Options of {@link saliency}. */
export interface SaliencyOptions extends TargetOptions {
  /** Absolute value of the gradient (Simonyan et al. 2014; default true) or the signed gradient (false). */
  absolute?: boolean;
}

/**
 * Saliency (vanilla gradient, Simonyan et al. 2014): |d f_c / d x| (or the signed gradient), f_c the target's
 * pre-softmax logit. Same shape as x.
 */
export async function saliency(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: SaliencyOptions = {},
): Promise<tf.Tensor> {
  checkInput('saliency', model, x);
  const classes = await targetClasses('saliency', model, x, options.target);
  return tf.tidy(() => {
    const g = logitGradient(logitPlan(model, 'saliency'), x, classes);
    return options.absolute === false ? g : tf.abs(g);
  });
}

/** Gradient x input (Shrikumar et al. 2016): x * d f_c / d x. Same shape as x. */
export async function gradientTimesInput(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: TargetOptions = {},
): Promise<tf.Tensor> {
  checkInput('gradientTimesInput', model, x);
  const classes = await targetClasses('gradientTimesInput', model, x, options.target);
  return tf.tidy(() => tf.mul(x, logitGradient(logitPlan(model, 'gradientTimesInput'), x, classes)));
}

/** Options of {@link integratedGradients}. */
export interface IntegratedGradientsOptions extends TargetOptions {
  /** Reference input: a number for every element or a tensor of one input's shape or x's shape (default 0). */
  baseline?: number | tf.Tensor;
  /** Riemann steps m (default 32). */
  steps?: number;
  /** How many interpolated inputs go through the model at once (default 64). */
  batchSize?: number;
}

/**
 * Integrated gradients (Sundararajan et al. 2017) with the midpoint rule:
 * IG(x) = (x - x') * (1/m) sum_{k=0}^{m-1} grad f_c(x' + (k + 1/2)/m (x - x')).
 * Completeness: sum IG ~ f_c(x) - f_c(x') (error shrinks as 1/m^2 for smooth f).
 */
export async function integratedGradients(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: IntegratedGradientsOptions = {},
): Promise<tf.Tensor> {
  checkInput('integratedGradients', model, x);
  const steps = checkInt('integratedGradients: steps', options.steps ?? 32);
  const batchSize = checkInt('integratedGradients: batchSize', options.batchSize ?? 64);
  const classes = await targetClasses('integratedGradients', model, x, options.target);
  const base = options.baseline ?? 0;
  if (typeof base !== 'number') {
    const ok =
      base.rank === x.rank
        ? base.shape.every((d, i) => d === x.shape[i])
        : base.rank === x.rank - 1 && base.shape.every((d, i) => d === x.shape[i + 1]);
    if (!ok)
      throw new InputError(
        'integratedGradients: baseline',
        `a number or a tensor of shape [${x.shape}] or [${x.shape.slice(1)}]`,
        `[${base.shape}]`,
      );
  } else if (!Number.isFinite(base))
    throw new InputError('integratedGradients: baseline', 'a finite number or a tensor', String(base));
  const n = x.shape[0];
  // Inputs per chunk: whole inputs x all their steps, so that each chunk is one batch of interpolations.
  const perChunk = Math.max(1, Math.floor(batchSize / steps));
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < n; start += perChunk) {
    const count = Math.min(perChunk, n - start);
    const part = tf.tidy(() => {
      const plan = logitPlan(model, 'integratedGradients');
      const xs = tf.slice(x, start, count);
      const b =
        typeof base === 'number'
          ? tf.fill(xs.shape, base)
          : base.rank === x.rank
            ? tf.slice(base, start, count)
            : tf.broadcastTo(base, xs.shape);
      const sampleShape = xs.shape.slice(1);
      const alphas = tf.reshape(tf.linspace(0.5 / steps, 1 - 0.5 / steps, steps), [
        1,
        steps,
        ...sampleShape.map(() => 1),
      ]);
      const delta = tf.sub(xs, b);
      const path = tf.add(tf.expandDims(b, 1), tf.mul(alphas, tf.expandDims(delta, 1))); // [count, steps, ...]
      const grads = copiesGradient(plan, path, classes.slice(start, start + count));
      return tf.mul(delta, tf.mean(grads, 1));
    });
    parts.push(part);
  }
  const out = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  if (parts.length > 1) for (const p of parts) p.dispose();
  return out;
}
