import { blankImage, InputError } from '@tiefe/core';
import { expect, test } from 'vitest';
import { barChart, concatCharts, confusionMatrixChart, heatmapChart, imageGridChart, lineChart } from '../src/index.js';

const axes = { title: 'T', x: { title: 'epoch' }, y: { title: 'loss' } };
const grid = { x: { title: 'x', labels: ['a', 'b'] }, y: { title: 'y', labels: ['r'] } };
const img = blankImage(4, 4);

test.each([
  ['empty series', () => lineChart({ ...axes, series: [] }), /^lineChart: series: expected a non-empty array/],
  ['no points', () => lineChart({ ...axes, series: [{ name: 'a', points: [] }] }), /^lineChart: series\[0\]\.points:/],
  [
    'a NaN value',
    () => lineChart({ ...axes, series: [{ name: 'a', points: [[1, Number.NaN]] }] }),
    /^lineChart: series\[0\]\.points\[0\]\[1\]: expected a finite number, got NaN/,
  ],
  [
    'a non-positive value on a log scale',
    () => lineChart({ ...axes, y: { title: 'loss', scale: 'log' }, series: [{ name: 'a', points: [[1, 0]] }] }),
    /^lineChart: series\[0\]\.points\[0\]\[1\]: expected a finite number >= /,
  ],
  [
    'two series of one name',
    () =>
      lineChart({
        ...axes,
        series: [
          { name: 'a', points: [[1, 1]] },
          { name: 'a', points: [[1, 2]] },
        ],
      }),
    /^lineChart: series: expected distinct series names/,
  ],
  [
    'no title',
    () => lineChart({ ...axes, title: '', series: [{ name: 'a', points: [[1, 1]] }] }),
    /^lineChart: title:/,
  ],
  [
    'a bad scale',
    () => lineChart({ ...axes, y: { title: 'l', scale: 'sqrt' as 'log' }, series: [{ name: 'a', points: [[1, 1]] }] }),
    /^lineChart: y\.scale:/,
  ],
  ['no bars', () => barChart({ ...axes, bars: [] }), /^barChart: bars: expected a non-empty array/],
  [
    'a group on some bars only',
    () =>
      barChart({
        ...axes,
        bars: [
          { label: 'a', value: 1, group: 'g' },
          { label: 'b', value: 2 },
        ],
      }),
    /^barChart: bars\[1\]\.group: expected a group on every bar or on none/,
  ],
  [
    'an infinite bar',
    () => barChart({ ...axes, bars: [{ label: 'a', value: Number.POSITIVE_INFINITY }] }),
    /^barChart: bars\[0\]\.value: expected a finite number/,
  ],
  [
    'a ragged matrix',
    () =>
      heatmapChart({
        title: 'H',
        x: { title: 'x', labels: ['a', 'b'] },
        y: { title: 'y', labels: ['r', 's'] },
        values: [[1, 2], [3]],
      }),
    /^heatmapChart: values\[1\]: expected a row of 2 numbers \(a rectangular matrix\), got 1 numbers/,
  ],
  [
    'a NaN cell',
    () => heatmapChart({ title: 'H', ...grid, values: [[1, Number.NaN]] }),
    /^heatmapChart: values\[0\]\[1\]: expected a finite number/,
  ],
  [
    'too few x labels',
    () => heatmapChart({ title: 'H', ...grid, values: [[1, 2, 3]] }),
    /^heatmapChart: values\[0\]: expected a row of 2/,
  ],
  [
    'too many rows',
    () =>
      heatmapChart({
        title: 'H',
        ...grid,
        values: [
          [1, 2],
          [3, 4],
        ],
      }),
    /^heatmapChart: values: expected 1 rows, got 2 rows/,
  ],
  [
    'a non-square confusion matrix',
    () => confusionMatrixChart({ matrix: [[1, 2]] }),
    /^confusionMatrixChart: matrix: expected a square matrix \(classes x classes\), got 1 x 2/,
  ],
  [
    'a negative count',
    () =>
      confusionMatrixChart({
        matrix: [
          [1, -2],
          [0, 1],
        ],
      }),
    /^confusionMatrixChart: matrix\[0\]\[1\]: expected a count >= 0/,
  ],
  [
    'class names not matching the classes',
    () =>
      confusionMatrixChart({
        matrix: [
          [1, 0],
          [0, 1],
        ],
        classNames: ['a'],
      }),
    /^confusionMatrixChart: classNames: expected an array of 2 strings, got 1 entries/,
  ],
  ['no images', () => imageGridChart({ images: [] }), /^imageGridChart: images: expected a non-empty array/],
  [
    'column headers not matching the columns',
    () => imageGridChart({ images: [[img, img]], columnHeaders: ['input'] }),
    /^imageGridChart: columnHeaders: expected an array of 2 strings, got 1 entries/,
  ],
  [
    'row headers not matching the rows',
    () => imageGridChart({ images: [[img], [img]], rowHeaders: ['a', 'b', 'c'] }),
    /^imageGridChart: rowHeaders: expected an array of 2 strings, got 3 entries/,
  ],
  [
    'a broken image',
    () => imageGridChart({ images: [[img, { width: 4, height: 4, data: new Uint8ClampedArray(3) }]] }),
    /^imageGridChart: images\[0\]\[1\]: expected an RGBA image/,
  ],
  [
    'a tiny cell',
    () => imageGridChart({ images: [[img]], cellSize: 3 }),
    /^imageGridChart: cellSize: expected an integer in \[16, 4096\]/,
  ],
  [
    'a reversed colour domain',
    () => heatmapChart({ title: 'H', ...grid, values: [[1, 2]], domain: [1, 0] }),
    /^heatmapChart: domain: expected \[low, high\] with low < high/,
  ],
  ['no charts to concatenate', () => concatCharts([]), /^concatCharts: specs: expected a non-empty array/],
  [
    'zero columns',
    () => concatCharts([barChart({ ...axes, bars: [{ label: 'a', value: 1 }] })], { columns: 0 }),
    /^concatCharts: columns: expected an integer >= 1/,
  ],
])('%s is an InputError naming the argument', (_, call, message) => {
  expect(call).toThrow(InputError);
  expect(call).toThrow(message);
});
