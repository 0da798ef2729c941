import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { greedyDecode, recurrentModel, seq2seqInference, seq2seqRepeat, seq2seqTeacherForced } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tiefe-seq-'));
beforeAll(() => initBackend({ prefer: ['cpu'] }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function roundTrip(m: tfl.LayersModel, x: tf.Tensor | tf.Tensor[], name: string): Promise<void> {
  const before = m.predict(x) as tf.Tensor;
  await m.save(`file://${join(dir, name)}`);
  const loaded = await tfl.loadLayersModel(`file://${join(dir, name, 'model.json')}`);
  const after = loaded.predict(x) as tf.Tensor;
  expect(after.shape).toEqual(before.shape);
  expect(tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]).toBeLessThan(1e-6);
  tf.dispose([before, after]);
  loaded.dispose();
}

describe('recurrentModel', () => {
  test.each(['simpleRnn', 'lstm', 'gru'] as const)(
    '%s many-to-one and many-to-many: shapes, save/load',
    async (cell) => {
      const x = tf.randomNormal([3, 5, 2], 0, 1, 'float32', 1);
      const one = recurrentModel({ cell, timeSteps: 5, features: 2, units: [4, 3], outputUnits: 2 });
      expect((one.predict(x) as tf.Tensor).shape).toEqual([3, 2]);
      expect(one.layers.map((l) => l.getClassName())).toEqual([
        'InputLayer',
        cell === 'simpleRnn' ? 'SimpleRNN' : cell.toUpperCase(),
        cell === 'simpleRnn' ? 'SimpleRNN' : cell.toUpperCase(),
        'Dense',
      ]);
      const many = recurrentModel({
        cell,
        features: 2,
        units: 4,
        output: 'sequence',
        outputUnits: 3,
        outputActivation: 'softmax',
        bidirectional: true,
      });
      const y = many.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([3, 5, 3]);
      expect(
        tf
          .sum(y, -1)
          .dataSync()
          .every((s) => Math.abs(s - 1) < 1e-5),
      ).toBe(true);
      expect(many.getLayer('bidirectional_0').getClassName()).toBe('Bidirectional');
      await roundTrip(one, x, `${cell}-one`);
      await roundTrip(many, x, `${cell}-many`);
      tf.dispose([x, y]);
    },
  );

  test('the last output of a single-layer SimpleRNN equals tanh(W x + U h + b) computed by hand', () => {
    const m = recurrentModel({ cell: 'simpleRnn', features: 2, units: 3, outputUnits: 1 });
    const x = tf.randomNormal([1, 4, 2], 0, 1, 'float32', 2);
    const rnn = tfl.model({ inputs: m.inputs, outputs: m.getLayer('simpleRnn_0').output as tfl.SymbolicTensor });
    const got = (rnn.predict(x) as tf.Tensor).dataSync();
    const [w, u, b] = m
      .getLayer('simpleRnn_0')
      .getWeights()
      .map((t) => t.arraySync() as number[][]);
    const xs = (x.arraySync() as number[][][])[0];
    let h = [0, 0, 0];
    for (const xt of xs) {
      h = h.map((_, j) =>
        Math.tanh(
          xt.reduce((s, v, i) => s + v * w[i][j], 0) +
            h.reduce((s, v, i) => s + v * u[i][j], 0) +
            (b as unknown as number[])[j],
        ),
      );
    }
    for (const [j, v] of h.entries()) expect(got[j]).toBeCloseTo(v, 5);
  });

  test('embedding with maskZero: trailing padding does not change a many-to-one output', () => {
    const m = recurrentModel({ cell: 'gru', embedding: { vocabSize: 10, dim: 4 }, units: 5, outputUnits: 2 });
    const short = tf.tensor2d([[3, 4, 5]]);
    const padded = tf.tensor2d([[3, 4, 5, 0, 0]]);
    const a = m.predict(short) as tf.Tensor;
    const b = m.predict(padded) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-6);
    // and without the mask it would: the padded steps then move the state
    const unmasked = recurrentModel({
      cell: 'gru',
      embedding: { vocabSize: 10, dim: 4, maskZero: false },
      units: 5,
      outputUnits: 2,
    });
    unmasked.setWeights(m.getWeights());
    const c = unmasked.predict(padded) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(a, c))).dataSync()[0]).toBeGreaterThan(1e-4);
    tf.dispose([short, padded, a, b, c]);
  });

  test('maskValue masks zero-padded real-valued steps', () => {
    const m = recurrentModel({ cell: 'lstm', features: 2, maskValue: 0, units: 3, outputUnits: 1 });
    const a = m.predict(
      tf.tensor3d([
        [
          [1, 2],
          [3, 4],
        ],
      ]),
    ) as tf.Tensor;
    const b = m.predict(
      tf.tensor3d([
        [
          [1, 2],
          [3, 4],
          [0, 0],
        ],
      ]),
    ) as tf.Tensor;
    expect(Math.abs(a.dataSync()[0] - b.dataSync()[0])).toBeLessThan(1e-6);
  });

  test('dropout and recurrentDropout reach the layers, are active in training only and survive save/load', async () => {
    const m = recurrentModel({
      cell: 'lstm',
      features: 3,
      units: 8,
      outputUnits: 1,
      dropout: 0.5,
      recurrentDropout: 0.25,
    });
    const cfg = m.getLayer('lstm_0').getConfig();
    expect([cfg.dropout, cfg.recurrentDropout]).toEqual([0.5, 0.25]);
    const x = tf.ones([2, 4, 3]);
    const p1 = (m.predict(x) as tf.Tensor).dataSync();
    const p2 = (m.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(p1)).toEqual(Array.from(p2));
    const train = (m.apply(x, { training: true }) as tf.Tensor).dataSync();
    expect(Math.abs(train[0] - p1[0])).toBeGreaterThan(1e-6);
    await m.save(`file://${join(dir, 'dropout')}`);
    const loaded = await tfl.loadLayersModel(`file://${join(dir, 'dropout', 'model.json')}`);
    expect(loaded.getLayer('lstm_0').getConfig().recurrentDropout).toBe(0.25);
  });

  test('bad options name the argument', () => {
    expect(() => recurrentModel({ outputUnits: 1, cell: 'rnn' as 'lstm' })).toThrow(/recurrentModel: cell/);
    expect(() => recurrentModel({ outputUnits: 1, units: [4, 0] })).toThrow(InputError);
    expect(() => recurrentModel({ outputUnits: 1, dropout: 1 })).toThrow(/recurrentModel: dropout/);
    expect(() => recurrentModel({ outputUnits: 0 })).toThrow(/recurrentModel: outputUnits/);
  });
});

