import * as tf from '@tensorflow/tfjs-core';
import type { Prepared, ScoreKind } from './prepare.js';

/**
 * Runs `count` generated inputs through the prepared model, `batchSize` at a time, and returns for each its
 * target's score (see {@link Prepared.score}): input i explains the batch input `rowOf(i)`, and
 * `fill(i, buf, offset)` writes input i into `buf` at `offset`.
 */
export async function scoreBatches(
  p: Prepared,
  sampleShape: number[],
  count: number,
  rowOf: (i: number) => number,
  fill: (i: number, buf: Float32Array, offset: number) => void,
  kind: ScoreKind,
  batchSize: number,
): Promise<Float32Array> {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(count);
  for (let start = 0; start < count; start += batchSize) {
    const m = Math.min(batchSize, count - start);
    const buf = new Float32Array(m * size);
    const rows: number[] = new Array(m);
    for (let i = 0; i < m; i++) {
      fill(start + i, buf, i * size);
      rows[i] = rowOf(start + i);
    }
    const scores = tf.tidy(() => p.score(tf.tensor(buf, [m, ...sampleShape]), rows, { kind }));
    out.set(await scores.data(), start);
    scores.dispose();
  }
  return out;
}

/**
 * The target score of every input of `x` as it is, `batchSize` at a time; `data` holds x's values (read once by
 * the caller, who also perturbs them).
 */
export function scoreInputs(
  p: Prepared,
  x: tf.Tensor,
  data: Float32Array,
  kind: ScoreKind,
  batchSize: number,
): Promise<Float32Array> {
  const sampleShape = x.shape.slice(1);
  const per = sampleShape.reduce((a, b) => a * b, 1);
  const fill = (i: number, buf: Float32Array, o: number) => buf.set(data.subarray(i * per, (i + 1) * per), o);
  return scoreBatches(p, sampleShape, x.shape[0], (i) => i, fill, kind, batchSize);
}
