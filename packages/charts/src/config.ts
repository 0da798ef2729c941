import type { Config } from 'vega-lite';

/** The font family of every chart: DejaVu Sans, which {@link renderPng} loads from its own files. */
export const CHART_FONT = 'DejaVu Sans';

/** The Vega-Lite schema the builders write (vega-lite 6). */
export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The shared look of every chart: one font, white background, readable sizes. */
export const CHART_CONFIG: Config = {
  font: CHART_FONT,
  background: 'white',
  padding: 8,
  title: { fontSize: 15, anchor: 'middle', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, titlePadding: 8 },
  legend: { labelFontSize: 11, titleFontSize: 12, titleLimit: 320, labelLimit: 320 },
  view: { stroke: '#cccccc' },
};
