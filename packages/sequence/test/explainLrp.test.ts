import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend, seed } from '@tiefe/core';
import { lrp, rules, UnsupportedLayerError } from '@tiefe/explain';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RecurrentModelOptions, recurrentModel, seq2seqRepeat, seq2seqTeacherForced } from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));
afterAll(() => seed(undefined));

const tokens = () =>
  tf.tensor2d([
    [3, 1, 4, 0, 0],
    [2, 5, 1, 3, 0],
  ]);
const series = () =>
  tf.tensor3d(
    Array.from({ length: 2 * 5 * 2 }, (_, i) => Math.sin(i) * 0.8),
    [2, 5, 2],
  );

/**
 * @tiefe/explain's LRP on every model the sequence builders make (this test lives here because sequence depends
 * on explain, not the other way round).
 */
describe('LRP on the sequence builders', () => {
  const base = { timeSteps: 5, units: [3, 3], outputUnits: 2 };
  test.each<[string, RecurrentModelOptions, 'tokens' | 'series']>([
    ['stacked LSTM', { ...base, features: 2 }, 'series'],
    ['stacked GRU', { ...base, cell: 'gru', features: 2 }, 'series'],
    ['stacked SimpleRNN', { ...base, cell: 'simpleRnn', features: 2 }, 'series'],
    ['bidirectional LSTM, concat', { ...base, features: 2, bidirectional: true }, 'series'],
    ['bidirectional GRU, sum', { ...base, cell: 'gru', features: 2, bidirectional: true, mergeMode: 'sum' }, 'series'],
    ['bidirectional LSTM, ave', { ...base, features: 2, bidirectional: true, mergeMode: 'ave' }, 'series'],
    ['Embedding (maskZero) + LSTM', { ...base, embedding: { vocabSize: 6, dim: 3 } }, 'tokens'],
    [
      'Embedding + bidirectional GRU',
      { ...base, cell: 'gru', embedding: { vocabSize: 6, dim: 3 }, bidirectional: true },
      'tokens',
    ],
    ['Masking + LSTM', { ...base, features: 2, maskValue: 0 }, 'series'],
    [
      'many-to-many (TimeDistributed head, softmax)',
      { ...base, features: 2, output: 'sequence', outputActivation: 'softmax' },
      'series',
    ],
    ['FusedLSTM', { ...base, features: 2, fused: true }, 'series'],
    [
      'FusedLSTM + Embedding (no mask)',
      { ...base, fused: true, embedding: { vocabSize: 6, dim: 3, maskZero: false } },
      'tokens',
    ],
  ])('%s', async (_name, options, input) => {
    seed(2);
    const m = recurrentModel(options);
    const x = input === 'tokens' ? tokens() : series();
    const before = tf.memory().numTensors;
    const r = await lrp(m, x, { target: 1, rule: rules.epsilon({ epsilon: 1e-3 }) });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(r.shape).toEqual(x.shape);
    const v = await r.data();
    expect(v.every(Number.isFinite)).toBe(true);
    expect(v.some((e) => e !== 0)).toBe(true);
    if (input === 'tokens' && options.embedding?.maskZero !== false) {
      // padded (masked) steps get no relevance
      expect([v[3], v[4], v[9]]).toEqual([0, 0, 0]);
    }
    tf.dispose([x, r]);
    m.dispose();
  });

  test('FusedLSTM gets the LSTM rule: the same relevance as tfjs LSTM with its weights', async () => {
    seed(3);
    const fused = recurrentModel({ timeSteps: 5, features: 2, units: 3, outputUnits: 2, fused: true });
    const plain = recurrentModel({ timeSteps: 5, features: 2, units: 3, outputUnits: 2 });
    plain.setWeights(fused.getWeights());
    const x = series();
    const a = await lrp(fused, x, { target: 0 });
    const b = await lrp(plain, x, { target: 0 });
    const [av, bv] = [await a.data(), await b.data()];
    expect(Math.max(...bv.map(Math.abs))).toBeGreaterThan(1e-3);
    expect(Math.max(...bv.map((w, i) => Math.abs(av[i] - w)))).toBeLessThan(1e-5);
    tf.dispose([x, a, b]);
    fused.dispose();
    plain.dispose();
  });

  test('a per-step output explains one step: a unidirectional LSTM puts no relevance on later steps', async () => {
    seed(4);
    const m = recurrentModel({ timeSteps: 5, features: 2, units: 3, outputUnits: 2, output: 'sequence' });
    const x = series();
    const r = await lrp(m, x, { target: { class: 1, pixel: [2] } });
    const v = (await r.array()) as number[][][];
    for (const seqR of v) {
      expect(
        seqR
          .slice(3)
          .flat()
          .every((e) => e === 0),
      ).toBe(true);
      expect(
        seqR
          .slice(0, 3)
          .flat()
          .some((e) => e !== 0),
      ).toBe(true);
    }
    tf.dispose([x, r]);
    m.dispose();
  });

  test('seq2seqRepeat (RepeatVector, TimeDistributed softmax) is explained; what cannot be, says why', async () => {
    seed(5);
    const s2s = seq2seqRepeat({
      inputVocab: 6,
      outputVocab: 5,
      inputSteps: 5,
      outputSteps: 3,
      units: 4,
      embeddingDim: 3,
    });
    const x = tokens();
    const r = await lrp(s2s, x, { target: { class: 2, pixel: [1] } });
    expect(r.shape).toEqual([2, 5]);
    expect((await r.data()).every(Number.isFinite)).toBe(true);
    tf.dispose([r]);
    // mergeMode 'mul' multiplies the two directions: no conservative split
    const mul = recurrentModel({
      timeSteps: 5,
      features: 2,
      units: 3,
      outputUnits: 2,
      bidirectional: true,
      mergeMode: 'mul',
    });
    const xs = series();
    await expect(lrp(mul, xs)).rejects.toThrow(UnsupportedLayerError);
    // the teacher-forced training model has two inputs (source and shifted target): LRP explains one-input models
    const tf2 = seq2seqTeacherForced({ inputVocab: 6, outputVocab: 5, units: 4, embeddingDim: 3 });
    await expect(lrp(tf2 as tfl.LayersModel, x)).rejects.toThrow(InputError);
    tf.dispose([x, xs]);
    s2s.dispose();
    mul.dispose();
    tf2.dispose();
  });
});
