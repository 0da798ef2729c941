/** Smoke test of the `npm start` program at a tiny size: it trains, evaluates and writes what it says. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { continualSplitMnist } from '../src/continualSplitMnist.js';

const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'tiefe-continual-split-mnist-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('examples/continual-split-mnist', () => {
  it('runs two strategies on class-IL split MNIST and naive on permuted MNIST, and writes report.json and the PNGs', async () => {
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const report = await continualSplitMnist({
      mnistDir: MNIST_DIR,
      outDir,
      limit: 500,
      scenarios: ['class'],
      strategies: ['naive', 'replay 1000'],
      permuted: ['naive'],
      permutations: 2,
      seeds: [1],
      backends: ['wasm', 'cpu'],
      log: (l) => lines.push(l),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'))).toEqual(report);
    expect([report.train, report.test, report.seeds]).toEqual([400, 100, [1]]);
    expect(report.results.map((r) => `${r.benchmark}/${r.scenario}/${r.strategy}`)).toEqual([
      'split MNIST/class/naive',
      'split MNIST/class/replay 1000',
      'permuted MNIST/domain/naive',
    ]);
    const [naive, replay] = report.results;
    expect(naive.matrix.matrix).toHaveLength(5);
    // Naive class-IL keeps about one experience of five; replay keeps more.
    expect(naive.mean).toBeLessThan(0.35);
    expect(replay.mean).toBeGreaterThan(naive.mean);
    expect(lines.join('\n')).toContain('split MNIST class-IL replay 1000:');
    expect(readdirSync(outDir).sort()).toEqual(
      [
        'average-accuracy.png',
        'permuted-naive.png',
        'report.json',
        'split-class-naive.png',
        'split-class-replay-1000.png',
      ].sort(),
    );
    const png = readFileSync(join(outDir, 'split-class-naive.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThan(5 * 44); // five experiences, 44 px each, with axes and legend
  });
});
