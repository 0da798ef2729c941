import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { logitPlan } from './gradients.js';
import { logitsOf } from './plan.js';

/** Which number of the model a perturbation method watches. */
export type ScoreKind = 'logit' | 'probability';

/**
 * Runs `count` generated inputs through the model, `batchSize` at a time, and returns for each its target's
 * score: the logit, or the probability (softmax over the logits; sigmoid for a one-unit output).
 * `fill(i, buf, offset)` writes input i into `buf` at `offset`; `fn` is the public function, for error names.
 */
export async function scoreBatches(
  fn: string,
  model: tfl.LayersModel,
  sampleShape: number[],
  count: number,
  classOf: (i: number) => number,
  fill: (i: number, buf: Float32Array, offset: number) => void,
  kind: ScoreKind,
  batchSize: number,
): Promise<Float32Array> {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(count);
  for (let start = 0; start < count; start += batchSize) {
    const m = Math.min(batchSize, count - start);
    const buf = new Float32Array(m * size);
    const cls = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      fill(start + i, buf, i * size);
      cls[i] = classOf(start + i);
    }
    const scores = tf.tidy(() => {
      const logits = logitsOf(logitPlan(model, fn), tf.tensor(buf, [m, ...sampleShape]));
      const c = logits.shape[1];
      const s = kind === 'logit' ? logits : c === 1 ? tf.sigmoid(logits) : tf.softmax(logits);
      const mask = tf.oneHot(tf.tensor1d(cls, 'int32'), c);
      return tf.sum(tf.mul(s, mask), 1);
    });
    out.set(await scores.data(), start);
    scores.dispose();
  }
  return out;
}

/**
 * The target score of every input of `x` as it is, `batchSize` at a time; `data` holds x's values (read once by
 * the caller, who also perturbs them), `classes` one target per input.
 */
export function scoreInputs(
  fn: string,
  model: tfl.LayersModel,
  x: tf.Tensor,
  data: Float32Array,
  classes: number[],
  kind: ScoreKind,
  batchSize: number,
): Promise<Float32Array> {
  const sampleShape = x.shape.slice(1);
  const per = sampleShape.reduce((a, b) => a * b, 1);
  const fill = (i: number, buf: Float32Array, o: number) => buf.set(data.subarray(i * per, (i + 1) * per), o);
  return scoreBatches(fn, model, sampleShape, x.shape[0], (i) => classes[i], fill, kind, batchSize);
}
