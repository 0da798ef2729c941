/** Smoke test of the example at a tiny size: trains, evaluates against persistence, writes plot and report. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, expect, it } from 'vitest';
import { runForecast } from '../src/forecast.js';

const outDir = mkdtempSync(join(tmpdir(), 'tiefe-forecast-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

it('examples/forecast trains briefly and writes forecast.png and report.json', async () => {
  const before = tf.memory().numTensors;
  const lines: string[] = [];
  const r = await runForecast({
    outDir,
    length: 600,
    lookback: 12,
    epochs: 2,
    units: 4,
    plotSteps: 50,
    log: (l) => lines.push(l),
  });
  expect(tf.memory().numTensors).toBe(before);
  const report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'));
  expect(report).toEqual(r);
  // test part: 600 - round(600 * 0.85) = 90 steps, minus lookback 12 = 78 one-step windows
  expect(report.testWindows).toBe(78);
  expect(report.persistenceMae).toBeGreaterThan(report.noiseFloorMae);
  expect(Number.isFinite(report.lstmMae)).toBe(true);
  expect(readFileSync(join(outDir, 'forecast.png')).subarray(1, 4).toString()).toBe('PNG');
  expect(lines.join('\n')).toContain('test MAE');
});
