/**
 * `npm start`: trains a conditional DCGAN (AC-GAN with a projection discriminator) on real MNIST digits and writes digits.png (one row per class).
 * Env: STEPS (default 500), LIMIT (default 8000), SAMPLE_EVERY (default 100), OUT_DIR (default examples/cgan-digits/out), MNIST_DIR (default ../shared/data/mnist beside the repository).
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainCganDigits } from './trainCganDigits.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/cgan-digits/out'));
const num = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);

try {
  await trainCganDigits({
    mnistDir: process.env.MNIST_DIR ?? resolve(repo, '../shared/data/mnist'),
    outDir,
    steps: num('STEPS'),
    limit: num('LIMIT'),
    sampleEvery: num('SAMPLE_EVERY'),
  });
  console.log(`output: ${relative(process.cwd(), outDir)}`);
  // Dawn keeps native handles open after the work is done; the program has finished.
  process.exit(0);
} catch (e) {
  console.error(`cgan-digits failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