describe('seq2seq', () => {
  test('seq2seqRepeat: shapes and save/load', async () => {
    const m = seq2seqRepeat({
      inputVocab: 13,
      outputVocab: 12,
      inputSteps: 7,
      outputSteps: 4,
      units: 8,
      embeddingDim: 4,
    });
    const x = tf.tensor2d([
      [1, 2, 3, 11, 4, 5, 0],
      [3, 3, 11, 2, 0, 0, 0],
    ]);
    expect((m.predict(x) as tf.Tensor).shape).toEqual([2, 4, 12]);
    expect(m.layers.some((l) => l.getClassName() === 'RepeatVector')).toBe(true);
    await roundTrip(m, x, 'repeat');
  });

  test('seq2seqTeacherForced: the step-by-step inference decoder reproduces the teacher-forced outputs, also after reload', async () => {
    const m = seq2seqTeacherForced({ cell: 'lstm', inputVocab: 9, outputVocab: 7, units: 6, embeddingDim: 3 });
    const src = tf.tensor2d([
      [1, 2, 3, 0],
      [4, 5, 6, 7],
    ]);
    const dec = tf.tensor2d([
      [1, 3, 2],
      [1, 6, 5],
    ]);
    const full = m.predict([src, dec]) as tf.Tensor;
    expect(full.shape).toEqual([2, 3, 7]);
    await roundTrip(m, [src, dec], 'teacher');
    const loaded = await tfl.loadLayersModel(`file://${join(dir, 'teacher', 'model.json')}`);
    const inf = seq2seqInference(loaded);
    let states = [inf.encoder.predict(src)].flat() as tf.Tensor[];
    const steps: tf.Tensor[] = [];
    for (let t = 0; t < 3; t++) {
      const [p, ...next] = inf.decoder.predict([tf.slice(dec, [0, t], [2, 1]), ...states]) as tf.Tensor[];
      steps.push(p);
      states = next;
    }
    const stepped = tf.concat(steps, 1);
    expect(tf.max(tf.abs(tf.sub(full, stepped))).dataSync()[0]).toBeLessThan(1e-5);
    const before = tf.memory().numTensors;
    const ids = greedyDecode(inf, src, { startToken: 1, maxLength: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(ids.length).toBe(2);
    expect(ids[0].length).toBe(3);
    expect(() => seq2seqInference(recurrentModel({ outputUnits: 1 }))).toThrow(/seq2seqInference: model/);
  });
});

test('LSTM and GRU layers use the logistic sigmoid for their gates (Keras 2+, PyTorch), not hardSigmoid', () => {
  const m = recurrentModel({ cell: 'lstm', features: 1, units: 2, outputUnits: 1 });
  expect(m.getLayer('lstm_0').getConfig().recurrentActivation).toBe('sigmoid');
  const g = recurrentModel({ cell: 'gru', features: 1, units: 2, outputUnits: 1 });
  expect(g.getLayer('gru_0').getConfig().recurrentActivation).toBe('sigmoid');
});

test.each(['lstm', 'gru'] as const)(
  'fused: true swaps in the fused %s with the same weights and outputs (also masked), saves and reloads; refused with dropout',
  async (cell) => {
    const name = cell === 'lstm' ? 'FusedLSTM' : 'FusedGRU';
    const options = { cell, timeSteps: 5, features: 2, units: [4, 3], outputUnits: 1 };
    const plain = recurrentModel(options);
    const fused = recurrentModel({ ...options, fused: true });
    expect(fused.layers.map((l) => l.getClassName())).toEqual(['InputLayer', name, name, 'Dense']);
    fused.setWeights(plain.getWeights());
    const x = tf.randomNormal([3, 5, 2], 0, 1, 'float32', 4);
    const a = plain.predict(x) as tf.Tensor;
    const b = fused.predict(x) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
    await roundTrip(fused, x, `fused-${cell}`);
    // padded token sequences: the Embedding's mask reaches the fused layers as it reaches tfjs's
    const tokens = { cell, embedding: { vocabSize: 6, dim: 3 }, units: 4, outputUnits: 2 };
    const plainTokens = recurrentModel(tokens);
    const fusedTokens = recurrentModel({ ...tokens, fused: true });
    fusedTokens.setWeights(plainTokens.getWeights());
    const ids = tf.tensor2d([
      [1, 2, 3, 0, 0],
      [4, 0, 5, 1, 0],
    ]);
    const pa = plainTokens.predict(ids) as tf.Tensor;
    const pb = fusedTokens.predict(ids) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(pa, pb))).dataSync()[0]).toBeLessThan(1e-5);
    expect(() => recurrentModel({ outputUnits: 1, fused: true, cell, dropout: 0.1 })).toThrow(/recurrentModel: fused/);
    expect(() => recurrentModel({ outputUnits: 1, fused: true, cell: 'simpleRnn' })).toThrow(/recurrentModel: fused/);
  },
);
