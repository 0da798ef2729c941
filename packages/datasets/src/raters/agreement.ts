import * as tf from '@tensorflow/tfjs-core';
import { checkOneOf, checkOptions, checkTensor, describeValue, InputError } from '@tiefe/core';
import { type RaterMasks, readMasks } from './masks.js';
import { type Ratings, readRatings, voteCounts } from './ratings.js';

/** Options of {@link cohenKappa}. */
export interface CohenKappaOptions {
  /** Number of classes. Default: the largest label + 1. */
  numClasses?: number;
  /**
   * Disagreement weights for ordinal classes: `'none'` (Cohen 1960, default), `'linear'` |i-j| or
   * `'quadratic'` (i-j)^2 (Cohen 1968's weighted kappa, as sklearn's `cohen_kappa_score(weights=...)`).
   */
  weights?: 'none' | 'linear' | 'quadratic';
}

function labelList(fn: string, arg: string, v: unknown): (number | null)[] {
  if (v instanceof tf.Tensor) return Array.from(checkTensor(`${fn}: ${arg}`, v, { rank: 1 }).dataSync());
  if (!Array.isArray(v)) throw new InputError(`${fn}: ${arg}`, 'an array or Tensor1D of class ids', describeValue(v));
  return v;
}

/**
 * Cohen's kappa between two raters, (p_o - p_e) / (1 - p_e): observed agreement corrected for the agreement
 * their label frequencies give by chance. 1 is perfect, 0 chance level, negative worse than chance. Items
 * either rater left out (`null`/-1) are skipped.
 *
 * @example
 * cohenKappa([0, 0, 1, 1], [0, 1, 1, 1]); // 0.5
 */
export function cohenKappa(
  a: readonly (number | null)[] | tf.Tensor1D,
  b: readonly (number | null)[] | tf.Tensor1D,
  options: CohenKappaOptions = {},
): number {
  const fn = 'cohenKappa';
  const o = checkOptions(`${fn}: options`, options);
  const weights = checkOneOf(`${fn}: weights`, o.weights ?? 'none', ['none', 'linear', 'quadratic'] as const);
  const la = labelList(fn, 'a', a);
  const lb = labelList(fn, 'b', b);
  if (la.length !== lb.length) throw new InputError(`${fn}: b`, `${la.length} labels (as many as a)`, `${lb.length}`);
  const both = la.map((v, i) => [v, lb[i]]).filter(([x, y]) => x !== null && x !== -1 && y !== null && y !== -1);
  if (both.length === 0) throw new InputError(`${fn}: a`, 'at least one item both raters rated', 'none');
  const { numClasses: K, labels } = readRatings(fn, both, o.numClasses);
  const n = both.length;
  const joint = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < n; i++) joint[labels[2 * i]][labels[2 * i + 1]] += 1 / n;
  const rowSums = joint.map((r) => r.reduce((s, v) => s + v, 0));
  const colSums = joint[0].map((_, j) => joint.reduce((s, r) => s + r[j], 0));
  const w = (i: number, j: number) =>
    weights === 'none' ? (i === j ? 0 : 1) : weights === 'linear' ? Math.abs(i - j) : (i - j) ** 2;
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      observed += w(i, j) * joint[i][j];
      expected += w(i, j) * rowSums[i] * colSums[j];
    }
  }
  // kappa = 1 - observed disagreement / chance disagreement; both raters using one single class: undefined.
  if (expected === 0) return observed === 0 ? 1 : Number.NaN;
  return 1 - observed / expected;
}

/** Options of {@link fleissKappa}. */
export interface FleissKappaOptions {
  /** Number of classes. Default: the largest label + 1. */
  numClasses?: number;
}

/**
 * Fleiss' kappa (Fleiss 1971) for a panel in which every item was rated by the same number of raters (not
 * necessarily the same people): (P̄ - P̄_e) / (1 - P̄_e), with P̄ the mean pairwise agreement per item and P̄_e
 * the chance agreement from the overall class shares. Takes the panel as {@link Ratings} (items x raters).
 *
 * @example
 * fleissKappa([[0, 0, 0], [1, 1, 0], [1, 1, 1]]); // ~0.55
 */
export function fleissKappa(ratings: Ratings, options: FleissKappaOptions = {}): number {
  const fn = 'fleissKappa';
  const o = checkOptions(`${fn}: options`, options);
  const table = readRatings(fn, ratings, o.numClasses);
  const counts = voteCounts(table);
  const n = counts[0].reduce((a, b) => a + b, 0);
  counts.forEach((c, i) => {
    const m = c.reduce((a, b) => a + b, 0);
    if (m !== n)
      throw new InputError(`${fn}: ratings`, `the same number of ratings for every item (${n})`, `${m} for item ${i}`);
  });
  if (n < 2) throw new InputError(`${fn}: ratings`, 'at least 2 ratings per item', `${n}`);
  const N = counts.length;
  const K = table.numClasses;
  const shares = new Array<number>(K).fill(0);
  let pBar = 0;
  for (const c of counts) {
    let agree = 0;
    for (let k = 0; k < K; k++) {
      shares[k] += c[k] / (N * n);
      agree += c[k] * (c[k] - 1);
    }
    pBar += agree / (n * (n - 1)) / N;
  }
  const pe = shares.reduce((a, s) => a + s * s, 0);
  if (pe === 1) return pBar === 1 ? 1 : Number.NaN;
  return (pBar - pe) / (1 - pe);
}

/** Result of {@link pairwiseDice}. */
export interface PairwiseDiceResult {
  /** Symmetric `[rater][rater]` Dice coefficients; 1 on the diagonal. */
  matrix: number[][];
  /** Mean over the pairs of different raters. */
  mean: number;
}

/**
 * Dice overlap 2|A∩B| / (|A| + |B|) between every pair of raters' binary masks: the usual inter-rater agreement
 * of segmentations. Two empty masks agree perfectly (Dice 1).
 *
 * @example
 * pairwiseDice([[1, 1, 0, 0], [1, 0, 0, 0]]).mean; // 2*1/(2+1) = 0.667
 */
export function pairwiseDice(masks: RaterMasks): PairwiseDiceResult {
  const { raters, pixels, values } = readMasks('pairwiseDice', masks, true);
  if (raters < 2) throw new InputError('pairwiseDice: masks', 'masks of at least 2 raters', `${raters}`);
  const sizes = new Array<number>(raters).fill(0);
  for (let r = 0; r < raters; r++) for (let p = 0; p < pixels; p++) sizes[r] += values[r * pixels + p];
  const matrix = Array.from({ length: raters }, () => new Array<number>(raters).fill(1));
  let total = 0;
  for (let a = 0; a < raters; a++) {
    for (let b = a + 1; b < raters; b++) {
      let inter = 0;
      for (let p = 0; p < pixels; p++) inter += values[a * pixels + p] * values[b * pixels + p];
      const d = sizes[a] + sizes[b] === 0 ? 1 : (2 * inter) / (sizes[a] + sizes[b]);
      matrix[a][b] = d;
      matrix[b][a] = d;
      total += d;
    }
  }
  return { matrix, mean: total / ((raters * (raters - 1)) / 2) };
}
