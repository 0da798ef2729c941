import { checkInt, checkOptions, describeValue, InputError } from '@tiefe/core';
import type { TopLevelSpec } from 'vega-lite';
import { checkOptionalText } from './checks.js';
import { CHART_CONFIG, SCHEMA } from './config.js';

/** Options of {@link concatCharts}. */
export interface ConcatChartsOptions {
  /** A title over all the charts. */
  title?: string;
  /** Charts per row (default: all in one row). */
  columns?: number;
}

/**
 * Several charts of this package in one image, left to right (wrapping after `columns`), such as the loss and
 * the accuracy curves of a training run. Series of the same name keep one colour across the charts.
 *
 * @example
 * const both = concatCharts([lossChart, accuracyChart], { title: 'Training curves' });
 */
export function concatCharts(specs: readonly TopLevelSpec[], options: ConcatChartsOptions = {}): TopLevelSpec {
  const { title, columns } = checkOptions('concatCharts: options', options);
  if (!Array.isArray(specs) || specs.length === 0)
    throw new InputError('concatCharts: specs', 'a non-empty array of chart specs', describeValue(specs));
  const parts = specs.map((spec, i) => {
    if (spec === null || typeof spec !== 'object')
      throw new InputError(`concatCharts: specs[${i}]`, 'a chart spec', describeValue(spec));
    // $schema and config belong to the top level only.
    const { $schema: _schema, config: _config, ...rest } = spec as TopLevelSpec & Record<string, unknown>;
    return rest;
  });
  // One colour per series name across the charts when they name the same series; else each its own legend.
  const domains = new Set(parts.map((p) => JSON.stringify(colorDomain(p))));
  const t = checkOptionalText('concatCharts: title', title);
  return {
    $schema: SCHEMA,
    ...(t === undefined ? {} : { title: t }),
    config: CHART_CONFIG,
    columns: columns === undefined ? parts.length : checkInt('concatCharts: columns', columns, 1),
    concat: parts,
    spacing: 24,
    ...(domains.size > 1 ? { resolve: { scale: { color: 'independent' } } } : {}),
  } as TopLevelSpec;
}

/** The explicit colour domain of a chart (its series names, say), if it has one. */
function colorDomain(spec: object): unknown {
  const layers = [spec, ...((spec as { layer?: object[] }).layer ?? [])];
  for (const layer of layers) {
    const domain = (layer as { encoding?: { color?: { scale?: { domain?: unknown } } } }).encoding?.color?.scale
      ?.domain;
    if (domain !== undefined) return domain;
  }
  return undefined;
}
