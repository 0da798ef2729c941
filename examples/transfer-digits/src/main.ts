/**
 * `npm start`: trains blocks' smallCnn on MNIST digits 0-4, then learns digits 5-9 from 10, 50 and 100
 * labelled images per class from scratch, with a head on the frozen features, and with that head plus
 * fine-tuning, over 3 seeds; prints the table and writes report.json and accuracy.png.
 *
 * Reads the official IDX files from MNIST_DIR (default: ../shared/data/mnist beside the repository; digits 0-4
 * of its first 8,000 train the source, those of the last 2,000 test it; digits 5-9 are split at random into a
 * pool for the few labels, 40%, and the test set, 60%) and the Fashion-MNIST sample from FASHION_DIR (default
 * ../shared/data/fashion-mnist-sample; skipped when absent). Env: SEEDS (default 1,2,3), SHOTS (default
 * 10,50,100), STEPS (default 150), SOURCE_EPOCHS (default 12), LIMIT (digits used, default all), OUT_DIR (default
 * examples/transfer-digits/out).
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transferDigits } from './transferDigits.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/transfer-digits/out'));
const list = (v: string | undefined) => (v ? v.split(',').map(Number) : undefined);

try {
  await transferDigits({
    mnistDir: process.env.MNIST_DIR ?? resolve(repo, '../shared/data/mnist'),
    fashionDir: process.env.FASHION_DIR ?? resolve(repo, '../shared/data/fashion-mnist-sample'),
    outDir,
    seeds: list(process.env.SEEDS),
    shots: list(process.env.SHOTS),
    steps: process.env.STEPS ? Number(process.env.STEPS) : undefined,
    sourceEpochs: process.env.SOURCE_EPOCHS ? Number(process.env.SOURCE_EPOCHS) : undefined,
    limit: process.env.LIMIT ? Number(process.env.LIMIT) : undefined,
  });
  console.log(
    `output: ${relative(process.cwd(), join(outDir, 'report.json'))} and ${relative(process.cwd(), join(outDir, 'accuracy.png'))}`,
  );
  // Dawn keeps native handles open after the work is done; the program has finished.
  process.exit(0);
} catch (e) {
  console.error(`transfer-digits failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
