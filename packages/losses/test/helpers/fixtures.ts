import * as tf from '@tensorflow/tfjs-core';
import { rand, softmaxRow } from './reference.js';

/** A fixed multiclass batch: logits [N, H, W, C], probabilities, ids [N, H, W] (some equal to `ignore`). */
export function multiclassBatch(
  seed: number,
  n: number,
  h: number,
  w: number,
  c: number,
  ignore?: number,
  ignoreRate = 0.15,
  absent = false,
) {
  const r = rand(seed);
  const logits: number[][][] = []; // [n][p][c]
  const ids: number[][] = [];
  for (let b = 0; b < n; b++) {
    const lb: number[][] = [];
    const ib: number[] = [];
    for (let i = 0; i < h * w; i++) {
      lb.push(Array.from({ length: c }, () => 3 * (r() - 0.5)));
      // With `absent`, class c - 1 never occurs and class c - 2 not in image 0, so that "present" differs from
      // "all" over the batch and per image.
      let id = Math.floor(r() * (absent ? c - 1 : c));
      if (absent && b === 0 && id === c - 2) id = 0;
      if (ignore !== undefined && r() < ignoreRate) id = ignore;
      ib.push(id);
    }
    logits.push(lb);
    ids.push(ib);
  }
  const probs = logits.map((img) => img.map(softmaxRow));
  const oneHot = ids.map((img) => img.map((id) => Array.from({ length: c }, (_, k) => (k === id ? 1 : 0))));
  const valid = ids.map((img) => img.map((id) => (id === ignore ? 0 : 1)));
  return {
    logits,
    probs,
    ids,
    oneHot,
    valid,
    tLogits: () => tf.tensor4d(logits.flat(2), [n, h, w, c]),
    tProbs: () => tf.tensor4d(probs.flat(2), [n, h, w, c]),
    tIds: () => tf.tensor3d(ids.flat(), [n, h, w], 'int32'),
    tOneHot: () => tf.tensor4d(oneHot.flat(2), [n, h, w, c]),
  };
}
