import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkTensor, describeValue, InputError } from '@tiefe/core';

/**
 * Class labels from a panel of raters, one row per item and one column per rater: plain arrays
 * (`ratings[item][rater]`, `null` or `-1` where a rater did not rate the item) or an integer-valued
 * `Tensor2D [items, raters]` (`-1` for missing). Class ids are integers `0..numClasses-1`. Tensors are read,
 * never disposed.
 */
export type Ratings = readonly (readonly (number | null)[])[] | tf.Tensor2D;

/** The checked form of {@link Ratings}: `labels[item * raters + rater]`, -1 where missing. */
export interface RatingTable {
  items: number;
  raters: number;
  numClasses: number;
  labels: Int32Array;
}

/** Reads and checks a {@link Ratings} panel; `numClasses` defaults to the largest label + 1. */
export function readRatings(fn: string, ratings: unknown, numClasses?: number): RatingTable {
  const name = `${fn}: ratings`;
  let items: number;
  let raters: number;
  let values: ArrayLike<number | null>;
  if (ratings instanceof tf.Tensor) {
    const t = checkTensor<tf.Tensor2D>(name, ratings, { rank: 2 });
    [items, raters] = t.shape;
    values = t.dataSync();
  } else {
    if (!Array.isArray(ratings) || ratings.length === 0 || !ratings.every((r) => Array.isArray(r))) {
      throw new InputError(
        name,
        'a non-empty array of rows (one per item) of class ids, or a Tensor2D',
        describeValue(ratings),
      );
    }
    items = ratings.length;
    raters = ratings[0].length;
    const flat: (number | null)[] = [];
    ratings.forEach((row: (number | null)[], i) => {
      if (row.length !== raters)
        throw new InputError(name, `${raters} ratings in every row (one per rater)`, `${row.length} in row ${i}`);
      flat.push(...row);
    });
    values = flat;
  }
  if (items === 0 || raters === 0)
    throw new InputError(name, 'at least one item and one rater', `[${items}, ${raters}]`);
  const labels = new Int32Array(items * raters);
  let max = -1;
  for (let k = 0; k < labels.length; k++) {
    const v = values[k];
    if (v === null || v === -1) {
      labels[k] = -1;
      continue;
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      const i = Math.floor(k / raters);
      throw new InputError(
        name,
        'integer class ids >= 0 (null or -1 for a missing rating)',
        `${describeValue(v)} at item ${i}, rater ${k - i * raters}`,
      );
    }
    labels[k] = v;
    if (v > max) max = v;
  }
  if (max < 0) throw new InputError(name, 'at least one rating', 'only missing ratings');
  const classes = numClasses === undefined ? max + 1 : checkInt(`${fn}: numClasses`, numClasses, 1);
  if (max >= classes) throw new InputError(`${fn}: numClasses`, `more than the largest label ${max}`, `${classes}`);
  return { items, raters, numClasses: classes, labels };
}

/** Vote counts `counts[item][class]` of a panel (missing ratings not counted). */
export function voteCounts(table: RatingTable): number[][] {
  const { items, raters, numClasses, labels } = table;
  const counts = Array.from({ length: items }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < items; i++) {
    for (let r = 0; r < raters; r++) {
      const l = labels[i * raters + r];
      if (l >= 0) counts[i][l]++;
    }
  }
  return counts;
}

/** Index of the largest entry; ties go to the smallest index (deterministic). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
  return best;
}
