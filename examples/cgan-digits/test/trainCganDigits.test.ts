/** Smoke test of the `npm start` program at a tiny size: it trains and writes what it says. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { trainCganDigits } from '../src/trainCganDigits.js';

const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'tiefe-cgan-digits-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('examples/cgan-digits', () => {
  it('trains 4 steps on 256 real digits and writes digits.png, sample grids, a checkpoint and report.json', async () => {
    const before = tf.memory().numTensors;
    const report = await trainCganDigits({
      mnistDir: MNIST_DIR,
      outDir,
      steps: 4,
      limit: 256,
      batchSize: 16,
      sampleEvery: 2,
      log: () => {},
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'))).toEqual(report);
    expect([report.train, report.steps]).toEqual([256, 4]);
    expect(Number.isFinite(report.finalDLoss) && Number.isFinite(report.finalGLoss)).toBe(true);
    expect(readFileSync(join(outDir, 'digits.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readdirSync(join(outDir, 'samples')).sort()).toEqual(['step-000002.png', 'step-000004.png']);
    expect(existsSync(join(outDir, 'checkpoint', 'generator', 'model.json'))).toBe(true);
    expect(existsSync(join(outDir, 'checkpoint', 'discriminator', 'model.json'))).toBe(true);
  });
});
