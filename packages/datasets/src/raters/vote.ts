import * as tf from '@tensorflow/tfjs-core';
import { checkOptions, checkTensor, describeValue, InputError } from '@tiefe/core';
import { argmax, type Ratings, readRatings, voteCounts } from './ratings.js';

/** Options of {@link majorityVote}. */
export interface MajorityVoteOptions {
  /** Number of classes. Default: the largest label + 1. */
  numClasses?: number;
}

/** Result of {@link majorityVote}: plain arrays. */
export interface MajorityVoteResult {
  /** The most frequent label of each item; a tie goes to the smallest class id. */
  labels: number[];
  /** Vote shares `[item][class]` (counts / ratings of the item): the soft label a majority vote implies. */
  shares: number[][];
}

/**
 * Majority vote over a panel of raters (one row per item, one column per rater; `null`/-1 = not rated): each
 * item gets its most frequent label. Ties go to the smallest class id, so the result is deterministic.
 *
 * @example
 * majorityVote([[0, 0, 1], [2, 1, 1]]).labels; // [0, 1]
 */
export function majorityVote(ratings: Ratings, options: MajorityVoteOptions = {}): MajorityVoteResult {
  const o = checkOptions('majorityVote: options', options);
  const table = readRatings('majorityVote', ratings, o.numClasses);
  const counts = voteCounts(table);
  counts.forEach((c, i) => {
    if (c.every((v) => v === 0))
      throw new InputError('majorityVote: ratings', 'at least one rating per item', `none for item ${i}`);
  });
  return {
    labels: counts.map(argmax),
    shares: counts.map((c) => {
      const total = c.reduce((a, b) => a + b, 0);
      return c.map((v) => v / total);
    }),
  };
}

/**
 * Soft labels from several raters: `[item][rater][class]` arrays or a `Tensor3D [items, raters, classes]`
 * of per-rater class probabilities (each row sums to 1). Tensors are read, never disposed.
 */
export type SoftRatings = readonly (readonly (readonly number[])[])[] | tf.Tensor3D;

/**
 * The mean of the raters' soft labels per item (the course's "ask several and average"): `[item][class]`,
 * each row summing to 1. A hard rating is the one-hot soft label, so on hard labels this equals
 * {@link majorityVote}'s `shares`.
 *
 * @example
 * meanSoftLabels([[[0.8, 0.2], [0.4, 0.6]]]); // [[0.6, 0.4]]
 */
export function meanSoftLabels(ratings: SoftRatings): number[][] {
  const name = 'meanSoftLabels: ratings';
  let rows: number[][][];
  if (ratings instanceof tf.Tensor) rows = checkTensor<tf.Tensor3D>(name, ratings, { rank: 3 }).arraySync();
  else {
    if (!Array.isArray(ratings) || ratings.length === 0) {
      throw new InputError(name, 'a non-empty [item][rater][class] array or a Tensor3D', describeValue(ratings));
    }
    rows = ratings as number[][][];
  }
  const classes = rows[0]?.[0]?.length ?? 0;
  return rows.map((item, i) => {
    if (!Array.isArray(item) || item.length === 0) {
      throw new InputError(name, 'at least one rater per item', `${describeValue(item)} for item ${i}`);
    }
    const mean = new Array<number>(classes).fill(0);
    item.forEach((p, r) => {
      const ok =
        Array.isArray(p) && p.length === classes && classes > 0 && p.every((v) => Number.isFinite(v) && v >= 0);
      const sum = ok ? p.reduce((a, b) => a + b, 0) : Number.NaN;
      if (!ok || Math.abs(sum - 1) > 1e-3) {
        throw new InputError(
          name,
          `${classes} non-negative probabilities summing to 1`,
          `${describeValue(p)} at item ${i}, rater ${r}`,
        );
      }
      for (let c = 0; c < classes; c++) mean[c] += p[c] / item.length;
    });
    return mean;
  });
}
