import { InputError } from '../errors.js';
import { checkInt, checkOptions, describeValue } from '../validate.js';
import { drawLine, fillRect } from './draw.js';
import { blankImage, type Color, type RgbaImage, toRgba } from './rgbaImage.js';

/** One curve of a {@link lineChart} panel: a value per epoch (non-finite values are left out). */
export interface ChartSeries {
  values: readonly number[];
  color: Color;
}

/** One panel of a {@link lineChart}: curves that share axes, such as training and validation loss. */
export interface ChartPanel {
  series: readonly ChartSeries[];
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  /** Width of each panel in pixels (default 320). */
  panelWidth?: number;
  /** Height of each panel in pixels (default 220). */
  panelHeight?: number;
  /** Pixels around and between panels (default 20). */
  padding?: number;
}

const GRID: Color = [225, 225, 225];
const PANEL: Color = [248, 248, 248];
const AXES: Color = [0, 0, 0];

/**
 * Draws training curves (loss, accuracy, ... over epochs) without a plotting library: one panel per entry of
 * `panels`, left to right, with the x axis spanning the epochs and the y axis from min(0, smallest value) to
 * 1 when every value lies in [0, 1] (accuracies, Dice) or else to the largest value, a light grid line at
 * every tenth of that range, and each value marked by a dot. Write it with {@link writePng} or draw it with
 * `putImageData`.
 *
 * @example
 * const chart = lineChart([
 *   { series: [{ values: history.history.loss as number[], color: [200, 40, 40] }] },
 *   { series: [{ values: history.history.acc as number[], color: [40, 120, 200] }] },
 * ]);
 * await writePng('out/curves.png', chart);
 */
export function lineChart(panels: readonly ChartPanel[], options: LineChartOptions = {}): RgbaImage {
  const { panelWidth = 320, panelHeight = 220, padding = 20 } = checkOptions('lineChart: options', options);
  const pw = checkInt('lineChart: panelWidth', panelWidth, 2);
  const ph = checkInt('lineChart: panelHeight', panelHeight, 2);
  const pad = checkInt('lineChart: padding', padding, 0);
  if (!Array.isArray(panels) || panels.length === 0) {
    throw new InputError('lineChart: panels', 'a non-empty array of { series }', describeValue(panels));
  }
  panels.forEach((panel: ChartPanel, p) => {
    const series: readonly ChartSeries[] = panel?.series;
    if (!Array.isArray(series)) {
      throw new InputError(`lineChart: panels[${p}]`, '{ series: [{ values, color }] }', describeValue(panel));
    }
    series.forEach((s: ChartSeries, i) => {
      const values: readonly unknown[] = s?.values;
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'number')) {
        throw new InputError(
          `lineChart: panels[${p}].series[${i}].values`,
          'an array of numbers',
          describeValue(s?.values),
        );
      }
      toRgba(`lineChart: panels[${p}].series[${i}].color`, s.color);
    });
  });

  const image = blankImage(panels.length * (pw + pad) + pad, ph + 2 * pad);
  panels.forEach((panel: ChartPanel, p) => {
    const left = pad + p * (pw + pad);
    const bottom = pad + ph - 1;
    const all = panel.series.flatMap((s: ChartSeries) => s.values).filter(Number.isFinite);
    const low = Math.min(0, ...all);
    const high = all.every((v) => v >= 0 && v <= 1) ? 1 : Math.max(...all);
    const range = high > low ? high - low : 1;
    fillRect(image, { x: left, y: pad, width: pw, height: ph }, PANEL);
    for (let g = 0; g <= 10; g++) {
      const y = bottom - Math.round((g * (ph - 1)) / 10);
      drawLine(image, [left, y], [left + pw - 1, y], GRID);
    }
    drawLine(image, [left, bottom], [left + pw - 1, bottom], AXES);
    drawLine(image, [left, pad], [left, bottom], AXES);
    for (const s of panel.series) {
      const n = s.values.length;
      const px = (i: number) => left + (n === 1 ? (pw - 1) / 2 : (i * (pw - 1)) / (n - 1));
      const py = (v: number) => bottom - ((v - low) / range) * (ph - 1);
      for (let i = 1; i < n; i++) {
        const [a, b] = [s.values[i - 1], s.values[i]];
        if (Number.isFinite(a) && Number.isFinite(b)) drawLine(image, [px(i - 1), py(a)], [px(i), py(b)], s.color, 2);
      }
      s.values.forEach((v: number, i: number) => {
        if (Number.isFinite(v)) fillRect(image, { x: px(i) - 2, y: py(v) - 2, width: 5, height: 5 }, s.color);
      });
    }
  });
  return image;
}
