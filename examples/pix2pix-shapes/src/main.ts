/**
 * `npm start`: trains pix2pix (masks -> shape scenes) and writes triplets.png and report.json.
 * Env: STEPS (default 500), N (default 1000 training pairs), OUT_DIR (default examples/pix2pix-shapes/out).
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainPix2pixShapes } from './trainPix2pixShapes.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/pix2pix-shapes/out'));
const num = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);

try {
  await trainPix2pixShapes({
    outDir,
    steps: num('STEPS'),
    n: num('N'),
  });
  console.log(`output: ${relative(process.cwd(), outDir)}`);
  // Dawn keeps native handles open after the work is done; the program has finished.
  process.exit(0);
} catch (e) {
  console.error(`pix2pix-shapes failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
