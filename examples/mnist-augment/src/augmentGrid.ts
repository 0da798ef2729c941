/**
 * Loads real MNIST digits with @tiefe/datasets and writes `augmented-grid.png`: each row is one digit, the first
 * column the original (blue-tinted), the others seeded augmentations (small rotation, translation, random crop
 * with padding, brightness/contrast, noise) made on the backend in one batch per column.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { imageGridChart, writeChart } from '@tiefe/charts';
import { blankImage, initBackend, type RgbaImage } from '@tiefe/core';
import { augmentImages, loadMnist } from '@tiefe/datasets';

/** Options of {@link augmentGrid}. */
export interface AugmentGridOptions {
  /** Folder with the official t10k IDX files. */
  mnistDir: string;
  /** Where augmented-grid.png goes. */
  outDir: string;
  /** Digits, one per row (default 8). */
  rows?: number;
  /** Augmentations per digit, one per column after the original (default 7). */
  augmentations?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

const CELL = 84; // PNG pixels per digit: 3 per MNIST pixel

/** One 28x28 digit in [0, 1] as ink on paper; `tint` < 1 per channel colours the originals. */
function digitImage(pixels: ArrayLike<number>, offset: number, tint: readonly [number, number, number]): RgbaImage {
  const img = blankImage(28, 28);
  for (let i = 0; i < 784; i++) {
    const g = 255 * (1 - pixels[offset + i]);
    img.data.set([g * tint[0], g * tint[1], g * tint[2], 255], 4 * i);
  }
  return img;
}

/** Writes the grid (a chart with row and column headers) and returns its path and the digits' labels. */
export async function augmentGrid(options: AugmentGridOptions): Promise<{ file: string; labels: number[] }> {
  const { mnistDir, outDir, rows = 8, augmentations = 7, log = console.log } = options;
  const backend = await initBackend();
  log(`backend: ${backend.name}`);
  const { images, labels } = await loadMnist({ dir: mnistDir, split: 'test', limit: rows });
  const digits = Array.from(await labels.data());
  log(`digits: ${digits.join(' ')} (first ${rows} MNIST test images from ${mnistDir})`);

  const columns: tf.Tensor4D[] = [images];
  for (let c = 1; c <= augmentations; c++) {
    columns.push(
      augmentImages(images, {
        seed: c,
        rotationDegrees: 15,
        translate: 0.08,
        cropPadding: 2,
        brightness: 0.1,
        contrast: 0.2,
        noiseStd: 0.04,
        clip: [0, 1],
      }),
    );
  }
  const pixels = await Promise.all(columns.map((t) => t.data()));
  tf.dispose([...columns, labels]);

  const file = join(outDir, 'augmented-grid.png');
  await writeChart(
    file,
    imageGridChart({
      title: 'MNIST digits and seeded augmentations',
      columnHeaders: ['original', ...Array.from({ length: augmentations }, (_, c) => `seed ${c + 1}`)],
      rowHeaders: digits.map((d) => `digit ${d}`),
      images: Array.from({ length: rows }, (_, r) =>
        pixels.map((p, c) => digitImage(p, r * 784, c === 0 ? [0.85, 0.9, 1] : [1, 1, 1])),
      ),
      cellSize: CELL,
    }),
    { scale: 1 },
  );
  log(`wrote ${file} (${rows} digits x ${augmentations} augmentations)`);
  return { file, labels: digits };
}
