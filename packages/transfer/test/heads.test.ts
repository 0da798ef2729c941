import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend, seed } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addHead, addUnetDecoder, cutAt, freeze, loadModel } from '../src/index.js';
import { tinyData, tinyNet, weightBytes } from './helpers/tinyNet.js';

const dir = mkdtempSync(join(tmpdir(), 'tiefe-transfer-heads-'));
beforeAll(() => initBackend({ prefer: ['cpu'] }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Saves with model.save('file://...'), reloads, and checks the predictions are identical. */
async function roundTrip(model: tfl.LayersModel, x: tf.Tensor, name: string): Promise<void> {
  const want = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
  await model.save(`file://${join(dir, name)}`);
  const again = await loadModel(`file://${join(dir, name)}`);
  expect(again.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
  expect(tf.tidy(() => Array.from((again.predict(x) as tf.Tensor).dataSync()))).toEqual(want);
  again.dispose();
}

describe('cutAt and addHead', () => {
  test('cutAt gives the intermediate output, sharing the weights', () => {
    const model = tinyNet();
    const { x, y, ids } = tinyData(4);
    const base = cutAt(model, 'fc');
    expect(base.outputs[0].shape).toEqual([null, 16]);
    const manual = tfl.model({ inputs: model.inputs, outputs: model.getLayer('fc').output as tfl.SymbolicTensor });
    const got = tf.tidy(() => Array.from((base.predict(x) as tf.Tensor).dataSync()));
    expect(got).toEqual(tf.tidy(() => Array.from((manual.predict(x) as tf.Tensor).dataSync())));
    expect(base.getLayer('c1')).toBe(model.getLayer('c1'));
    expect(() => cutAt(model, 'fc2')).toThrow(/cutAt: layer: expected the name of a layer .*\(nearest: fc, c2/);
    tf.dispose([x, y, ids]);
    model.dispose();
  });

  test('a classification head of any class count trains with the base frozen, saves and reloads identically', async () => {
    const model = tinyNet();
    const { x, y, ids } = tinyData(14, 7);
    const seven = addHead(model, { kind: 'classification', classes: 7, hidden: [12], dropout: 0.2 }, { at: 'p2' });
    expect(seven.outputs[0].shape).toEqual([null, 7]);
    expect(seven.layers.map((l) => l.name).slice(-5)).toEqual([
      'head_pool',
      'head_drop_0',
      'head_dense_0',
      'head_drop_out',
      'head_out',
    ]);
    expect(seven.getLayer('head_pool').getClassName()).toBe('GlobalAveragePooling2D');
    freeze(seven, { to: 'bn2' });
    const base = weightBytes(seven, ['c1', 'bn1', 'c2', 'bn2']);
    seven.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    await seven.fit(x, y, { epochs: 2, batchSize: 7, verbose: 0 });
    expect(weightBytes(seven, ['c1', 'bn1', 'c2', 'bn2'])).toEqual(base);
    await roundTrip(seven, x, 'seven');
    const binary = addHead(cutAt(model, 'flat'), { kind: 'classification', classes: 1 });
    expect(binary.getLayer('head_out').getConfig().activation).toBe('sigmoid');
    tf.dispose([x, y, ids]);
    model.dispose();
  });

  test('a regression head: linear outputs on flattened features', async () => {
    const model = tinyNet();
    const { x, y, ids } = tinyData(4);
    const reg = addHead(model, { kind: 'regression', outputs: 2, pooling: 'flatten' }, { at: 'r2', name: 'reg' });
    expect(reg.outputs[0].shape).toEqual([null, 2]);
    expect(reg.getLayer('head_pool').getClassName()).toBe('Flatten');
    expect(reg.getLayer('head_out').getConfig().activation).toBe('linear');
    await roundTrip(reg, x, 'reg');
    tf.dispose([x, y, ids]);
    model.dispose();
  });

  test('bad heads: class count 0, a base output the head cannot take', () => {
    const model = tinyNet();
    expect(() => addHead(model, { kind: 'classification', classes: 0 }, { at: 'fc' })).toThrow(
      'addHead: head.classes: expected an integer >= 1, got 0',
    );
    expect(() => addHead(model, { kind: 'ranking' } as never)).toThrow('addHead: head.kind');
    const input = tfl.input({ shape: [4, 4, 4, 2] });
    const vol = tfl.model({
      inputs: input,
      outputs: tfl.layers.conv3d({ filters: 2, kernelSize: 1 }).apply(input) as tfl.SymbolicTensor,
    });
    expect(() => addHead(vol, { kind: 'classification', classes: 3 })).toThrow(InputError);
    expect(() => addHead(vol, { kind: 'classification', classes: 3 })).toThrow(
      /output shape \[null,4,4,4,2\] with pooling 'avg'/,
    );
    expect(addHead(vol, { kind: 'classification', classes: 3, pooling: 'flatten' }).outputs[0].shape).toEqual([
      null,
      3,
    ]);
    const seq = tfl.input({ shape: [null, 3] });
    const rnn = tfl.model({ inputs: seq, outputs: tfl.layers.dense({ units: 2 }).apply(seq) as tfl.SymbolicTensor });
    expect(() => addHead(rnn, { kind: 'regression', pooling: 'flatten' })).toThrow(
      /known size for pooling 'flatten'.*\[null,null,2\]/,
    );
    model.dispose();
  });
});

describe('addUnetDecoder', () => {
  /** An encoder with named stage ends: 16x16 -> s1 (16x16x4) -> d1 (8x8) -> s2 (8x8x8) -> d2 (4x4x8). */
  function encoder(): tfl.LayersModel {
    const input = tfl.input({ shape: [16, 16, 1] });
    const conv = (f: number, name: string) =>
      tfl.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu', name });
    const s1 = conv(4, 's1').apply(input) as tfl.SymbolicTensor;
    const d1 = tfl.layers.maxPooling2d({ poolSize: 2, name: 'd1' }).apply(s1) as tfl.SymbolicTensor;
    const s2 = conv(8, 's2').apply(d1) as tfl.SymbolicTensor;
    const d2 = tfl.layers.maxPooling2d({ poolSize: 2, name: 'd2' }).apply(s2) as tfl.SymbolicTensor;
    const top = tfl.layers
      .dense({ units: 3, activation: 'softmax', name: 'cls' })
      .apply(tfl.layers.flatten({ name: 'flat' }).apply(d2)) as tfl.SymbolicTensor;
    return tfl.model({ inputs: input, outputs: top, name: 'enc' });
  }

  test('skips from named layers; per-pixel classes; trains with the encoder frozen; saves and reloads', async () => {
    seed(3); // the decoder's initialisation: the same run every time
    const enc = encoder();
    const seg = addUnetDecoder(enc, { encoderOutput: 'd2', skips: ['s2', 's1'], classes: 3 });
    expect(seg.outputs[0].shape).toEqual([null, 16, 16, 3]);
    const concats = seg.layers.filter((l) => l.getClassName() === 'Concatenate');
    expect(concats.map((c) => c.inboundNodes[0].inboundLayers[0].name)).toEqual(['s2', 's1']);
    freeze(seg, ['s1', 's2']);
    const x = tf.randomUniform([4, 16, 16, 1], 0, 1, 'float32', 3);
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.cast(tf.greater(tf.squeeze(x, [3]), 0.5), 'int32'), 3), 'float32'));
    const before = weightBytes(seg, ['s1', 's2']);
    seg.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const h = await seg.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
    expect(h.history.loss[2]).toBeLessThan(h.history.loss[0] as number);
    expect(weightBytes(seg, ['s1', 's2'])).toEqual(before);
    await roundTrip(seg, x, 'seg');
    // Only the deepest skip: the decoder up-samples on (without skips) to the input size.
    const short = addUnetDecoder(enc, { encoderOutput: 'd2', skips: ['s2'], classes: 1, upsampling: 'upsample' });
    expect(short.outputs[0].shape).toEqual([null, 16, 16, 1]);
    tf.dispose([x, y]);
    enc.dispose();
    seed(undefined);
  });

  test('a skip of the wrong size and unknown names are InputErrors', () => {
    const enc = encoder();
    expect(() => addUnetDecoder(enc, { encoderOutput: 'd2', skips: ['s1'], classes: 2 })).toThrow(
      /addUnetDecoder: skips\[0\]: expected a feature map of size 8x8 .*got layer "s1" with output \[null,16,16,4\]/,
    );
    expect(() => addUnetDecoder(enc, { encoderOutput: 'flat', skips: [], classes: 2 })).toThrow(
      'addUnetDecoder: encoderOutput',
    );
    expect(() => addUnetDecoder(enc, { encoderOutput: 'd2', skips: ['s3'], classes: 2 })).toThrow(/nearest: s1, s2, /);
    expect(() => addUnetDecoder(enc, { encoderOutput: 'd2', skips: ['s2'], classes: 0 })).toThrow(
      'addUnetDecoder: classes',
    );
    enc.dispose();
  });
});
