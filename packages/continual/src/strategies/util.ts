import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Batch, TrainContext } from '../trainer.js';

/** Kept copies of the variables' current values (the anchors theta* of the regularisers). */
export function snapshot(vars: tf.Variable[]): tf.Tensor[] {
  return vars.map((v) => tf.keep(tf.clone(v)));
}

/** `sum_k weights_k * (vars_k - anchors_k)^2` over every variable: the quadratic penalty of EWC, SI and MAS. */
export function weightedSquaredDistance(vars: tf.Variable[], weights: tf.Tensor[], anchors: tf.Tensor[]): tf.Scalar {
  return tf.tidy(
    () => tf.addN(vars.map((v, k) => tf.sum(tf.mul(weights[k], tf.square(tf.sub(v, anchors[k])))))) as tf.Scalar,
  );
}

/**
 * Mean over rows of a per-row gradient statistic `f(grad)` (squared for the Fisher, absolute for MAS), one
 * tensor per variable. Per row because both are defined per example: the square (or absolute value) of a
 * batch's mean gradient is not the mean of the examples' squares.
 */
export function perRowGradientMean(
  ctx: TrainContext,
  data: Batch,
  rows: number[],
  loss: (row: Batch) => tf.Scalar,
  f: (g: tf.Tensor) => tf.Tensor,
): tf.Tensor[] {
  const acc = ctx.variables.map((v) => tf.zeros(v.shape));
  for (const i of rows) {
    const next = tf.tidy(() => {
      const idx = tf.tensor1d([i], 'int32');
      const row = {
        x: tf.gather(data.x, idx) as tf.Tensor2D,
        y: tf.gather(data.y, idx) as tf.Tensor1D,
        taskIds: tf.gather(data.taskIds, idx) as tf.Tensor1D,
      };
      const { value, grads } = tf.variableGrads(() => loss(row), ctx.variables);
      value.dispose();
      return ctx.variables.map((v, k) => tf.add(acc[k], f(grads[v.name] ?? tf.zerosLike(v))));
    });
    tf.dispose(acc);
    acc.splice(0, acc.length, ...next);
  }
  const out = acc.map((a) => tf.div(a, Math.max(1, rows.length)));
  tf.dispose(acc);
  return out;
}

/** `count` distinct row indices of `n`, drawn with the trainer's generator (all rows when count >= n). */
export function sampleRows(ctx: TrainContext, n: number, count: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (count >= n) return all;
  return (ctx.rng.shuffle(all) as number[]).slice(0, count);
}

/** A frozen copy of a model (same architecture and weights; its own variables). */
export async function cloneModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  const config = { modelTopology: model.toJSON(null, false) } as unknown as Parameters<
    typeof tfl.models.modelFromJSON
  >[0];
  const copy = await tfl.models.modelFromJSON(config);
  copy.setWeights(model.getWeights());
  copy.trainable = false;
  return copy;
}

/** Disposes a list of tensors and empties it. */
export function clear(list: tf.Tensor[]): void {
  tf.dispose(list);
  list.length = 0;
}
