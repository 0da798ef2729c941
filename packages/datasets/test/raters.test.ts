import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cohenKappa,
  dawidSkene,
  fleissKappa,
  majorityVote,
  majorityVoteMasks,
  meanProbabilityMask,
  meanSoftLabels,
  pairwiseDice,
  staple,
} from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

/** Rows of `count` copies of a rating pair. */
const pairs = (spec: [number, number, number][]) =>
  spec.flatMap(([a, b, count]) => Array.from({ length: count }, () => [a, b]));

describe('agreement', () => {
  it("Cohen's kappa: the textbook 2x2 table and hand-computed weighted kappas", () => {
    // 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15: p_o = 0.7, p_e = 0.5*0.6 + 0.5*0.4 = 0.5.
    const rows = pairs([
      [1, 1, 20],
      [1, 0, 5],
      [0, 1, 10],
      [0, 0, 15],
    ]);
    expect(
      cohenKappa(
        rows.map((r) => r[0]),
        rows.map((r) => r[1]),
      ),
    ).toBeCloseTo(0.4, 12);
    // By hand (see the test's derivation): unweighted 1/4, linear 1 - 0.5/(5/6) = 0.4, quadratic 1 - 0.5/(7/6) = 4/7.
    const a = [0, 1, 2, 0, 1, 2];
    const b = [0, 2, 2, 1, 1, 1];
    expect(cohenKappa(a, b)).toBeCloseTo(0.25, 12);
    expect(cohenKappa(a, b, { weights: 'linear' })).toBeCloseTo(0.4, 12);
    expect(cohenKappa(a, b, { weights: 'quadratic' })).toBeCloseTo(4 / 7, 12);
    // Tensors in, missing ratings skipped.
    const before = tf.memory().numTensors;
    const ta = tf.tensor1d([0, 1, -1, 1]);
    const tb = tf.tensor1d([0, 1, 0, 1]);
    expect(cohenKappa(ta, tb)).toBeCloseTo(1, 12);
    tf.dispose([ta, tb]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => cohenKappa([0, 1], [0])).toThrow(InputError);
    expect(() => cohenKappa([0, 1.5], [0, 1])).toThrow(/cohenKappa: ratings/);
  });

  it("Fleiss' kappa: the worked example of 10 subjects, 14 raters, 5 categories (kappa 0.210)", () => {
    // Counts per subject and category, from the Wikipedia article on Fleiss' kappa; P-bar = 0.378, P_e = 0.213.
    const counts = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    const ratings = counts.map((row) => row.flatMap((c, k) => Array.from({ length: c }, () => k)));
    const pBar = counts.reduce((s, row) => s + row.reduce((a, c) => a + c * (c - 1), 0) / (14 * 13), 0) / 10;
    const pe = [20, 28, 39, 21, 32].reduce((s, c) => s + (c / 140) ** 2, 0);
    expect(pBar).toBeCloseTo(0.378, 3);
    expect(pe).toBeCloseTo(0.213, 3);
    expect(fleissKappa(ratings)).toBeCloseTo((pBar - pe) / (1 - pe), 12);
    expect(fleissKappa(ratings)).toBeCloseTo(0.21, 2);
    expect(
      fleissKappa([
        [0, 0, 0],
        [1, 1, 0],
        [1, 1, 1],
      ]),
    ).toBeCloseTo(0.55, 12);
    expect(() =>
      fleissKappa([
        [0, 0, null],
        [1, 1, 1],
      ]),
    ).toThrow(/same number of ratings/);
  });

  it('pairwise Dice by hand', () => {
    const { matrix, mean } = pairwiseDice([
      [1, 1, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 1, 1],
    ]);
    expect(matrix[0][1]).toBeCloseTo(2 / 3, 12);
    expect(matrix[0][2]).toBe(0);
    expect(matrix[1][2]).toBe(0);
    expect(matrix[1][0]).toBe(matrix[0][1]);
    expect(matrix[2][2]).toBe(1);
    expect(mean).toBeCloseTo(2 / 9, 12);
    expect(() => pairwiseDice([[1, 0.5]])).toThrow(/binary masks/);
  });
});

