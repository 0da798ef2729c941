import { checkNumber, checkOptions, describeValue, InputError } from '@tiefe/core';
import type { TopLevelSpec } from 'vega-lite';
import { checkSize, checkText } from './checks.js';
import { CHART_CONFIG, SCHEMA } from './config.js';
import { wrappedLabels } from './wrapText.js';

/** One bar of a {@link barChart}: its category label, its value, and the group it belongs to (if any). */
export interface Bar {
  label: string;
  value: number;
  /** Bars of one label but different groups stand side by side, coloured by group, with a legend. */
  group?: string;
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  /** The chart's title. */
  title: string;
  /** The x axis (categories): its title. */
  x: { title: string };
  /** The y axis (values): its title, with the unit. */
  y: { title: string };
  /** The bars, in display order (at least one); either every bar has a `group` or none has. */
  bars: readonly Bar[];
  /** Height of the plot area in pixels (default 220; the width follows from the number of bars). */
  height?: number;
}

/**
 * A bar chart (accuracy per strategy, per augmentation, ...) as a Vega-Lite spec: title, axis titles, ticks,
 * each bar's value printed above it, and, for grouped bars, a legend of the groups.
 *
 * @example
 * const spec = barChart({
 *   title: 'Test accuracy',
 *   x: { title: 'strategy' },
 *   y: { title: 'accuracy (fraction)' },
 *   bars: [{ label: 'naive', value: 0.2 }, { label: 'replay', value: 0.85 }],
 * });
 */
export function barChart(options: BarChartOptions): TopLevelSpec {
  const { title, x, y, bars, height } = checkOptions('barChart: options', options);
  if (!Array.isArray(bars) || bars.length === 0)
    throw new InputError('barChart: bars', 'a non-empty array of { label, value, group? }', describeValue(bars));
  const grouped = bars[0]?.group !== undefined;
  const values = bars.map((b, i) => {
    if ((b?.group !== undefined) !== grouped)
      throw new InputError(`barChart: bars[${i}].group`, 'a group on every bar or on none', describeValue(b?.group));
    return {
      label: checkText(`barChart: bars[${i}].label`, b.label),
      value: checkNumber(`barChart: bars[${i}].value`, b.value),
      ...(grouped ? { group: checkText(`barChart: bars[${i}].group`, b.group) } : {}),
    };
  });
  const labels = [...new Set(values.map((v) => v.label))];
  const groups = grouped ? [...new Set(values.map((v) => v.group as string))] : [];
  const step = Math.max(40, 22 * Math.max(1, groups.length));
  const encoding = {
    x: {
      field: 'label',
      type: 'nominal' as const,
      title: checkText('barChart: x.title', x?.title),
      sort: labels,
      // Long labels wrap into lines (about 6.5 px a character at 11 px) instead of turning.
      axis: {
        labelAngle: 0,
        labelLimit: 0,
        labelExpr: wrappedLabels(Object.fromEntries(labels.map((l) => [l, l])), Math.floor(step / 6.5)).expr,
      },
    },
    ...(grouped ? { xOffset: { field: 'group', type: 'nominal' as const, sort: groups } } : {}),
  };
  return {
    $schema: SCHEMA,
    title: checkText('barChart: title', title),
    width: { step },
    height: checkSize('barChart: height', height, 220),
    config: CHART_CONFIG,
    data: { values },
    encoding,
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'value', type: 'quantitative', title: checkText('barChart: y.title', y?.title) },
          ...(grouped
            ? { color: { field: 'group', type: 'nominal', title: null, scale: { domain: groups } } }
            : { color: { value: '#4c78a8' } }),
          tooltip: [
            { field: 'label', type: 'nominal' },
            ...(grouped ? [{ field: 'group', type: 'nominal' as const }] : []),
            { field: 'value', type: 'quantitative', format: '.4~g' },
          ],
        },
      },
      {
        mark: { type: 'text', dy: -6, fontSize: 10, baseline: 'bottom' },
        encoding: {
          y: { field: 'value', type: 'quantitative' },
          text: { field: 'value', type: 'quantitative', format: '.3~g' },
        },
      },
    ],
  };
}
