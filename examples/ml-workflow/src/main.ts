/**
 * `npm start`: the course's seven steps on the real MNIST digits (data report, model, cross-validation,
 * evaluation, robustness, quantisation, model card); prints one line per step and writes the reports and
 * models to OUT_DIR.
 *
 * Reads the official IDX files from MNIST_DIR (default: ../shared/data/mnist beside the repository; 8,000 of
 * its 10,000 digits train, 2,000 test) and the Fashion-MNIST sample, the out-of-distribution set, from
 * FASHION_DIR (default ../shared/data/fashion-mnist-sample; skipped when absent). Env: EPOCHS (default 2),
 * CV_EPOCHS (default EPOCHS), FOLDS (default 3), LIMIT (digits used, default all), OUT_DIR (default
 * examples/ml-workflow/out).
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mlWorkflow } from './mlWorkflow.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/ml-workflow/out'));
const num = (v: string | undefined) => (v ? Number(v) : undefined);

try {
  const report = await mlWorkflow({
    mnistDir: process.env.MNIST_DIR ?? resolve(repo, '../shared/data/mnist'),
    fashionDir: process.env.FASHION_DIR ?? resolve(repo, '../shared/data/fashion-mnist-sample'),
    outDir,
    epochs: num(process.env.EPOCHS),
    cvEpochs: num(process.env.CV_EPOCHS),
    folds: num(process.env.FOLDS),
    limit: num(process.env.LIMIT),
  });
  const rel = (f: string) => relative(process.cwd(), join(outDir, f));
  console.log(
    `output: ${rel('report.md')}, ${rel('report.json')}, ${rel('model-card.md')}, ${rel('model-card.json')}, ${rel('model')}/ and ${relative(process.cwd(), report.deployed.folder)}/`,
  );
  // Dawn keeps native handles open after the work is done; the program has finished.
  process.exit(0);
} catch (e) {
  console.error(`ml-workflow failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
