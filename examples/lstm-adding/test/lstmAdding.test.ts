/** Smoke test of the example at a tiny size: it trains both models and writes the plot and the report. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, expect, it } from 'vitest';
import { runLstmAdding } from '../src/lstmAdding.js';

const outDir = mkdtempSync(join(tmpdir(), 'tiefe-lstm-adding-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

it('examples/lstm-adding trains LSTM and SimpleRNN briefly and writes curves.png and report.json', async () => {
  const before = tf.memory().numTensors;
  const lines: string[] = [];
  const r = await runLstmAdding({ outDir, length: 10, steps: 20, evalEvery: 10, units: 4, log: (l) => lines.push(l) });
  expect(tf.memory().numTensors).toBe(before);
  const report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'));
  expect(report).toEqual(r);
  expect(report.curves.lstm.length).toBe(2);
  expect(report.curves.simpleRnn.length).toBe(2);
  // 20 tiny batches learn little: both stay within a few times the 0.167 baseline, finite
  for (const v of [...report.curves.lstm, ...report.curves.simpleRnn]) {
    expect(v).toBeGreaterThan(0);
    expect(v).toBeLessThan(2);
  }
  const png = readFileSync(join(outDir, 'curves.png'));
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(existsSync(join(outDir, 'curves.png'))).toBe(true);
  expect(lines.join('\n')).toContain('final test MSE');
});
