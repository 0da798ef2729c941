/** Smoke test of the `npm start` program at a tiny size: it trains and writes what it says. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { trainPix2pixShapes } from '../src/trainPix2pixShapes.js';

const outDir = mkdtempSync(join(tmpdir(), 'tiefe-pix2pix-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('examples/pix2pix-shapes', () => {
  it('trains 30 steps on 64 pairs of 16x16 and writes triplets.png and report.json with a lower L1', async () => {
    const before = tf.memory().numTensors;
    const report = await trainPix2pixShapes({ outDir, steps: 30, n: 64, size: 16, batchSize: 8, log: () => {} });
    expect(tf.memory().numTensors).toBe(before);
    expect(JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'))).toEqual(report);
    expect(report.l1End).toBeLessThan(report.l1Start);
    expect(readFileSync(join(outDir, 'triplets.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});
