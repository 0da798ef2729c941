import { checkNumber, checkOptions, describeValue, InputError } from '@tiefe/core';
import type { TopLevelSpec } from 'vega-lite';
import { checkLabels, checkMatrix, checkOptionalText, checkText } from './checks.js';
import { CHART_CONFIG, SCHEMA } from './config.js';

/** Options of {@link heatmapChart}. */
export interface HeatmapChartOptions {
  /** The chart's title. */
  title: string;
  /** The x axis: its title and one label per column, left to right. */
  x: { title: string; labels: readonly string[] };
  /** The y axis: its title and one label per row, top to bottom. */
  y: { title: string; labels: readonly string[] };
  /** `values[row][column]`: a rectangular matrix of finite numbers. */
  values: readonly (readonly number[])[];
  /** d3-format of the value printed in each cell (default `'.2f'`). */
  format?: string;
  /** Title of the colour legend (default `'value'`). */
  valueTitle?: string;
  /** The values the colour scale spans (default: the smallest to the largest value), e.g. `[0, 1]` for accuracies. */
  domain?: readonly [number, number];
}

/** Pixels per cell: wide enough for the printed value. */
function cellStep(format: string): number {
  return format.includes('%') ? 48 : 44;
}

/**
 * A heatmap (an accuracy matrix: rows = after training on task i, columns = accuracy on task j) as a
 * Vega-Lite spec: a coloured cell per value with the value printed in it, axis titles and labels (columns on
 * top), and a colour legend.
 *
 * @example
 * const spec = heatmapChart({
 *   title: 'Accuracy matrix',
 *   x: { title: 'evaluated on task', labels: ['task 1', 'task 2'] },
 *   y: { title: 'after training on task', labels: ['task 1', 'task 2'] },
 *   values: [[0.99, 0.5], [0.6, 0.98]],
 * });
 */
export function heatmapChart(options: HeatmapChartOptions): TopLevelSpec {
  const { title, x, y, values, format = '.2f', valueTitle, domain } = checkOptions('heatmapChart: options', options);
  const xLabels = checkLabels('heatmapChart: x.labels', x?.labels);
  const yLabels = checkLabels('heatmapChart: y.labels', y?.labels);
  const matrix = checkMatrix('heatmapChart: values', values, yLabels.length, xLabels.length);
  if (typeof format !== 'string')
    throw new InputError('heatmapChart: format', 'a d3-format string', describeValue(format));
  const flat = matrix.flat();
  if (domain !== undefined && !(Array.isArray(domain) && domain.length === 2 && domain[0] < domain[1]))
    throw new InputError('heatmapChart: domain', '[low, high] with low < high', describeValue(domain));
  const [low, high] =
    domain === undefined
      ? [Math.min(...flat), Math.max(...flat)]
      : [checkNumber('heatmapChart: domain[0]', domain[0]), checkNumber('heatmapChart: domain[1]', domain[1])];
  const mid = (low + high) / 2;
  // Cells are indexed (labels may repeat); the axes print the labels.
  const data = matrix.flatMap((row, r) => row.map((value, c) => ({ r, c, value })));
  const axisLabels = (labels: string[]) => `${JSON.stringify(labels)}[datum.value]`;
  const step = cellStep(format);
  return {
    $schema: SCHEMA,
    title: checkText('heatmapChart: title', title),
    width: { step },
    height: { step: 32 },
    config: CHART_CONFIG,
    data: { values: data },
    encoding: {
      x: {
        field: 'c',
        type: 'ordinal',
        title: checkText('heatmapChart: x.title', x.title),
        axis: { orient: 'top', labelExpr: axisLabels(xLabels), labelAngle: 0, labelLimit: step * 2 },
      },
      y: {
        field: 'r',
        type: 'ordinal',
        title: checkText('heatmapChart: y.title', y.title),
        axis: { labelExpr: axisLabels(yLabels) },
      },
    },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          color: {
            field: 'value',
            type: 'quantitative',
            title: checkOptionalText('heatmapChart: valueTitle', valueTitle) ?? 'value',
            scale: { scheme: 'blues', domain: low === high ? [low - 1, high] : [low, high] },
          },
          tooltip: [{ field: 'value', type: 'quantitative', format }],
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'value', type: 'quantitative', format },
          color: { condition: { test: `datum.value > ${mid}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}
