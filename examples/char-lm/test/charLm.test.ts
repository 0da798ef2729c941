/** Smoke test of the example at a tiny size: trains, samples, writes the report, the model and the vocabulary. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Vocabulary } from '@tiefe/sequence';
import { afterAll, expect, it } from 'vitest';
import { runCharLm } from '../src/charLm.js';

const outDir = mkdtempSync(join(tmpdir(), 'tiefe-char-lm-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

it('examples/char-lm trains one tiny epoch, samples at two temperatures and saves model and vocabulary', async () => {
  const before = tf.memory().numTensors;
  const lines: string[] = [];
  const r = await runCharLm({
    outDir,
    strings: 150,
    epochs: 1,
    units: 8,
    temperatures: [0.5, 1],
    sampleLength: 60,
    log: (l) => lines.push(l),
  });
  expect(tf.memory().numTensors).toBe(before);
  const report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'));
  expect(report).toEqual(r);
  // B T P S X V E and the two reserved ids: the unigram entropy of 7 letters is below log2(7)
  expect(report.unigramEntropy).toBeGreaterThan(2);
  expect(report.unigramEntropy).toBeLessThan(Math.log2(7));
  expect(report.bitsPerChar).toBeGreaterThan(report.grammarEntropyRate * 0.9);
  expect(report.samples.map((s: { temperature: number }) => s.temperature)).toEqual([0.5, 1]);
  for (const s of report.samples) {
    // 60 sampled ids after the prompt; an untrained model may draw '<unk>' (5 characters) or padding (none)
    expect(s.text.startsWith('B')).toBe(true);
    expect(s.valid).toBeLessThanOrEqual(s.complete);
  }
  const vocab = Vocabulary.fromJSON(readFileSync(join(outDir, 'vocab.json'), 'utf8'));
  const model = await tfl.loadLayersModel(`file://${join(outDir, 'model', 'model.json')}`);
  const p = model.predict(tf.tensor2d([vocab.encode('BTBT')])) as tf.Tensor;
  expect(p.shape).toEqual([1, 4, vocab.size]);
  tf.dispose(p);
  model.dispose();
  expect(lines.join('\n')).toContain('bits/char');
});
