import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { findLabelIssues } from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('findLabelIssues (confident learning)', () => {
  it('matches the hand computation on six samples', () => {
    // t_0 = (.9 + .8 + .2) / 3, t_1 = (.9 + .7 + .3) / 3, both 0.6333. Confident true labels: 0, 0, 1 | 1, 1, 0,
    // so C = [[2, 1], [1, 2]] (rows already sum to the class counts). Prune round(C[0][1]) = 1 sample of label 0
    // by the largest p1 - p0 (sample 2) and 1 of label 1 by the largest p0 - p1 (sample 5). Ranked by
    // self-confidence: sample 2 (0.2), then 5 (0.3).
    const labels = [0, 0, 0, 1, 1, 1];
    const probs = [
      [0.9, 0.1],
      [0.8, 0.2],
      [0.2, 0.8],
      [0.1, 0.9],
      [0.3, 0.7],
      [0.7, 0.3],
    ];
    const r = findLabelIssues(labels, probs);
    expect(r.thresholds[0]).toBeCloseTo(1.9 / 3, 6);
    expect(r.thresholds[1]).toBeCloseTo(1.9 / 3, 6);
    expect(r.confidentJoint).toEqual([
      [2, 1],
      [1, 2],
    ]);
    expect(r.indices).toEqual([2, 5]);
    expect(r.selfConfidence.map((v) => Number(v.toFixed(6)))).toEqual([0.2, 0.3]);
    expect(r.givenLabels).toEqual([0, 1]);
    expect(r.suggestedLabels).toEqual([1, 0]);
    expect(r.estimatedNoiseRate).toBeCloseTo(2 / 6, 12);
  });

  it('calibrates the confident joint and leaves samples the model agrees with alone; tensors in, no leak', () => {
    // Sample 3 (label 1, p = [.6, .4]) is confidently class 0 (t_0 = .5) and flagged; sample 4 (label 1,
    // p = [.45, .55]) is confident in no class, so it counts nowhere in the joint and is not flagged.
    const labels = [0, 0, 1, 1, 1, 1];
    const probs = [
      [0.7, 0.3],
      [0.3, 0.7],
      [0.1, 0.9],
      [0.6, 0.4],
      [0.45, 0.55],
      [0.2, 0.8],
    ];
    const before = tf.memory().numTensors;
    const tl = tf.tensor1d(labels);
    const tp = tf.tensor2d(probs);
    const r = findLabelIssues(tl, tp);
    tf.dispose([tl, tp]);
    expect(tf.memory().numTensors).toBe(before);
    // t_0 = (.7 + .3) / 2 = .5, t_1 = (.9 + .4 + .55 + .8) / 4 = .6625. Confident: s0 -> 0, s1 -> 1, s2 -> 1,
    // s3 -> 0, s4 -> none, s5 -> 1. Raw C = [[1, 1], [1, 2]]; calibrated row 1 to 4 samples: [4/3, 8/3].
    expect(r.confidentJoint[0]).toEqual([1, 1]);
    expect(r.confidentJoint[1][0]).toBeCloseTo(4 / 3, 12);
    expect(r.confidentJoint[1][1]).toBeCloseTo(8 / 3, 12);
    // Row 0 prunes 1 (sample 1, the argmax disagrees); row 1 prunes round(4/3) = 1: sample 3.
    expect(r.indices).toEqual([1, 3]);
  });

  it('refuses bad input with typed errors', () => {
    expect(() => findLabelIssues([0, 1], [[1, 0]])).toThrow(/findLabelIssues: outOfFoldProbs: expected 2 rows/);
    expect(() =>
      findLabelIssues(
        [0, 2],
        [
          [1, 0],
          [0, 1],
        ],
      ),
    ).toThrow(/class ids below 2/);
    expect(() =>
      findLabelIssues(
        [0, 1],
        [
          [0.5, 0.6],
          [0, 1],
        ],
      ),
    ).toThrow(/rows summing to 1/);
    expect(() =>
      findLabelIssues(
        [0, 1],
        [
          [Number.NaN, 1],
          [0, 1],
        ],
      ),
    ).toThrow(InputError);
    expect(() =>
      findLabelIssues(
        [0, 1],
        [
          [1, 0],
          [0, 1],
        ],
        { method: 'x' as 'confidentLearning' },
      ),
    ).toThrow(/method/);
  });
});
