/** Smoke test: train a tiny CNN, explain two digits, decode the grid; a second run reloads the saved CNN. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage } from '@tiefe/datasets';
import { afterAll, describe, expect, it } from 'vitest';
import { explainDigits } from '../src/explainDigits.js';

const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'tiefe-explain-mnist-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));
const tiny = {
  mnistDir: MNIST_DIR,
  outDir,
  train: 300,
  epochs: 1,
  digits: 2,
  smoothGradSamples: 4,
  pdaSamples: 2,
  pdaReference: 50,
  limeSamples: 8,
  shapSamples: 2,
};

describe('examples/explain-mnist', () => {
  it('writes a digits x 4 chart of 4x enlarged 28x28 maps with headers and saves the CNN', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const out = await explainDigits({ ...tiny, log: (l) => lines.push(l) });
    expect(tf.memory().numTensors).toBe(before);
    expect(lines.some((l) => l.startsWith('training the CNN on 300 digits'))).toBe(true);
    // Digits 9000 and 9001 of the MNIST test file; 4 columns of 112 px cells, with headers and a title.
    expect(out.labels).toHaveLength(2);
    const png = await decodeImage(new Uint8Array(readFileSync(out.file)), out.file);
    expect(png.width).toBeGreaterThan(4 * 112);
    expect(png.height).toBeGreaterThan(2 * 112);
    expect(existsSync(join(outDir, 'model', 'model.json'))).toBe(true);
    // The method comparison: digit + 10 methods, 84 px cells (wider where a header needs it).
    expect(out.methods).toHaveLength(10);
    expect(out.methods).toContain('LIME (SLIC)');
    const grid2 = await decodeImage(new Uint8Array(readFileSync(out.methodsFile)), out.methodsFile);
    expect(grid2.width).toBeGreaterThan(11 * 84);
    expect(grid2.height).toBeGreaterThan(2 * 84);
    expect(lines.some((l) => l.startsWith('Grad-CAM++: '))).toBe(true);

    const again: string[] = [];
    const second = await explainDigits({ ...tiny, log: (l) => again.push(l) });
    expect(again[1]).toContain('loaded the CNN from');
    expect(second.labels).toEqual(out.labels);
  });
});
