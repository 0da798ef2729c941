/** Smoke test of the `npm start` program at a tiny size: it trains, evaluates and writes what it says. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { trainVaeDigits } from '../src/trainVaeDigits.js';

const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'tiefe-vae-digits-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('examples/vae-digits', () => {
  it('trains on 500 real digits for one epoch and writes the three PNGs and report.json', async () => {
    const before = tf.memory().numTensors;
    const report = await trainVaeDigits({ mnistDir: MNIST_DIR, outDir, epochs: 1, limit: 500, k: 5, log: () => {} });
    expect(tf.memory().numTensors).toBe(before);
    expect(JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'))).toEqual(report);
    expect([report.train, report.test]).toEqual([400, 100]);
    // one epoch of 4 steps: far from trained, but a finite bound below the 543 nats of p = 0.5 everywhere
    expect(report.testNll).toBeGreaterThan(50);
    expect(report.testNll).toBeLessThan(543);
    expect(-report.testElbo).toBeGreaterThanOrEqual(report.testNll - 5);
    for (const f of ['samples.png', 'interpolation.png', 'reconstructions.png']) {
      const bytes = readFileSync(join(outDir, f));
      expect(bytes.subarray(1, 4).toString()).toBe('PNG');
      expect(bytes.readUInt32BE(16)).toBeGreaterThan(8 * 56); // width: 8 or more cells of 56 px, with headers
    }
    expect(existsSync(join(outDir, 'samples.png'))).toBe(true);
  });
});
