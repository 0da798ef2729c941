/** The accuracy-matrix metrics on a fixed matrix, computed by hand. */
import { InputError } from '@tiefe/core';
import { describe, expect, test } from 'vitest';
import {
  accuracyHeatmap,
  accuracyTable,
  averageAccuracy,
  backwardTransfer,
  forgetting,
  forgettingPerExperience,
  forwardTransfer,
  seenAccuracy,
  summarize,
} from '../src/index.js';

// Rows: after training experience 0, 1, 2; columns: experiences. Accuracy on e0 rose after e1 (0.95 > 0.9),
// so Chaudhry's forgetting (best earlier) and the BWT (just after training) differ.
const R = {
  matrix: [
    [0.9, 0.1, 0.2],
    [0.95, 0.8, 0.3],
    [0.5, 0.7, 0.95],
  ],
  initial: [0.1, 0.2, 0.25],
};

describe('continual metrics', () => {
  test('average accuracy, seen accuracy, forgetting, BWT and forward transfer by hand', () => {
    expect(averageAccuracy(R)).toBeCloseTo((0.5 + 0.7 + 0.95) / 3, 12);
    const seen = seenAccuracy(R);
    expect(seen[0]).toBeCloseTo(0.9, 12);
    expect(seen[1]).toBeCloseTo((0.95 + 0.8) / 2, 12);
    expect(seen[2]).toBeCloseTo((0.5 + 0.7 + 0.95) / 3, 12);
    // e0: best of 0.9 and 0.95, minus 0.5; e1: 0.8 - 0.7. The last experience has no forgetting.
    const f = forgettingPerExperience(R);
    expect(f).toHaveLength(2);
    expect(f[0]).toBeCloseTo(0.45, 12);
    expect(f[1]).toBeCloseTo(0.1, 12);
    expect(forgetting(R)).toBeCloseTo(0.275, 12);
    // BWT: ((0.5 - 0.9) + (0.7 - 0.8)) / 2.
    expect(backwardTransfer(R)).toBeCloseTo(-0.25, 12);
    // FWT: ((R[0][1] - b1) + (R[1][2] - b2)) / 2 = ((0.1 - 0.2) + (0.3 - 0.25)) / 2.
    expect(forwardTransfer(R)).toBeCloseTo(-0.025, 12);
    const s = summarize(R);
    expect(s.forwardTransfer).toBeCloseTo(-0.025, 12);
    expect(summarize({ matrix: [[0.7]] })).toEqual({ averageAccuracy: 0.7, forgetting: 0, backwardTransfer: 0 });
  });

  test('text table and heatmap', () => {
    const t = accuracyTable(R).split('\n');
    expect(t[0]).toMatch(/after \|\s+e0\s+e1\s+e2 \|\s+seen/);
    expect(t[2]).toMatch(/^e0\s+\|\s+90\.0\s+10\.0\s+20\.0 \|\s+90\.0$/);
    expect(t[3]).toMatch(/^e1\s+\|\s+95\.0\s+80\.0\s+30\.0 \|\s+87\.5$/);
    const img = accuracyHeatmap(R, { cell: 4 });
    expect([img.width, img.height]).toEqual([12, 12]);
    const px = (x: number, y: number) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];
    // 0.9 -> 255 - 225 * 0.9, 255 - 175 * 0.9, 255 - 55 * 0.9 (rounded); 0.1 at column 1 is lighter.
    expect(px(1, 1)).toEqual([53, 98, 206, 255]);
    expect(px(5, 1)).toEqual([233, 238, 250, 255]);
  });

  test('bad matrices and a missing initial row are typed errors', () => {
    expect(() => averageAccuracy({ matrix: [] })).toThrow(InputError);
    expect(() => forgetting({ matrix: [[0.5, 0.2], [0.1]] })).toThrow(
      /forgetting: result: expected an accuracy matrix/,
    );
    expect(() => forgetting({ matrix: [[Number.NaN]] })).toThrow(InputError);
    expect(() => forwardTransfer({ matrix: R.matrix })).toThrow(
      /forwardTransfer: result.initial: expected 3 accuracies/,
    );
    expect(() => accuracyHeatmap(R, { cell: 0 })).toThrow(/accuracyHeatmap: cell/);
  });
});
