import { type CrossValidationResult, InputError } from '@tiefe/core';
import { describe, expect, test } from 'vitest';
import { type ModelCardInput, modelCard, type QuantizationReport, type RobustnessReport } from '../src/index.js';

const cv: CrossValidationResult = {
  metric: 'acc',
  scores: [0.9, 0.8, 1],
  mean: 0.9,
  std: Math.sqrt((0.01 + 0.01) / 3),
  folds: [],
};
const robustness: RobustnessReport = {
  samples: 2000,
  clean: 0.975,
  augmentations: [{ name: 'rotation ±15°', accuracy: 0.95, drop: 0.025 }],
  noise: [{ name: 'gaussian σ=0.3', sigma: 0.3, accuracy: 0.9, drop: 0.075 }],
  ood: {
    detector: 'maximum softmax probability',
    inDistribution: 2000,
    outOfDistribution: 100,
    auroc: 0.9123,
    fprAt95Tpr: 0.31,
    meanScoreIn: 0.97,
    meanScoreOut: 0.71,
  },
};
const quantReport: QuantizationReport = {
  dtype: 'uint8',
  granularity: 'tensor',
  bytesBefore: 1000,
  bytesAfter: 250,
  ratio: 0.25,
  maxAbsError: 0.0012,
  weights: [],
};
const input: ModelCardInput = {
  name: 'digits-cnn',
  version: '1.2.0',
  date: '2026-12-01',
  description: 'Classifies handwritten digits.',
  model: { architecture: 'smallCnn', parameters: 468394, framework: 'TensorFlow.js 4.22' },
  intendedUse: 'Teaching the seven steps of a machine-learning project.',
  limitations: ['Only centred 28x28 grey digits.', 'Not for postal sorting.'],
  data: {
    name: 'MNIST',
    source: '10,000 test digits',
    train: 8000,
    test: 2000,
    classes: ['0', '1'],
    notes: ['no duplicates'],
  },
  metrics: { accuracy: 0.975, 'macro F1': 0.9749 },
  crossValidation: cv,
  robustness,
  quantization: [
    {
      report: quantReport,
      evaluation: {
        samples: 2000,
        accuracyBefore: 0.975,
        accuracyAfter: 0.9735,
        delta: -0.0015,
        agreement: 0.998,
        maxAbsOutputDifference: 0.02,
      },
    },
    { report: { ...quantReport, dtype: 'float16', bytesAfter: 500 } },
  ],
};

describe('modelCard', () => {
  test('JSON holds every figure; Markdown has each section with the numbers', () => {
    const card = modelCard(input);
    expect(JSON.parse(card.json)).toEqual(card.data);
    expect(card.data.crossValidation).toEqual({
      metric: 'acc',
      folds: 3,
      scores: [0.9, 0.8, 1],
      mean: 0.9,
      std: cv.std,
    });
    expect(card.data.quantization).toEqual([
      {
        dtype: 'uint8',
        granularity: 'tensor',
        bytesBefore: 1000,
        bytesAfter: 250,
        maxAbsWeightError: 0.0012,
        accuracyBefore: 0.975,
        accuracyAfter: 0.9735,
        delta: -0.0015,
        agreement: 0.998,
      },
      { dtype: 'float16', granularity: 'tensor', bytesBefore: 1000, bytesAfter: 500, maxAbsWeightError: 0.0012 },
    ]);
    expect(card.data.robustness).toEqual(robustness);
    const md = card.markdown;
    for (const heading of [
      '# Model card: digits-cnn',
      '## Model',
      '## Intended use',
      '## Limitations',
      '## Data',
      '## Metrics',
      '## Robustness',
      '## Quantisation',
    ]) {
      expect(md).toContain(`${heading}\n`);
    }
    expect(md).toContain('Version 1.2.0, 2026-12-01.');
    expect(md).toContain('smallCnn, 468,394 parameters (TensorFlow.js 4.22).');
    expect(md).toContain('- Not for postal sorting.');
    expect(md).toContain('MNIST (10,000 test digits): 8000 training and 2000 test samples.');
    expect(md).toContain('| accuracy | 0.9750 |');
    expect(md).toContain('Cross-validation (3 folds), acc: 0.9000 ± 0.08165 (population sd); folds 0.9000, 0.8000, 1.'); // sd of 0.9, 0.8, 1
    expect(md).toContain('| perturbation | accuracy | change |');
    expect(md).toContain('| rotation ±15° | 95.00% | -2.50 points |');
    expect(md).toContain('| gaussian σ=0.3 | 90.00% | -7.50 points |');
    expect(md).toContain('AUROC 0.912, FPR at 95% TPR 31.00%');
    expect(md).toContain('| uint8 per tensor | 1000 -> 250 | 1.20e-3 | 97.50% -> 97.35% | -0.15 points | 99.80% |');
    expect(md).toContain('| float16 per tensor | 1000 -> 500 | 1.20e-3 |  |  |  |');
  });

  test('optional parts are left out; the date defaults to today', () => {
    const card = modelCard({
      name: 'm',
      intendedUse: 'tests',
      limitations: ['none known'],
      data: { name: 'd', train: 1, test: 1 },
    });
    expect(card.data.date).toBe(new Date().toISOString().slice(0, 10));
    expect(card.markdown).not.toContain('## Robustness');
    expect(card.markdown).not.toContain('## Quantisation');
    expect(card.markdown).not.toContain('## Metrics');
    expect(Object.keys(card.data)).toEqual([
      'name',
      'version',
      'date',
      'intendedUse',
      'limitations',
      'data',
      'metrics',
    ]);
  });

  test('bad input: typed errors naming the argument', () => {
    const bad = (patch: object, name: string) => {
      try {
        modelCard({ ...input, ...patch } as ModelCardInput);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as InputError).input).toBe(name);
        return;
      }
      throw new Error(`no error for ${name}`);
    };
    bad({ name: '' }, 'modelCard: name');
    bad({ intendedUse: undefined }, 'modelCard: intendedUse');
    bad({ limitations: [] }, 'modelCard: limitations');
    bad({ data: { name: 'x', train: 1.5, test: 1 } }, 'modelCard: data');
    bad({ metrics: { accuracy: Number.NaN } }, 'modelCard: metrics');
  });
});
