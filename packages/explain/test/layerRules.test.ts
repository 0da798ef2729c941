import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { lrp, rules } from '../src/index.js';
import { fixWeights } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('lrp layerRules', () => {
  test('a key naming no Dense/convolution layer of the model is an InputError, not silently ignored', async () => {
    const inp = tfl.input({ shape: [6, 6, 1] });
    let h = tfl.layers
      .conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'conv' })
      .apply(inp) as tfl.SymbolicTensor;
    h = tfl.layers.flatten().apply(h) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 3, name: 'head' }).apply(h) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: inp, outputs: out });
    fixWeights(model, 3);
    const x = tf.ones([1, 6, 6, 1]);
    const before = tf.memory().numTensors;
    const err = await lrp(model, x, { target: 0, layerRules: { cnov: rules.flat() } }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(
      /lrp: layerRules: expected names of the model's Dense\/convolution layers \('conv', 'head'\), got 'cnov'/,
    );
    expect(tf.memory().numTensors).toBe(before);
    // real names are accepted (and used: tested in lrp.test.ts)
    const a = await lrp(model, x, { target: 0, layerRules: { conv: rules.zPlus(), head: rules.epsilon() } });
    expect(a.shape).toEqual([1, 6, 6, 1]);
    expect((await a.data()).every(Number.isFinite)).toBe(true);
    tf.dispose([a, x]);
    model.dispose();
  });
});
