/**
 * Explains a small MNIST CNN with LRP, SmoothGrad and Prediction Difference Analysis and writes
 * out/explain-grid.png. Env: MNIST_DIR (default ../shared/data/mnist beside the repository), OUT_DIR (default
 * examples/explain-mnist/out; the trained CNN is kept in its model/ folder and reused by later runs).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explainDigits } from './explainDigits.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

try {
  await explainDigits({
    mnistDir: process.env.MNIST_DIR ?? resolve(repo, '../shared/data/mnist'),
    outDir: resolve(process.env.OUT_DIR ?? join(repo, 'examples/explain-mnist/out')),
  });
  process.exit(0); // Dawn keeps native handles open
} catch (e) {
  console.error(`explain-mnist failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
