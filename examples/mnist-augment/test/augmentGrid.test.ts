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
  it('writes a rows x (1 + augmentations) grid of 3x digits with 2-pixel gaps', async () => {
    const before = tf.memory().numTensors;
    const { file, width, height } = await augmentGrid({
      mnistDir: MNIST_DIR,
      outDir,
      rows: 2,
      augmentations: 3,
      log: () => {},
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(file).toBe(join(outDir, 'augmented-grid.png'));
    // 4 columns of 84 px plus 5 gaps of 2 px; 2 rows likewise.
    expect([width, height]).toEqual([4 * 84 + 5 * 2, 2 * 84 + 3 * 2]);
    const png = await decodeImage(new Uint8Array(readFileSync(file)), file);
    expect([png.width, png.height]).toEqual([width, height]);
    // The top-left corner is a white grid line; the first digit (a 7) has dark ink in its cell.
    expect(Array.from(png.data.subarray(0, 4))).toEqual([255, 255, 255, 255]);
    let ink = 0;
    for (let y = 2; y < 86; y++) for (let x = 2; x < 86; x++) if (png.data[(y * width + x) * 4 + 2] < 128) ink++;
    expect(ink).toBeGreaterThan(300);
  });
});
