import { createRng } from '@tiefe/core';
import { describe, expect, it } from 'vitest';
import { dawidSkene, majorityVote, majorityVoteMasks, staple } from '../src/index.js';

/**
 * Simulated panels with known error rates: the estimators must recover the rates and, since the raters differ
 * in quality, beat the majority vote. Pure arrays, no backend needed.
 */

/** A panel of raters over `items` true labels: rater r is right with probability accuracy[r], else uniform over the other classes. */
function classPanel(seed: number, items: number, priors: number[], accuracy: number[]) {
  const rng = createRng(seed);
  const K = priors.length;
  const draw = () => {
    let u = rng.next();
    for (let k = 0; k < K; k++) {
      u -= priors[k];
      if (u < 0) return k;
    }
    return K - 1;
  };
  const truth = Array.from({ length: items }, draw);
  const ratings = truth.map((t) => accuracy.map((a) => (rng.next() < a ? t : (t + 1 + rng.int(K - 1)) % K)));
  return { truth, ratings };
}

const accuracyOf = (labels: ArrayLike<number>, truth: ArrayLike<number>) =>
  Array.from(labels).filter((l, i) => l === truth[i]).length / truth.length;

describe('Dawid-Skene on a simulated panel', () => {
  it('recovers every rater accuracy within 0.04 and the class shares within 0.03, and beats majority vote', () => {
    const priors = [0.5, 0.3, 0.2];
    const accuracy = [0.9, 0.85, 0.6, 0.5, 0.45];
    const { truth, ratings } = classPanel(1, 1500, priors, accuracy);
    const ds = dawidSkene(ratings);
    const mv = majorityVote(ratings);
    accuracy.forEach((a, r) => {
      const estimated = ds.priors.reduce((s, p, k) => s + p * ds.confusion[r][k][k], 0);
      expect(Math.abs(estimated - a)).toBeLessThan(0.04);
    });
    priors.forEach((_, k) => {
      const share = truth.filter((t) => t === k).length / truth.length;
      expect(Math.abs(ds.priors[k] - share)).toBeLessThan(0.03);
    });
    const dsAcc = accuracyOf(ds.labels, truth);
    const mvAcc = accuracyOf(mv.labels, truth);
    expect(dsAcc).toBeGreaterThan(mvAcc + 0.03); // 0.931 vs 0.887 with this seed
    expect(dsAcc).toBeGreaterThan(0.9);
  });

  it('learns a rater who systematically swaps two classes and uses the swapped votes', () => {
    const { truth, ratings } = classPanel(3, 400, [0.4, 0.4, 0.2], [0.75, 0.7, 0.65]);
    // A fourth rater is always "wrong" in a fixed way: 0 -> 1, 1 -> 0, 2 -> 2. Perfectly informative once learnt.
    const swapped = ratings.map((row, i) => [...row, [1, 0, 2][truth[i]]]);
    const ds = dawidSkene(swapped);
    expect(ds.confusion[3][0][1]).toBeGreaterThan(0.95);
    expect(ds.confusion[3][1][0]).toBeGreaterThan(0.95);
    expect(accuracyOf(ds.labels, truth)).toBeGreaterThan(accuracyOf(majorityVote(swapped).labels, truth) + 0.1);
  });
});

describe('STAPLE on simulated masks', () => {
  it('recovers every rater sensitivity and specificity within 0.04 and beats majority vote in Dice', () => {
    const size = 64;
    const truth = new Uint8Array(size * size);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) truth[y * size + x] = (x - 30) ** 2 + (y - 34) ** 2 < 18 ** 2 ? 1 : 0;
    const sensitivity = [0.95, 0.9, 0.75, 0.6, 0.55];
    const specificity = [0.97, 0.9, 0.93, 0.88, 0.8];
    const rng = createRng(11);
    const masks = sensitivity.map((p, r) =>
      Array.from(truth, (t) => (t ? (rng.next() < p ? 1 : 0) : rng.next() < specificity[r] ? 0 : 1)),
    );
    const st = staple(masks);
    expect(st.converged).toBe(true);
    sensitivity.forEach((p, r) => {
      expect(Math.abs(st.sensitivity[r] - p)).toBeLessThan(0.04);
      expect(Math.abs(st.specificity[r] - specificity[r])).toBeLessThan(0.04);
    });
    const dice = (m: Uint8Array) => {
      let inter = 0;
      let total = 0;
      m.forEach((v, i) => {
        inter += v * truth[i];
        total += v + truth[i];
      });
      return (2 * inter) / total;
    };
    const mv = majorityVoteMasks(masks);
    expect(dice(st.mask)).toBeGreaterThan(dice(mv.mask) + 0.015); // 0.973 vs 0.950
  });
});
