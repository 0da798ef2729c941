import { checkImage, checkOptions, describeValue, encodePng, InputError, type RgbaImage, upscale } from '@tiefe/core';
import type { TopLevelSpec } from 'vega-lite';
import { checkLabels, checkOptionalText, checkSize } from './checks.js';
import { CHART_CONFIG, SCHEMA } from './config.js';
import { wrappedLabels } from './wrapText.js';

/** Options of {@link imageGridChart}. */
export interface ImageGridChartOptions {
  /** The chart's title. */
  title?: string;
  /** One header per column, printed above it (`['input', 'LRP', 'SmoothGrad']`). */
  columnHeaders?: readonly string[];
  /** One header per row, printed left of it (`['digit 3', 'digit 7']`). */
  rowHeaders?: readonly string[];
  /** Rows of images (at least one row, each with at least one image; rows may differ in length). */
  images: readonly (readonly RgbaImage[])[];
  /**
   * Side of a cell in pixels (default: the largest image side, enlarged by a whole factor to at least 64, or
   * the width of the longest column header if wider). Images are enlarged by the largest whole factor that
   * fits (nearest neighbour: pixels stay sharp) and framed by a thin grey line.
   */
  cellSize?: number;
}

/** `bytes` as base64, in plain JavaScript (browser and Node). */
function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** An image as a PNG data URI, enlarged by `factor`. */
function dataUri(image: RgbaImage, factor: number): string {
  return `data:image/png;base64,${base64(encodePng(factor > 1 ? upscale(image, factor) : image))}`;
}

/**
 * A grid of images (an input and its explanations, generated samples, augmentations) as a Vega-Lite spec:
 * each image embedded as a PNG data URI, with a title, column headers on top and row headers on the left.
 *
 * @example
 * const digit = blankImage(28, 28, [0, 0, 0]);
 * const spec = imageGridChart({
 *   title: 'Explanations',
 *   columnHeaders: ['input', 'LRP'],
 *   images: [[digit, digit]],
 * });
 */
export function imageGridChart(options: ImageGridChartOptions): TopLevelSpec {
  const { title, columnHeaders, rowHeaders, images, cellSize } = checkOptions('imageGridChart: options', options);
  if (!Array.isArray(images) || images.length === 0 || images.some((r) => !Array.isArray(r) || r.length === 0))
    throw new InputError(
      'imageGridChart: images',
      'a non-empty array of non-empty rows of images',
      describeValue(images),
    );
  images.forEach((row, r) => {
    row.forEach((img: RgbaImage, c: number) => {
      checkImage(`imageGridChart: images[${r}][${c}]`, img);
    });
  });
  const cols = Math.max(...images.map((r) => r.length));
  const colNames =
    columnHeaders === undefined ? undefined : checkLabels('imageGridChart: columnHeaders', columnHeaders, cols);
  const rowNames =
    rowHeaders === undefined ? undefined : checkLabels('imageGridChart: rowHeaders', rowHeaders, images.length);
  const largest = Math.max(...images.flat().map((i) => Math.max(i.width, i.height)));
  // Wide enough for the longest word of a column header (about 7.5 px a character at 12 px); headers wrap.
  const headerWidth = Math.ceil(
    7.5 * Math.max(0, ...(colNames ?? []).flatMap((h) => h.split(' ').map((w) => w.length))),
  );
  const fallback = Math.max(largest * Math.max(1, Math.ceil(64 / largest)), headerWidth);
  const cell = checkSize('imageGridChart: cellSize', cellSize, fallback);
  const values = images.flatMap((row, r) =>
    row.map((img: RgbaImage, c: number) => ({
      r,
      c,
      url: dataUri(img, Math.max(1, Math.floor(cell / Math.max(img.width, img.height)))),
    })),
  );
  const gap = 6;
  const labels = (names: string[], maxChars: number, alignBottom = false) =>
    wrappedLabels(Object.fromEntries(names.map((n, i) => [i, n])), maxChars, alignBottom);
  const top = colNames && labels(colNames, Math.max(1, Math.floor((cell + gap) / 7.5)), true);
  const headerAxis = { domain: false, ticks: false, labelFontSize: 12, labelPadding: 4 };
  const t = checkOptionalText('imageGridChart: title', title);
  return {
    $schema: SCHEMA,
    ...(t === undefined ? {} : { title: t }),
    width: { step: cell + gap },
    height: { step: cell + gap },
    config: { ...CHART_CONFIG, view: { stroke: null } },
    data: { values },
    encoding: {
      x: {
        field: 'c',
        type: 'ordinal',
        scale: { domain: [...Array(cols).keys()], paddingInner: 0, paddingOuter: 0 },
        axis: colNames
          ? {
              ...headerAxis,
              orient: 'top',
              title: null,
              labelAngle: 0,
              labelLimit: 0,
              labelExpr: top?.expr,
              labelLineHeight: 14,
              // vega draws the lines downwards from the anchor: lift it by the lines above the last
              labelPadding: 4 + 14 * ((top?.lines ?? 1) - 1),
            }
          : null,
      },
      y: {
        field: 'r',
        type: 'ordinal',
        scale: { domain: [...images.keys()], paddingInner: 0, paddingOuter: 0 },
        axis: rowNames ? { ...headerAxis, title: null, labelLimit: 0, labelExpr: labels(rowNames, 16).expr } : null,
      },
    },
    layer: [
      { mark: { type: 'rect', fill: null, stroke: '#bbbbbb', strokeWidth: 1 } },
      {
        mark: { type: 'image', width: cell, height: cell, aspect: true, smooth: false },
        encoding: { url: { field: 'url', type: 'nominal' } },
      },
    ],
  };
}
