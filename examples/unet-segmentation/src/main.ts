/**
 * U-Net segmentation of synthetic shape scenes: writes out/curves.png and out/masks.png.
 * Env: TRAIN (scenes, default 320), EPOCHS (default 12), OUT_DIR (default examples/unet-segmentation/out),
 * TIEFE_BACKEND (e.g. cpu, webgpu).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainUnet } from './trainUnet.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

try {
  await trainUnet({
    outDir: resolve(process.env.OUT_DIR ?? join(repo, 'examples/unet-segmentation/out')),
    train: Number(process.env.TRAIN ?? 320),
    epochs: Number(process.env.EPOCHS ?? 12),
  });
  process.exit(0); // Dawn keeps native handles open
} catch (e) {
  console.error(`unet-segmentation failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
