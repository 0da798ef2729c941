import { describe, expect, test } from 'vitest';
import { auroc, createRng, InputError } from '../src/index.js';

describe('auroc', () => {
  test('equals counting every positive/negative pair, ties half', () => {
    const rng = createRng(9);
    // Scores on a coarse grid, so that many pairs tie.
    const scores = Array.from({ length: 200 }, () => Math.round(rng.next() * 10) / 10);
    const labels = scores.map((s) => (rng.next() < 0.3 + 0.4 * s ? 1 : 0));
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < scores.length; i++) {
      for (let j = 0; j < scores.length; j++) {
        if (labels[i] !== 1 || labels[j] !== 0) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(auroc(scores, labels)).toBeCloseTo(wins / pairs, 12);
    expect(auroc([0.9, 0.4, 0.6, 0.1], [1, 1, 0, 0])).toBe(0.75);
  });

  test('refuses labels other than 0/1, one class only, and length mismatch', () => {
    expect(() => auroc([0.1, 0.2], [0, 2])).toThrow(InputError);
    expect(() => auroc([0.1, 0.2], [1, 1])).toThrow(/both classes/);
    expect(() => auroc([0.1], [0, 1])).toThrow(InputError);
  });
});
