import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { freeze, selectLayers, trainableReport, unfreeze } from '../src/index.js';
import { tinyData, tinyNet, weightBytes } from './helpers/tinyNet.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const BASE = ['c1', 'bn1', 'c2', 'bn2'];

describe('selectLayers', () => {
  test('by name, index, negative index, range, RegExp, predicate and lists', () => {
    const m = tinyNet();
    expect(selectLayers(m, 'c2', 't')).toEqual([5]);
    expect(selectLayers(m, -1, 't')).toEqual([11]);
    expect(selectLayers(m, { from: 'c2', to: 'p2' }, 't')).toEqual([5, 6, 7, 8]);
    expect(selectLayers(m, { to: 2 }, 't')).toEqual([0, 1, 2]);
    expect(selectLayers(m, /^bn/, 't')).toEqual([2, 6]);
    expect(selectLayers(m, (l) => l.getClassName() === 'Dense', 't')).toEqual([10, 11]);
    expect(selectLayers(m, ['out', 1, 'c1'], 't')).toEqual([1, 11]);
    m.dispose();
  });

  test('an unknown name is an InputError listing the nearest names', () => {
    const m = tinyNet();
    expect(() => freeze(m, 'cc2')).toThrow(InputError);
    expect(() => freeze(m, 'cc2')).toThrow(
      /freeze: layers: expected the name of a layer of model "tiny" \(nearest: c2, c1, /,
    );
    expect(() => freeze(m, 'bn_2')).toThrow(/nearest: bn2/);
    expect(() => freeze(m, 12)).toThrow('a layer index in [-12, 11], got 12');
    expect(() => freeze(m, { from: 'fc', to: 'c1' })).toThrow('start comes before its end');
    expect(() => freeze(m, /^nothing/)).toThrow('picks at least one layer');
    m.dispose();
  });
});

describe('freeze', () => {
  test('frozen weights and BN moving statistics stay bit-identical through fit; the rest trains', async () => {
    const model = tinyNet();
    const { x, y, ids } = tinyData();
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy', metrics: ['acc'] });
    const report = freeze(model, { to: 'bn2' }); // compiled: recompiled with the same optimizer, loss, metrics
    expect(report.frozenLayers).toEqual(BASE);
    expect(report.trainableLayers).toEqual(['fc', 'out']);
    expect(report.trainableParams).toBe(528 + 51);
    expect(report.needsRecompile).toBe(false);
    const before = weightBytes(model, BASE);
    const head = weightBytes(model, ['fc']);
    const h = await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    expect(Object.keys(h.history)).toEqual(['loss', 'acc']);
    expect(weightBytes(model, BASE)).toEqual(before);
    expect(weightBytes(model, ['fc'])).not.toEqual(head);
    tf.dispose([x, y, ids]);
    model.dispose();
  });

  test('frozen BN runs in inference mode in training (Keras); trainable BN uses batch statistics', () => {
    const model = tinyNet();
    const { x, y, ids } = tinyData();
    const inTraining = () => tf.tidy(() => Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync()));
    const inference = Array.from(tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync()));
    freeze(model, BASE);
    expect(inTraining()).toEqual(inference);
    unfreeze(model, ['bn1', 'bn2']);
    const moving = weightBytes(model, ['bn1']);
    expect(inTraining()).not.toEqual(inference);
    expect(weightBytes(model, ['bn1'])).not.toEqual(moving); // tfjs updates the statistics when trainable
    tf.dispose([x, y, ids]);
    model.dispose();
  });

  test('a custom loop (tf.variableGrads over all trainable variables) leaves frozen weights bit-identical', () => {
    const model = tinyNet();
    const { x, y, ids } = tinyData();
    freeze(model, BASE);
    const before = weightBytes(model, BASE);
    const head = weightBytes(model, ['out']);
    const opt = tf.train.sgd(0.5);
    const start = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() =>
          tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
        );
        expect(Object.keys(grads).some((n) => n.startsWith('c1'))).toBe(false);
        opt.applyGradients(grads);
        value.dispose();
      });
    }
    expect(tf.memory().numTensors).toBe(start);
    expect(weightBytes(model, BASE)).toEqual(before);
    expect(weightBytes(model, ['out'])).not.toEqual(head);
    opt.dispose();
    tf.dispose([x, y, ids]);
    model.dispose();
  });

  test('recompile: false reports needsRecompile: an unfrozen layer does not train until compiled again', async () => {
    const model = tinyNet();
    const { x, y, ids } = tinyData();
    freeze(model, 'c1');
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const report = unfreeze(model, 'c1', { recompile: false });
    expect(report.needsRecompile).toBe(true);
    expect(report.trainableLayers).toContain('c1');
    const before = weightBytes(model, ['c1']);
    await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(weightBytes(model, ['c1'])).toEqual(before); // fit trains the list collected at compile, without c1
    const fixed = unfreeze(model, 'c1'); // recompiles
    expect(fixed.needsRecompile).toBe(false);
    await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(weightBytes(model, ['c1'])).not.toEqual(before);
    // Freezing after compile needs no recompile to hold (tfjs prunes non-trainable variables from the
    // gradients), but the report still says the compiled list is stale.
    expect(freeze(model, 'c1', { recompile: false }).needsRecompile).toBe(true);
    const frozen = weightBytes(model, ['c1']);
    await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(weightBytes(model, ['c1'])).toEqual(frozen);
    expect(trainableReport(model).frozenParams).toBe(40);
    expect(() => freeze(model, 'c1', { recompile: 'yes' as unknown as boolean })).toThrow('freeze: recompile');
    tf.dispose([x, y, ids]);
    model.dispose();
  });
});
