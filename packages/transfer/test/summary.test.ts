import { smallCnn } from '@tiefe/blocks';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { formatSummary, freeze, modelSummary } from '../src/index.js';
import { tinyNet } from './helpers/tinyNet.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('modelSummary', () => {
  test('lists every layer with output shape and parameter counts computed by hand', () => {
    const model = tinyNet();
    const s = modelSummary(model);
    expect(s.layers.map((l) => [l.name, l.className, l.params])).toEqual([
      ['img', 'InputLayer', 0],
      ['c1', 'Conv2D', 3 * 3 * 1 * 4 + 4],
      ['bn1', 'BatchNormalization', 4 * 4],
      ['r1', 'ReLU', 0],
      ['p1', 'MaxPooling2D', 0],
      ['c2', 'Conv2D', 3 * 3 * 4 * 8 + 8],
      ['bn2', 'BatchNormalization', 4 * 8],
      ['r2', 'ReLU', 0],
      ['p2', 'MaxPooling2D', 0],
      ['flat', 'Flatten', 0],
      ['fc', 'Dense', 2 * 2 * 8 * 16 + 16],
      ['out', 'Dense', 16 * 3 + 3],
    ]);
    expect(s.layers[4].outputShape).toEqual([null, 4, 4, 4]);
    expect(s.layers[9].outputShape).toEqual([null, 32]);
    expect(s.layers[2].trainableParams).toBe(8); // gamma and beta; the moving statistics are not trainable
    expect(s.layers[5].inputs).toEqual(['p1']);
    expect([s.totalParams, s.trainableParams, s.nonTrainableParams]).toEqual([963, 939, 24]);
    freeze(model, ['c1', 'bn1']);
    const frozen = modelSummary(model);
    expect([frozen.trainableParams, frozen.nonTrainableParams]).toEqual([939 - 40 - 8, 24 + 40 + 8]);
    model.dispose();
  });

  test("blocks' smallCnn: 468,394 parameters (by hand), 384 of them moving statistics", () => {
    const model = smallCnn();
    // conv 3x3 without bias (BN follows): 288, 9216, 18432, 36864; BN 4 per channel; dense 3136*128+128; out 1290.
    const byHand = 288 + 9216 + 18432 + 36864 + 4 * (32 + 32 + 64 + 64) + (7 * 7 * 64 * 128 + 128) + (128 * 10 + 10);
    const s = modelSummary(model);
    expect(s.totalParams).toBe(byHand);
    expect(s.nonTrainableParams).toBe(2 * (32 + 32 + 64 + 64));
    model.dispose();
  });

  test('formats a Keras-like table', () => {
    const model = tinyNet();
    freeze(model, 'c1');
    const text = formatSummary(modelSummary(model));
    const lines = text.split('\n');
    expect(lines[0]).toBe('Model: "tiny"');
    expect(lines[2]).toMatch(/^Layer \(type\)\s+Output Shape\s+Param #\s+Connected to$/);
    expect(lines.find((l) => l.startsWith('c1 '))).toMatch(/^c1 \(Conv2D\) \(frozen\)\s+\(None, 8, 8, 4\)\s+40\s+img$/);
    expect(lines.find((l) => l.startsWith('fc '))).toMatch(/^fc \(Dense\)\s+\(None, 16\)\s+528\s+flat$/);
    expect(text).toContain('Total params: 963\nTrainable params: 899\nNon-trainable params: 64');
    model.dispose();
  });
});
