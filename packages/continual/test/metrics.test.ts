/** The accuracy-matrix metrics on a fixed matrix, computed by hand. */
import { renderSvg } from '@tiefe/charts';
import { InputError } from '@tiefe/core';
import { describe, expect, test } from 'vitest';
import {
  accuracyMatrixChart,
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

  test('text table and heatmap chart', async () => {
    const t = accuracyTable(R).split('\n');
    expect(t[0]).toMatch(/after \|\s+e0\s+e1\s+e2 \|\s+seen/);
    expect(t[2]).toMatch(/^e0\s+\|\s+90\.0\s+10\.0\s+20\.0 \|\s+90\.0$/);
    expect(t[3]).toMatch(/^e1\s+\|\s+95\.0\s+80\.0\s+30\.0 \|\s+87\.5$/);
    const svg = await renderSvg(accuracyMatrixChart(R, { title: 'Naive' }));
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(texts).toEqual(expect.arrayContaining(['Naive', 'accuracy on experience', 'after training on', 'e0', 'e2']));
    // every entry printed in percent, row by row
    expect(texts.filter((t) => t.endsWith('%'))).toEqual(R.matrix.flat().map((v) => `${(100 * v).toFixed(1)}%`));
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
    expect(() => accuracyMatrixChart(R, { title: '' })).toThrow(/accuracyMatrixChart: title/);
    expect(() => accuracyMatrixChart({ matrix: [[0.5], []] })).toThrow(/accuracyMatrixChart: result/);
  });
});
