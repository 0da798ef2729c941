/**
 * `npm start`: trains a dense VAE on binarised real MNIST digits and writes PNGs and report.json.
 * Env: EPOCHS (default 20), LIMIT, K (default 200), OUT_DIR (default examples/vae-digits/out), MNIST_DIR (default ../shared/data/mnist beside the repository).
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainVaeDigits } from './trainVaeDigits.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/vae-digits/out'));
const num = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);

try {
  await trainVaeDigits({
    mnistDir: process.env.MNIST_DIR ?? resolve(repo, '../shared/data/mnist'),
    outDir,
    epochs: num('EPOCHS'),
    limit: num('LIMIT'),
    k: num('K'),
  });
  console.log(`output: ${relative(process.cwd(), outDir)}`);
  // Dawn keeps native handles open after the work is done; the program has finished.
  process.exit(0);
} catch (e) {
  console.error(`vae-digits failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
