/**
 * `npm start`: trains a small CNN on real MNIST digits on the best backend found and prints the test accuracy.
 *
 * Reads the official IDX files from MNIST_DIR (default: ../shared/data/mnist beside the repository), which
 * holds the 10,000 test digits: 8,000 train the net, 2,000 held out measure it. Without that folder it trains
 * on a clearly labelled synthetic stand-in (shapes instead of digits) so the pipeline still runs end to end.
 * Env: EPOCHS (default 3), LIMIT (digits used, default all), OUT_DIR (default examples/mnist-cnn/out).
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainMnistCnn } from './trainMnistCnn.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/mnist-cnn/out'));

try {
  await trainMnistCnn({
    mnistDir: process.env.MNIST_DIR ?? resolve(repo, '../shared/data/mnist'),
    outDir,
    epochs: Number(process.env.EPOCHS ?? 3),
    limit: process.env.LIMIT ? Number(process.env.LIMIT) : undefined,
  });
  console.log(
    `output: ${relative(process.cwd(), join(outDir, 'report.json'))} and the model checkpoint in ${relative(process.cwd(), join(outDir, 'checkpoint'))}`,
  );
  // Dawn keeps native handles open after the work is done; the program has finished.
  process.exit(0);
} catch (e) {
  // Print the message, not Node's dump of the source line (for wasm errors, the whole emscripten bundle).
  console.error(`mnist-cnn failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
