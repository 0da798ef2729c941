/** Smoke test: two epochs on 256 digits, then the curves and the prediction grid decode at their sizes. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage } from '@tiefe/datasets';
import { afterAll, describe, expect, it } from 'vitest';
import { trainResidualCnn } from '../src/trainResidualCnn.js';

const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'tiefe-residual-cnn-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('examples/residual-cnn', () => {
  it('trains, logs one line per epoch and writes curves.png (2 panels) and predictions.png (8 x 8 digits)', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const r = await trainResidualCnn({
      mnistDir: MNIST_DIR,
      outDir,
      train: 256,
      validation: 64,
      epochs: 2,
      log: (l) => lines.push(l),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(lines.filter((l) => l.startsWith('epoch '))).toHaveLength(2);
    for (const key of ['loss', 'acc', 'val_loss', 'val_acc'] as const) {
      expect(r.history[key]).toHaveLength(2);
      expect(r.history[key].every(Number.isFinite)).toBe(true);
    }
    expect(r.history.loss[1]).toBeLessThan(r.history.loss[0]);
    // The 64 digits drawn are the 64 validation digits: tfjs' own val_acc counts the same mistakes.
    expect(r.wrongShown).toBe(Math.round(64 * (1 - r.history.val_acc[1])));
    const curves = await decodeImage(new Uint8Array(readFileSync(r.files.curves)));
    expect([curves.width, curves.height]).toEqual([2 * 340 + 20, 260]); // lineChart's default panels
    const grid = await decodeImage(new Uint8Array(readFileSync(r.files.predictions)));
    expect([grid.width, grid.height]).toEqual([256, 256]);
    // Each cell's frame (its pixel (1, 1)) is green when right, red when wrong.
    let green = 0;
    for (let k = 0; k < 64; k++) {
      const at = ((Math.floor(k / 8) * 32 + 1) * 256 + (k % 8) * 32 + 1) * 4;
      const [red, g] = [grid.data[at], grid.data[at + 1]];
      expect(Math.max(red, g)).toBeGreaterThan(150);
      if (g > red) green++;
    }
    expect(green).toBe(64 - r.wrongShown);
  });
});
