import { checkBoolean, checkOptions, InputError } from '@tiefe/core';
import type { TopLevelSpec } from 'vega-lite';
import { checkLabels, checkMatrix, checkOptionalText } from './checks.js';
import { heatmapChart } from './heatmapChart.js';

/** Options of {@link confusionMatrixChart}. */
export interface ConfusionMatrixChartOptions {
  /** The chart's title (default `'Confusion matrix'`). */
  title?: string;
  /** `matrix[true][predicted]`: a square matrix of counts (finite, >= 0), as core's `confusionMatrix` gives. */
  matrix: readonly (readonly number[])[];
  /** One name per class (default `'0'`, `'1'`, ...). */
  classNames?: readonly string[];
  /** Divide each row by its sum, so a cell is the fraction of that true class (default false: counts). */
  normalize?: boolean;
}

/**
 * A confusion matrix as a heatmap ({@link heatmapChart}): rows are the true classes, columns the predicted
 * ones, each cell printed as a count or, with `normalize`, as the fraction of its row.
 *
 * @example
 * const spec = confusionMatrixChart({ matrix: [[8, 2], [1, 9]], classNames: ['cat', 'dog'], normalize: true });
 */
export function confusionMatrixChart(options: ConfusionMatrixChartOptions): TopLevelSpec {
  const { title, matrix, classNames, normalize = false } = checkOptions('confusionMatrixChart: options', options);
  const counts = checkMatrix('confusionMatrixChart: matrix', matrix);
  if (counts.length !== counts[0].length)
    throw new InputError(
      'confusionMatrixChart: matrix',
      'a square matrix (classes x classes)',
      `${counts.length} x ${counts[0].length}`,
    );
  counts.forEach((row, r) => {
    row.forEach((v, c) => {
      if (v < 0) throw new InputError(`confusionMatrixChart: matrix[${r}][${c}]`, 'a count >= 0', String(v));
    });
  });
  const names =
    classNames === undefined
      ? counts.map((_, i) => String(i))
      : checkLabels('confusionMatrixChart: classNames', classNames, counts.length);
  const fractions = checkBoolean('confusionMatrixChart: normalize', normalize);
  const values = fractions
    ? counts.map((row) => {
        const sum = row.reduce((a, b) => a + b, 0);
        return row.map((v) => (sum > 0 ? v / sum : 0));
      })
    : counts;
  const integers = counts.flat().every(Number.isInteger);
  return heatmapChart({
    title: checkOptionalText('confusionMatrixChart: title', title) ?? 'Confusion matrix',
    x: { title: 'predicted class', labels: names },
    y: { title: 'true class', labels: names },
    values,
    format: fractions ? '.2f' : integers ? 'd' : '.3~g',
    valueTitle: fractions ? 'fraction of row' : 'count',
  });
}
