/**
 * smallCnn's defaults are chosen for a first, short training: batch-norm momentum 0.9 (with Keras' 0.99 the
 * getting-started program's moving variances were 11-15x the true ones after 250 steps: 70% held-out accuracy;
 * docs/test/snippets.test.ts trains that program) and dropout 0.1.
 */
import { InputError } from '@tiefe/core';
import { describe, expect, it } from 'vitest';
import { smallCnn } from '../src/index.js';

function layerConfigs(model: ReturnType<typeof smallCnn>, className: string) {
  return model.layers.filter((l) => l.getClassName() === className).map((l) => l.getConfig());
}

describe('smallCnn defaults', () => {
  it('uses batch-norm momentum 0.9 and dropout 0.1 unless told otherwise', () => {
    const m = smallCnn();
    expect(layerConfigs(m, 'BatchNormalization').map((c) => c.momentum)).toEqual([0.9, 0.9, 0.9, 0.9]);
    expect(layerConfigs(m, 'Dropout').map((c) => c.rate)).toEqual([0.1, 0.1]);
    expect(m.countParams()).toBe(468_394);
    m.dispose();
    const keras = smallCnn({ bnMomentum: 0.99, dropout: 0.3 });
    expect(layerConfigs(keras, 'BatchNormalization').map((c) => c.momentum)).toEqual([0.99, 0.99, 0.99, 0.99]);
    expect(layerConfigs(keras, 'Dropout').map((c) => c.rate)).toEqual([0.3, 0.3]);
    keras.dispose();
  });

  it('rejects a momentum outside [0, 1] with a typed error', () => {
    expect(() => smallCnn({ bnMomentum: 1.5 })).toThrow(InputError);
    expect(() => smallCnn({ bnMomentum: Number.NaN })).toThrow(/smallCnn: bnMomentum/);
  });
});
