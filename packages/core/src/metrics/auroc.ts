import { InputError } from '../errors.js';

/**
 * Area under the ROC curve of `scores` for binary `labels` (1 = positive, e.g. an anomaly or an in-distribution
 * sample): the probability that a random positive scores higher than a random negative, ties counting half
 * (Mann-Whitney U), in O(n log n).
 *
 * @example
 * auroc([0.9, 0.4, 0.6, 0.1], [1, 1, 0, 0]); // 0.75: 3 of the 4 positive/negative pairs are ordered right
 */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (scores.length !== labels.length || scores.length === 0)
    throw new InputError('auroc: labels', `${scores.length} labels (one per score)`, `${labels.length}`);
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const mid = (i + j) / 2 + 1; // average rank of a tie group, 1-based
    for (let k = i; k <= j; k++) {
      const l = labels[idx[k]];
      if (l !== 0 && l !== 1) throw new InputError('auroc: labels', '0 or 1', String(l));
      if (l === 1) {
        pos++;
        rankSum += mid;
      }
    }
    i = j + 1;
  }
  const neg = scores.length - pos;
  if (pos === 0 || neg === 0)
    throw new InputError('auroc: labels', 'both classes present', `${pos} positives, ${neg} negatives`);
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
