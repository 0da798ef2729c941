/**
 * Writes out/augmented-grid.png: eight real MNIST digits, each with seven seeded augmentations.
 * Env: MNIST_DIR (default ../shared/data/mnist beside the repository), OUT_DIR (default examples/mnist-augment/out).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { augmentGrid } from './augmentGrid.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

try {
  await augmentGrid({
    mnistDir: process.env.MNIST_DIR ?? resolve(repo, '../shared/data/mnist'),
    outDir: resolve(process.env.OUT_DIR ?? join(repo, 'examples/mnist-augment/out')),
  });
  process.exit(0); // Dawn keeps native handles open
} catch (e) {
  console.error(`mnist-augment failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
