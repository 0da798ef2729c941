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
  it('trains, logs one line per epoch and writes curves.png (loss and accuracy charts) and predictions.png (8 x 8 framed digits)', async () => {
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
    expect(curves.width).toBeGreaterThan(1000); // two 300-pixel charts side by side, at scale 2
    // predictions.png: 64 framed digits; the frames' colours count the mistakes (same pixels per frame)
    const grid = await decodeImage(new Uint8Array(readFileSync(r.files.predictions)));
    let [green, red] = [0, 0];
    for (let i = 0; i < grid.data.length; i += 4) {
      const [R, G, B] = [grid.data[i], grid.data[i + 1], grid.data[i + 2]];
      if (G > 120 && R < 90 && B < 110) green++;
      if (R > 180 && G < 80 && B < 80) red++;
    }
    expect(green + red).toBeGreaterThan(64 * 500); // 240 frame pixels enlarged twice, less the edges
    expect((64 * red) / (green + red)).toBeCloseTo(r.wrongShown, 0);
  });
});
