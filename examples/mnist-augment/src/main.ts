/**
 * Loads real MNIST digits with @tiefe/datasets and writes out/augmented-grid.png: each row is one digit,
 * the first column the original, the others seeded augmentations (small rotation, translation, random crop
 * with padding, brightness/contrast, noise) made on the backend in one batch per column.
 *
 * MNIST_DIR (default ../shared/data/mnist beside the repository) holds the official t10k IDX files.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { augmentImages, loadMnist } from '@tiefe/datasets';
import { PNG } from 'pngjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const mnistDir = process.env.MNIST_DIR ?? resolve(repo, '../shared/data/mnist');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/mnist-augment/out'));

const ROWS = 8; // digits
const COLS = 8; // original + 7 augmentations
const ZOOM = 3; // pixels per MNIST pixel in the PNG
const GAP = 2; // grid lines, in PNG pixels

async function main(): Promise<void> {
  const backend = await initBackend();
  console.log(`backend: ${backend.name}`);
  const { images, labels } = await loadMnist({ dir: mnistDir, split: 'test', limit: ROWS });
  console.log(`digits: ${Array.from(labels.dataSync()).join(' ')} (first ${ROWS} MNIST test images from ${mnistDir})`);

  const columns: tf.Tensor4D[] = [images];
  for (let c = 1; c < COLS; c++) {
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

  const cell = 28 * ZOOM;
  const width = COLS * cell + (COLS + 1) * GAP;
  const height = ROWS * cell + (ROWS + 1) * GAP;
  const png = new PNG({ width, height });
  png.data.fill(255); // white grid lines, opaque
  for (let c = 0; c < COLS; c++) {
    for (let r = 0; r < ROWS; r++) {
      for (let y = 0; y < cell; y++) {
        for (let x = 0; x < cell; x++) {
          const v = pixels[c][r * 784 + Math.floor(y / ZOOM) * 28 + Math.floor(x / ZOOM)];
          // Ink dark on light, like paper; the first column (originals) slightly blue-tinted.
          const g = Math.round(255 * (1 - v));
          const at = ((GAP + r * (cell + GAP) + y) * width + GAP + c * (cell + GAP) + x) * 4;
          png.data[at] = c === 0 ? Math.round(g * 0.85) : g;
          png.data[at + 1] = c === 0 ? Math.round(g * 0.9) : g;
          png.data[at + 2] = g;
          png.data[at + 3] = 255;
        }
      }
    }
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'augmented-grid.png');
  writeFileSync(`${file}.tmp`, PNG.sync.write(png));
  renameSync(`${file}.tmp`, file);
  console.log(
    `wrote ${relative(process.cwd(), file)} (${width}x${height}: ${ROWS} digits x ${COLS - 1} augmentations)`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