describe('aggregation of class labels', () => {
  it('majority vote and mean soft labels by hand', () => {
    const mv = majorityVote([
      [0, 0, 1],
      [2, 1, 1],
      [1, 0, null],
      [2, -1, 2],
    ]);
    expect(mv.labels).toEqual([0, 1, 0, 2]); // [1, 0] ties go to class 0
    expect(mv.shares[0]).toEqual([2 / 3, 1 / 3, 0]);
    expect(mv.shares[2]).toEqual([0.5, 0.5, 0]);
    const soft = meanSoftLabels([
      [
        [0.8, 0.2],
        [0.4, 0.6],
      ],
      [
        [0, 1],
        [0, 1],
      ],
    ]);
    expect(soft[0][0]).toBeCloseTo(0.6, 12);
    expect(soft[1]).toEqual([0, 1]);
    expect(() => majorityVote([[0, 1], [1]])).toThrow(/2 ratings in every row/);
    expect(() => majorityVote([[null, -1]])).toThrow(InputError);
    expect(() => meanSoftLabels([[[0.5, 0.6]]])).toThrow(/summing to 1/);
  });

  it('Dawid-Skene: one EM iteration matches the hand computation', () => {
    // Items [0,0], [1,1], [0,1]; initial posteriors = vote shares [1,0], [0,1], [.5,.5]. M-step by hand:
    // priors [.5, .5]; rater 0 (said 0,1,0): rows [1, 0] and [1/3, 2/3]; rater 1 (said 0,1,1): [2/3, 1/3], [0, 1].
    // E-step: item 2: .5*1*1/3 vs .5*1/3*1 -> [.5, .5]; every item's evidence is 1/3: log-likelihood 3 ln(1/3).
    const r = dawidSkene(
      [
        [0, 0],
        [1, 1],
        [0, 1],
      ],
      { maxIterations: 1, smoothing: 0 },
    );
    expect(r.priors).toEqual([0.5, 0.5]);
    const close = (a: number[][], b: number[][]) =>
      a.forEach((row, i) => {
        row.forEach((v, j) => {
          expect(v).toBeCloseTo(b[i][j], 12);
        });
      });
    close(r.confusion[0], [
      [1, 0],
      [1 / 3, 2 / 3],
    ]);
    close(r.confusion[1], [
      [2 / 3, 1 / 3],
      [0, 1],
    ]);
    close(r.posteriors, [
      [1, 0],
      [0, 1],
      [0.5, 0.5],
    ]);
    expect(r.logLikelihood[0]).toBeCloseTo(3 * Math.log(1 / 3), 12);
    expect(r.converged).toBe(false);
  });

  it('Dawid-Skene on a small fixed panel: trusts the two reliable raters, majority vote follows the three noisy ones', () => {
    // 16 items, truth t; raters 0 and 1 always right; raters 2-4 answer a fixed cyclic pattern that is wrong
    // together on items 3, 7, 11 and 15 (there the majority of 5 is wrong) and right one at a time elsewhere.
    const truth = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0];
    const ratings = truth.map((t, i) => {
      const wrong = (t + 1) % 3;
      const noisy =
        i % 4 === 3 ? [wrong, wrong, wrong] : [0, 1, 2].map((r) => (r === i % 3 ? t : (t + 1 + ((r + i) % 2)) % 3));
      return [t, t, ...noisy];
    });
    const mv = majorityVote(ratings);
    const ds = dawidSkene(ratings);
    const errors = (labels: number[]) => labels.filter((l, i) => l !== truth[i]).length;
    expect(errors(mv.labels)).toBe(4);
    expect(errors(ds.labels)).toBe(0);
    expect(ds.converged).toBe(true);
    // The reliable raters' confusion matrices are (nearly) the identity; EM's log-likelihood never decreases.
    for (const r of [0, 1]) for (let k = 0; k < 3; k++) expect(ds.confusion[r][k][k]).toBeGreaterThan(0.99);
    for (let i = 1; i < ds.logLikelihood.length; i++)
      expect(ds.logLikelihood[i]).toBeGreaterThanOrEqual(ds.logLikelihood[i - 1] - 1e-9);
    // A fixed point: one more M- and E-step from the result reproduces its posteriors.
    const again = dawidSkene(ratings, { maxIterations: ds.logLikelihood.length + 1, tolerance: 0 });
    again.posteriors.forEach((p, i) => {
      p.forEach((v, k) => {
        expect(v).toBeCloseTo(ds.posteriors[i][k], 4);
      });
    });
  });
});

describe('aggregation of masks', () => {
  it('majority vote and mean probability masks by hand, from arrays and tensors', () => {
    const mv = majorityVoteMasks([
      [1, 1, 0, 1],
      [1, 0, 0, 0],
      [1, 1, 1, 0],
    ]);
    expect(Array.from(mv.mask)).toEqual([1, 1, 0, 0]);
    expect(mv.probabilities[1]).toBeCloseTo(2 / 3, 6);
    const before = tf.memory().numTensors;
    const masks = tf.tensor3d([0.9, 0.2, 0.5, 0.5, 0.5, 0.4, 0.5, 0.4], [2, 2, 2]);
    const mp = meanProbabilityMask(masks, { threshold: 0.44 });
    masks.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(mp.shape).toEqual([2, 2]);
    expect(Array.from(mp.probabilities).map((v) => Number(v.toFixed(6)))).toEqual([0.7, 0.3, 0.5, 0.45]);
    expect(Array.from(mp.mask)).toEqual([1, 0, 1, 1]);
    expect(() => majorityVoteMasks([[1, 0], [1]])).toThrow(/masks of equal length 2/);
  });

  it('STAPLE: one EM iteration matches the hand computation', () => {
    // Prior 0.5, every rater starting at p = q = 0.9: a pixel with k of 3 votes gets
    // W = .9^k .1^(3-k) / (.9^k .1^(3-k) + .1^k .9^(3-k)), then p_j = sum W D_j / sum W, q_j likewise.
    const masks = [
      [1, 1, 0, 0],
      [1, 1, 1, 0],
      [1, 0, 0, 0],
    ];
    const votes = [3, 2, 1, 0];
    const w = votes.map((k) => (0.9 ** k * 0.1 ** (3 - k)) / (0.9 ** k * 0.1 ** (3 - k) + 0.1 ** k * 0.9 ** (3 - k)));
    const sumW = w.reduce((a, b) => a + b, 0);
    const r = staple(masks, { prior: 0.5, initial: 0.9, maxIterations: 1 });
    masks.forEach((m, j) => {
      expect(r.sensitivity[j]).toBeCloseTo(m.reduce((s, d, i) => s + d * w[i], 0) / sumW, 6);
      expect(r.specificity[j]).toBeCloseTo(m.reduce((s, d, i) => s + (1 - d) * (1 - w[i]), 0) / (4 - sumW), 6);
    });
    Array.from(r.probabilities).forEach((v, i) => {
      expect(v).toBeCloseTo(w[i], 6);
    });
    expect(r.iterations).toBe(1);
    expect(r.sensitivity[1]).toBeCloseTo(0.99931, 4); // the over-segmenting rater: sensitive, not specific
    expect(r.specificity[1]).toBeCloseTo(0.49931, 4);
    expect(() => staple(masks, { prior: 1 })).toThrow(/staple: prior/);
  });
});
