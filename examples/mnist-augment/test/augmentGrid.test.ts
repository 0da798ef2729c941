/** Smoke test: the augmentation grid at a tiny size decodes as a PNG of the expected size and content. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage } from '@tiefe/datasets';
import { afterAll, describe, expect, it } from 'vitest';
import { augmentGrid } from '../src/augmentGrid.js';

const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'tiefe-mnist-augment-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('examples/mnist-augment', () => {
  it('writes a rows x (1 + augmentations) chart of 3x digits with headers', async () => {
    const before = tf.memory().numTensors;
    const { file, labels } = await augmentGrid({
      mnistDir: MNIST_DIR,
      outDir,
      rows: 2,
      augmentations: 3,
      log: () => {},
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(file).toBe(join(outDir, 'augmented-grid.png'));
    expect(labels).toEqual([7, 2]); // the first two MNIST test digits
    // 4 columns of 84 px cells and 2 rows, plus title and headers.
    const png = await decodeImage(new Uint8Array(readFileSync(file)), file);
    expect(png.width).toBeGreaterThan(4 * 84);
    expect(png.height).toBeGreaterThan(2 * 84);
    // Dark ink (the digits) and the blue-tinted paper of the originals are drawn.
    let [ink, tinted] = [0, 0];
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
      if (b < 128) ink++;
      if (b === 255 && r > 200 && r < 225 && g > 220 && g < 235) tinted++; // 255 * (0.85, 0.9, 1)
    }
    expect(ink).toBeGreaterThan(4 * 300);
    expect(tinted).toBeGreaterThan(2 * 84 * 84 * 0.5);
  });
});
