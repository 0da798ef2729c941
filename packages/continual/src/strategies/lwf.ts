import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkNumber, checkOptions } from '@tiefe/core';
import type { Plugin } from '../trainer.js';
import { cloneModel } from './util.js';

/**
 * The distillation term of LwF for one set of logits (Avalanche's): `KL(softmax(old / T) || softmax(new / T))`,
 * summed over the units and averaged over rows, on the `units` given (the outputs of classes seen before).
 */
export function distillationLoss(
  newLogits: tf.Tensor2D,
  oldLogits: tf.Tensor2D,
  temperature: number,
  units?: number[],
): tf.Scalar {
  return tf.tidy(() => {
    let a = newLogits;
    let b = oldLogits;
    if (units) {
      const idx = tf.tensor1d(units, 'int32');
      a = tf.gather(a, idx, 1);
      b = tf.gather(b, idx, 1);
    }
    const q = tf.softmax(tf.div(b, temperature));
    const logP = tf.logSoftmax(tf.div(a, temperature));
    const logQ = tf.logSoftmax(tf.div(b, temperature));
    return tf.mean(tf.sum(tf.mul(q, tf.sub(logQ, logP)), 1)) as tf.Scalar;
  });
}

/** Options of {@link lwf}. */
export interface LwfOptions {
  /** Weight of the distillation term (default 1). */
  alpha?: number;
  /** Softmax temperature (default 2, as Li & Hoiem). */
  temperature?: number;
}

/**
 * Learning without forgetting (Li & Hoiem 2016): while training an experience, the model's outputs on the new
 * rows are pulled towards those of a frozen copy taken before it (`alpha * KL`, see {@link distillationLoss}).
 * Single head: on the output units of the targets seen so far. Multi-head: on every earlier task's head.
 */
export function lwf(options: LwfOptions = {}): Plugin {
  checkOptions('lwf: options', options);
  const alpha = checkNumber('lwf: alpha', options.alpha ?? 1, 0);
  const temperature = checkNumber('lwf: temperature', options.temperature ?? 2, 1e-6);
  let old: tfl.LayersModel | undefined;
  const seenTargets = new Set<number>();
  const seenTasks = new Set<number>();
  return {
    name: 'lwf',
    async beforeTraining(ctx) {
      old?.dispose();
      old = ctx.trained > 0 ? await cloneModel(ctx.model) : undefined;
    },
    penalty(batch, ctx) {
      const frozen = old;
      if (!frozen) return tf.scalar(0);
      return tf.tidy(() => {
        if (ctx.heads === 1) {
          const units = [...seenTargets].sort((a, b) => a - b);
          return tf.mul(
            alpha,
            distillationLoss(
              ctx.logits(batch.x, batch.taskIds, ctx.model, true),
              ctx.logits(batch.x, batch.taskIds, frozen),
              temperature,
              units,
            ),
          ) as tf.Scalar;
        }
        const terms = [...seenTasks].map((t) => {
          const ids = tf.fill([batch.x.shape[0]], t, 'int32') as tf.Tensor1D;
          return distillationLoss(
            ctx.logits(batch.x, ids, ctx.model, true),
            ctx.logits(batch.x, ids, frozen),
            temperature,
          );
        });
        return tf.mul(alpha, tf.addN(terms)) as tf.Scalar;
      });
    },
    async afterTraining(data) {
      for (const v of await data.y.data()) seenTargets.add(v);
      for (const v of await data.taskIds.data()) seenTasks.add(v);
    },
    dispose() {
      old?.dispose();
      old = undefined;
    },
  };
}
