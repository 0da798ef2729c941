/** Smoke test of the `npm start` program at a tiny size: it trains, transfers, and writes what it says. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { transferDigits } from '../src/transferDigits.js';

const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const FASHION_DIR = fileURLToPath(new URL('../../../../shared/data/fashion-mnist-sample', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'tiefe-transfer-digits-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('examples/transfer-digits', () => {
  it('runs source, the three strategies and the Fashion sample on 1,500 digits, and writes report.json and accuracy.png', async () => {
    const lines: string[] = [];
    const report = await transferDigits({
      mnistDir: MNIST_DIR,
      fashionDir: FASHION_DIR,
      outDir,
      limit: 1500,
      shots: [2, 5],
      seeds: [1],
      sourceEpochs: 5,
      steps: 3,
      headEpochs: 5,
      backends: ['wasm', 'cpu'],
      log: (l) => lines.push(l),
    });
    const before = tf.memory().numTensors;
    expect(JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'))).toEqual(report);
    expect(report.source.train + report.source.test).toBeGreaterThan(500);
    // digits 5-9 at 2 and 5 per class, then the Fashion sample: 3 strategies each.
    expect(report.results.map((r) => `${r.target}/${r.shots}/${r.strategy}`)).toEqual([
      'digits 5-9/2/scratch',
      'digits 5-9/2/frozen',
      'digits 5-9/2/fineTune',
      'digits 5-9/5/scratch',
      'digits 5-9/5/frozen',
      'digits 5-9/5/fineTune',
      'fashion-mnist sample/50/scratch',
      'fashion-mnist sample/50/frozen',
      'fashion-mnist sample/50/fineTune',
    ]);
    for (const r of report.results) {
      expect(r.accuracies).toHaveLength(1);
      expect(r.images).toBe(r.target === 'digits 5-9' ? r.shots * 5 : 50);
      expect(r.mean).toBeGreaterThanOrEqual(0);
      expect(r.mean).toBeLessThanOrEqual(1);
    }
    // Five epochs (~50 steps, four of them augmented) on ~600 digits are well above chance (0.2) on 0-4.
    expect(report.source.accuracy).toBeGreaterThan(0.5);
    expect(lines.join('\n')).toContain('digits 5-9, 5/class (25 images), frozen:');
    const png = readFileSync(join(outDir, 'accuracy.png'));
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThan(100); // width
    expect(tf.memory().numTensors).toBe(before);
  });
});
