import { checkNumber, checkOneOf, checkOptions, describeValue, InputError } from '@tiefe/core';
import type { TopLevelSpec } from 'vega-lite';
import { checkSize, checkText } from './checks.js';
import { CHART_CONFIG, SCHEMA } from './config.js';

/** One curve of a {@link lineChart}: a name for the legend and its `[x, y]` points. */
export interface LineSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  /** The chart's title. */
  title: string;
  /** The x axis: its title, with the unit (`'epoch'`, `'time step'`). */
  x: { title: string };
  /** The y axis: its title with the unit, and a linear (default) or log scale (log needs every y > 0). */
  y: { title: string; scale?: 'linear' | 'log' };
  /** The curves (at least one, each with at least one point), named in the legend in this order. */
  series: readonly LineSeries[];
  /** Width of the plot area in pixels (default 360). */
  width?: number;
  /** Height of the plot area in pixels (default 220). */
  height?: number;
}

/**
 * A line chart of one or more curves (training and validation loss over epochs, a forecast against the truth)
 * as a Vega-Lite spec: title, axis titles, ticks and a legend of the series names. Points are marked when a
 * curve has at most 60 of them. Render it with {@link renderSvg}, {@link renderPng}, {@link writeChart} or
 * {@link mountChart}.
 *
 * @example
 * const spec = lineChart({
 *   title: 'Training curves',
 *   x: { title: 'epoch' },
 *   y: { title: 'loss (cross-entropy)' },
 *   series: [{ name: 'train', points: [[1, 0.9], [2, 0.5]] }, { name: 'validation', points: [[1, 1.0], [2, 0.7]] }],
 * });
 */
export function lineChart(options: LineChartOptions): TopLevelSpec {
  const { title, x, y, series, width, height } = checkOptions('lineChart: options', options);
  const scale = checkOneOf('lineChart: y.scale', y?.scale ?? 'linear', ['linear', 'log'] as const);
  if (!Array.isArray(series) || series.length === 0)
    throw new InputError('lineChart: series', 'a non-empty array of { name, points }', describeValue(series));
  const names = series.map((s, i) => checkText(`lineChart: series[${i}].name`, s?.name));
  if (new Set(names).size !== names.length)
    throw new InputError('lineChart: series', 'distinct series names', `names ${JSON.stringify(names)}`);
  const values = series.flatMap((s, i) => {
    const points: unknown = s.points;
    if (!Array.isArray(points) || points.length === 0)
      throw new InputError(`lineChart: series[${i}].points`, 'a non-empty array of [x, y]', describeValue(points));
    return points.map((p: unknown, j) => {
      const name = `lineChart: series[${i}].points[${j}]`;
      if (!Array.isArray(p) || p.length !== 2) throw new InputError(name, 'an [x, y] pair', describeValue(p));
      const px = checkNumber(`${name}[0]`, p[0]);
      const py = checkNumber(`${name}[1]`, p[1], scale === 'log' ? Number.MIN_VALUE : -Infinity);
      return { series: names[i], x: px, y: py };
    });
  });
  const integerX = values.every((v) => Number.isInteger(v.x));
  const marked = series.every((s) => s.points.length <= 60);
  return {
    $schema: SCHEMA,
    title: checkText('lineChart: title', title),
    width: checkSize('lineChart: width', width, 360),
    height: checkSize('lineChart: height', height, 220),
    config: CHART_CONFIG,
    data: { values },
    mark: { type: 'line', point: marked, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: checkText('lineChart: x.title', x?.title),
        scale: { zero: false, nice: false },
        axis: integerX ? { tickMinStep: 1, format: 'd' } : {},
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: checkText('lineChart: y.title', y?.title),
        scale: scale === 'log' ? { type: 'log' } : { zero: false },
      },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: names }, legend: { orient: 'right' } },
      tooltip: [
        { field: 'series', type: 'nominal' },
        { field: 'x', type: 'quantitative' },
        { field: 'y', type: 'quantitative', format: '.4~g' },
      ],
    },
  };
}
