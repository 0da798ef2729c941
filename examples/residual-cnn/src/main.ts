/**
 * Residual CNN on MNIST digits: writes out/curves.png and out/predictions.png.
 * Env: TRAIN (digits, default 1500), EPOCHS (default 6), MNIST_DIR (default ../shared/data/mnist beside the
 * repository), OUT_DIR (default examples/residual-cnn/out), TIEFE_BACKEND (e.g. cpu, webgpu).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainResidualCnn } from './trainResidualCnn.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

try {
  await trainResidualCnn({
    mnistDir: process.env.MNIST_DIR ?? resolve(repo, '../shared/data/mnist'),
    outDir: resolve(process.env.OUT_DIR ?? join(repo, 'examples/residual-cnn/out')),
    train: Number(process.env.TRAIN ?? 1500),
    epochs: Number(process.env.EPOCHS ?? 6),
  });
  process.exit(0); // Dawn keeps native handles open
} catch (e) {
  console.error(`residual-cnn failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
