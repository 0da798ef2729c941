import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkNumber, checkOneOf, checkOptions } from '@tiefe/core';
import type { Batch, Plugin, TrainContext } from '../trainer.js';
import { clear, perRowGradientMean, sampleRows, snapshot, weightedSquaredDistance } from './util.js';

/**
 * Which distribution the Fisher information's labels come from: `'empirical'` uses each row's true target,
 * `'true'` draws the label from the model's own predictive distribution (the Fisher of the model).
 */
export type FisherKind = 'empirical' | 'true';

/** Options of {@link fisherDiagonal}. */
export interface FisherOptions {
  /** Default 'empirical'. */
  fisher?: FisherKind;
  /** Rows used (default 200; all rows when the data has fewer). */
  samples?: number;
}

/**
 * The diagonal of the Fisher information of the model's log-likelihood at the current weights, one tensor per
 * trainable variable: the mean over rows of the squared per-row gradient of `log p(y | x)`, with y the row's
 * target ('empirical') or drawn from the model's softmax ('true').
 */
export async function fisherDiagonal(
  ctx: TrainContext,
  data: Batch,
  options: FisherOptions = {},
): Promise<tf.Tensor[]> {
  checkOptions('fisherDiagonal: options', options);
  const kind = checkOneOf('fisherDiagonal: fisher', options.fisher ?? 'empirical', ['empirical', 'true'] as const);
  const samples = checkInt('fisherDiagonal: samples', options.samples ?? 200);
  const rows = sampleRows(ctx, data.x.shape[0], samples);
  let labelled = data;
  if (kind === 'true') {
    // Labels drawn from the model's predictive distribution, one per row, with the trainer's generator.
    const probs = tf.tidy(() => tf.softmax(ctx.logits(data.x, data.taskIds)));
    const p = (await probs.array()) as number[][];
    probs.dispose();
    const drawn = p.map((row) => {
      let u = ctx.rng.next();
      for (let c = 0; c < row.length; c++) {
        u -= row[c];
        if (u < 0) return c;
      }
      return row.length - 1;
    });
    labelled = { ...data, y: tf.tensor1d(drawn, 'float32') };
  }
  try {
    return perRowGradientMean(ctx, labelled, rows, (row) => ctx.loss(row), tf.square);
  } finally {
    if (labelled !== data) labelled.y.dispose();
  }
}

/** Options of {@link ewc}. */
export interface EwcOptions extends FisherOptions {
  /** Penalty strength lambda (default 1000). */
  lambda?: number;
  /**
   * 'separate' (default; Kirkpatrick 2017): one penalty per earlier experience, each with its own Fisher and
   * anchor; 'online' (Schwarz 2018): one running Fisher `gamma * F_old + F_new`, anchored at the last weights.
   */
  mode?: 'separate' | 'online';
  /** Decay of the online Fisher (default 1). */
  gamma?: number;
}

/**
 * Elastic weight consolidation (Kirkpatrick 2017): after each experience, the diagonal Fisher F and the weights
 * theta* are stored; training later adds `lambda / 2 * sum_k F_k (theta_k - theta*_k)^2` (summed over the
 * stored experiences in 'separate' mode).
 *
 * @example
 * const plugins = [ewc({ lambda: 1000 })];               // EWC, empirical Fisher
 * const online = [ewc({ lambda: 1000, mode: 'online', gamma: 0.9, fisher: 'true' })];
 */
export function ewc(options: EwcOptions = {}): Plugin {
  checkOptions('ewc: options', options);
  const lambda = checkNumber('ewc: lambda', options.lambda ?? 1000, 0);
  const mode = checkOneOf('ewc: mode', options.mode ?? 'separate', ['separate', 'online'] as const);
  const gamma = checkNumber('ewc: gamma', options.gamma ?? 1, 0, 1);
  const fisher = checkOneOf('ewc: fisher', options.fisher ?? 'empirical', ['empirical', 'true'] as const);
  const samples = checkInt('ewc: samples', options.samples ?? 200);
  const fishers: tf.Tensor[][] = [];
  const anchors: tf.Tensor[][] = [];
  return {
    name: mode === 'online' ? 'online ewc' : 'ewc',
    penalty(_batch, ctx) {
      return tf.tidy(() => {
        if (fishers.length === 0) return tf.scalar(0);
        const terms = fishers.map((f, t) => weightedSquaredDistance(ctx.variables, f, anchors[t]));
        return tf.mul(lambda / 2, tf.addN(terms)) as tf.Scalar;
      });
    },
    async afterTraining(data, ctx) {
      const f = await fisherDiagonal(ctx, data, { fisher, samples });
      const kept = f.map((t) => tf.keep(t));
      if (mode === 'online' && fishers.length > 0) {
        const merged = fishers[0].map((old, k) => tf.keep(tf.tidy(() => tf.add(tf.mul(gamma, old), kept[k]))));
        clear(fishers[0]);
        clear(anchors[0]);
        tf.dispose(kept);
        fishers[0] = merged;
        anchors[0] = snapshot(ctx.variables);
      } else {
        fishers.push(kept);
        anchors.push(snapshot(ctx.variables));
      }
    },
    dispose() {
      for (const l of [...fishers, ...anchors]) clear(l);
      fishers.length = 0;
      anchors.length = 0;
    },
  };
}
