import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkNumber, checkOptions } from '@tiefe/core';
import type { Batch, Plugin, TrainContext } from '../trainer.js';
import { clear, perRowGradientMean, sampleRows, snapshot, weightedSquaredDistance } from './util.js';

/**
 * MAS importance (Aljundi 2018), one tensor per trainable variable: the mean over rows of the absolute
 * gradient of the squared L2 norm of the row's logits (the selected head's), `|d ||f(x)||^2 / d theta|`. No
 * labels needed.
 */
export function masImportance(ctx: TrainContext, data: Batch, options: { samples?: number } = {}): tf.Tensor[] {
  checkOptions('masImportance: options', options);
  const samples = checkInt('masImportance: samples', options.samples ?? 200);
  const rows = sampleRows(ctx, data.x.shape[0], samples);
  return perRowGradientMean(
    ctx,
    data,
    rows,
    (row) => tf.tidy(() => tf.sum(tf.square(ctx.logits(row.x, row.taskIds, ctx.model, true))) as tf.Scalar),
    tf.abs,
  );
}

/** Options of {@link mas}. */
export interface MasOptions {
  /** Penalty strength lambda (default 1). */
  lambda?: number;
  /** Weight of the old importance when a new one is merged, `alpha * old + (1 - alpha) * new` (default 0.5, Avalanche's). */
  alpha?: number;
  /** Rows per importance estimate (default 200). */
  samples?: number;
}

/**
 * Memory aware synapses (Aljundi 2018): after each experience the importance of every weight (see
 * {@link masImportance}) is merged into a running one; later training adds
 * `lambda * sum_k Omega_k (theta_k - theta*_k)^2`.
 */
export function mas(options: MasOptions = {}): Plugin {
  checkOptions('mas: options', options);
  const lambda = checkNumber('mas: lambda', options.lambda ?? 1, 0);
  const alpha = checkNumber('mas: alpha', options.alpha ?? 0.5, 0, 1);
  const samples = checkInt('mas: samples', options.samples ?? 200);
  const omega: tf.Tensor[] = [];
  const anchor: tf.Tensor[] = [];
  return {
    name: 'mas',
    penalty(_batch, ctx) {
      if (omega.length === 0) return tf.scalar(0);
      return tf.tidy(() => tf.mul(lambda, weightedSquaredDistance(ctx.variables, omega, anchor)) as tf.Scalar);
    },
    async afterTraining(data, ctx) {
      const fresh = masImportance(ctx, data, { samples });
      const next = omega.length
        ? tf.tidy(() => fresh.map((f, k) => tf.add(tf.mul(alpha, omega[k]), tf.mul(1 - alpha, f))))
        : fresh;
      if (next !== fresh) tf.dispose(fresh);
      clear(omega);
      omega.push(...next.map((t) => tf.keep(t)));
      clear(anchor);
      anchor.push(...snapshot(ctx.variables));
    },
    dispose() {
      clear(omega);
      clear(anchor);
    },
  };
}
