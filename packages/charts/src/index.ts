/**
 * @tiefe/charts: Vega-Lite specs from small typed builders (line, bar, heatmap, confusion matrix, image grid),
 * rendered to SVG anywhere, to PNG in Node (resvg) and live in the browser.
 *
 * @packageDocumentation
 */

export type { TopLevelSpec } from 'vega-lite';
export { type Bar, type BarChartOptions, barChart } from './barChart.js';
export { type ConcatChartsOptions, concatCharts } from './concatCharts.js';
export { CHART_CONFIG, CHART_FONT } from './config.js';
export { type ConfusionMatrixChartOptions, confusionMatrixChart } from './confusionMatrixChart.js';
export { type HeatmapChartOptions, heatmapChart } from './heatmapChart.js';
export { type ImageGridChartOptions, imageGridChart } from './imageGridChart.js';
export { type LineChartOptions, type LineSeries, lineChart } from './lineChart.js';
export { type MountedChart, mountChart } from './mountChart.js';
export { type RenderPngOptions, renderPng } from './renderPng.js';
export { renderSvg } from './renderSvg.js';
export { writeChart } from './writeChart.js';
