import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, InputError } from '@tiefe/core';
import type { RunOptions } from './model/plan.js';
import { type Prepared, withPrepared } from './model/prepare.js';
import type { Target } from './model/target.js';

/** Options every method takes. */
export interface TargetOptions {
  /**
   * What to explain: a class index, one index per input, or 'predicted' (default); for segmentation outputs
   * also a class at one pixel or summed over a mask (see {@link Target}).
   */
  target?: Target;
}

/**
 * d score / d copy for `copies` [n, k, ...sample]: k perturbed copies of each of the n inputs, every copy
 * explaining its input's target (inside the caller's tidy). Same shape as `copies`.
 */
export function copiesGradient(p: Prepared, copies: tf.Tensor, run?: RunOptions): tf.Tensor {
  const [n, k, ...sampleShape] = copies.shape;
  const rows = Array.from({ length: n * k }, (_, i) => Math.floor(i / k));
  return tf.reshape(p.gradient(tf.reshape(copies, [n * k, ...sampleShape]), rows, run), copies.shape);
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
  return withPrepared('saliency', model, x, options.target, (p) =>
    tf.tidy(() => {
      const g = p.gradient(x);
      return options.absolute === false ? g : tf.abs(g);
    }),
  );
}

/** Gradient x input (Shrikumar et al. 2016): x * d f_c / d x. Same shape as x. */
export async function gradientTimesInput(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: TargetOptions = {},
): Promise<tf.Tensor> {
  return withPrepared('gradientTimesInput', model, x, options.target, (p) => tf.tidy(() => tf.mul(x, p.gradient(x))));
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
  return withPrepared('integratedGradients', model, x, options.target, (p) => integrate(p, x, options));
}

function integrate(p: Prepared, x: tf.Tensor, options: IntegratedGradientsOptions): tf.Tensor {
  const steps = checkInt('integratedGradients: steps', options.steps ?? 32);
  const batchSize = checkInt('integratedGradients: batchSize', options.batchSize ?? 64);
  const base = checkBaseline('integratedGradients', options.baseline ?? 0, x);
  const n = x.shape[0];
  // Inputs per chunk: whole inputs x all their steps, so that each chunk is one batch of interpolations.
  const perChunk = Math.max(1, Math.floor(batchSize / steps));
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < n; start += perChunk) {
    const count = Math.min(perChunk, n - start);
    const part = tf.tidy(() => {
      const xs = tf.slice(x, start, count);
      const b = baselineRows(base, x, start, count);
      const sampleShape = xs.shape.slice(1);
      const alphas = tf.reshape(tf.linspace(0.5 / steps, 1 - 0.5 / steps, steps), [
        1,
        steps,
        ...sampleShape.map(() => 1),
      ]);
      const delta = tf.sub(xs, b);
      const path = tf.add(tf.expandDims(b, 1), tf.mul(alphas, tf.expandDims(delta, 1))); // [count, steps, ...]
      const grads = tf.reshape(
        p.gradient(
          tf.reshape(path, [count * steps, ...sampleShape]),
          Array.from({ length: count * steps }, (_, i) => start + Math.floor(i / steps)),
        ),
        path.shape,
      );
      return tf.mul(delta, tf.mean(grads, 1));
    });
    parts.push(part);
  }
  const out = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  if (parts.length > 1) for (const p of parts) p.dispose();
  return out;
}

/** A reference input: a number for every element, or a tensor of one input's shape or of x's shape. */
export type Baseline = number | tf.Tensor;

/** Checks a {@link Baseline} option of the public function `fn` against the batch x. */
export function checkBaseline(fn: string, base: Baseline, x: tf.Tensor): Baseline {
  if (typeof base !== 'number') {
    const ok =
      base instanceof tf.Tensor &&
      (base.rank === x.rank
        ? base.shape.every((d, i) => d === x.shape[i])
        : base.rank === x.rank - 1 && base.shape.every((d, i) => d === x.shape[i + 1]));
    if (!ok)
      throw new InputError(
        `${fn}: baseline`,
        `a number or a tensor of shape [${x.shape}] or [${x.shape.slice(1)}]`,
        base instanceof tf.Tensor ? `[${base.shape}]` : String(base),
      );
  } else if (!Number.isFinite(base))
    throw new InputError(`${fn}: baseline`, 'a finite number or a tensor', String(base));
  return base;
}

/** The baselines of inputs start..start+count-1 of x, [count, ...sample] (inside the caller's tidy). */
export function baselineRows(base: Baseline, x: tf.Tensor, start: number, count: number): tf.Tensor {
  const shape = [count, ...x.shape.slice(1)];
  if (typeof base === 'number') return tf.fill(shape, base);
  return base.rank === x.rank ? tf.slice(base, start, count) : tf.broadcastTo(base, shape);
}
