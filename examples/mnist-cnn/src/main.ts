/**
 * `npm start`: the tour of the toolkit in Node. Picks the best backend, trains the reference CNN on real MNIST
 * digits, evaluates and explains it, and writes one self-contained HTML report.
 *
 * Reads the official IDX files from MNIST_DIR (default: ../shared/data/mnist beside the repository), which
 * holds the 10,000 test digits: 8,000 train the net, 2,000 held out measure it. Without that folder it trains
 * on a clearly labelled synthetic stand-in (shapes instead of digits) so the pipeline still runs end to end.
 * Env: EPOCHS (default 3), LIMIT (digits used, default all), OUT_DIR (default examples/mnist-cnn/out),
 * TIEFE_BACKEND (backend order).
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTour } from './tour.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/mnist-cnn/out'));
const shown = (file: string) => relative(process.cwd(), join(outDir, file)) || '.';

try {
  console.log(`Tiefe tour: writing ${shown('report.html')}`);
  const started = performance.now();
  const report = await runTour({
    mnistDir: process.env.MNIST_DIR ?? resolve(repo, '../shared/data/mnist'),
    outDir,
    epochs: Number(process.env.EPOCHS ?? 3),
    limit: process.env.LIMIT ? Number(process.env.LIMIT) : undefined,
  });
  const total = (performance.now() - started) / 1000;
  console.log(
    `parts: ${report.parts.map((p) => `${p.name} ${p.seconds.toFixed(1)} s`).join(', ')}; ${total.toFixed(1)} s in all`,
  );
  console.log(`report: ${shown('report.html')} (open it in a browser), numbers: ${shown('report.json')}`);
  console.log(`model checkpoint: ${shown('checkpoint')}`);
  // Dawn keeps native handles open after the work is done; the program has finished.
  process.exit(0);
} catch (e) {
  // Print the message, not Node's dump of the source line (for wasm errors, the whole emscripten bundle).
  console.error(`mnist-cnn failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
