import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, createRng, InputError } from '@tiefe/core';
import type { TargetOptions } from './gradients.js';
import { checkInput, withPrepared } from './model/prepare.js';

/** Options of {@link gradientShap}. */
export interface GradientShapOptions extends TargetOptions {
  /** The baseline distribution: reference inputs [M, ...x's sample shape] (e.g. training images). Required. */
  baselines: tf.Tensor;
  /** Samples per input (default 50). */
  samples?: number;
  /** Standard deviation of Gaussian noise added to each sampled point (default 0, captum's `stdevs`). */
  noise?: number;
  /** Seed of the baseline, alpha and noise draws (default 0). */
  seed?: number;
  /** Sampled points per forward/backward pass (default 64). */
  batchSize?: number;
}

/**
 * Gradient SHAP / expected gradients (Lundberg and Lee 2017; Erion et al. 2021): the expectation over a
 * baseline b drawn uniformly from `baselines` and alpha ~ U(0, 1) of (x - b) * grad f_c(b + alpha (x - b) + eps),
 * estimated with `samples` draws per input. In expectation the map sums to f_c(x) - E_b f_c(b) (up to the noise).
 * Draws come from core's seeded generator in JavaScript, so the map is the same on every backend.
 */
export async function gradientShap(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: GradientShapOptions,
): Promise<tf.Tensor> {
  const ref = options?.baselines;
  if (!(ref instanceof tf.Tensor)) {
    throw new InputError('gradientShap: baselines', 'reference inputs as a tensor [M, ...]', String(ref));
  }
  checkInput('gradientShap', model, ref, 'baselines');
  const samples = checkInt('gradientShap: samples', options.samples ?? 50);
  const noise = checkNumber('gradientShap: noise', options.noise ?? 0, 0);
  const batchSize = checkInt('gradientShap: batchSize', options.batchSize ?? 64);
  const rng = createRng(checkNumber('gradientShap: seed', options.seed ?? 0));
  return withPrepared('gradientShap', model, x, options.target, async (p) => {
    const n = x.shape[0];
    const m = ref.shape[0];
    const sampleShape = x.shape.slice(1);
    const ones = sampleShape.map(() => 1);
    const total = n * samples;
    let sum = tf.zerosLike(x);
    for (let start = 0; start < total; start += batchSize) {
      const count = Math.min(batchSize, total - start);
      const rows = Array.from({ length: count }, (_, i) => Math.floor((start + i) / samples));
      const pick = rows.map(() => rng.int(m));
      const alphas = rows.map(() => rng.next());
      const eps = noise > 0 ? Float32Array.from({ length: (count * x.size) / n }, () => noise * rng.normal()) : null;
      const next = tf.tidy(() => {
        const xs = tf.gather(x, tf.tensor1d(rows, 'int32'));
        const bs = tf.gather(ref, tf.tensor1d(pick, 'int32'));
        const delta = tf.sub(xs, bs);
        let pts = tf.add(bs, tf.mul(tf.reshape(tf.tensor1d(alphas), [count, ...ones]), delta));
        if (eps) pts = tf.add(pts, tf.tensor(eps, pts.shape));
        const contrib = tf.mul(delta, p.gradient(pts, rows));
        // Add each sample's contribution to its input's row.
        const into = tf.unsortedSegmentSum(contrib, tf.tensor1d(rows, 'int32'), n);
        return tf.add(sum, into);
      });
      sum.dispose();
      sum = next;
    }
    const out = tf.div(sum, samples);
    sum.dispose();
    return out;
  });
}
