import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { forecastData, padSequences, sequenceBatches, timeSplit, Vocabulary, windows } from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('windows and splits', () => {
  test('windows: lookback, horizon, stride and target column, checked element by element', () => {
    const series = Array.from({ length: 12 }, (_, t) => [t, 100 + t]);
    const w = windows(series, { lookback: 3, horizon: 2, stride: 2, target: 1 });
    expect(w.starts).toEqual([0, 2, 4, 6]); // 6 + 3 + 2 = 11 <= 12; 8 would need step 12
    expect(w.x.shape).toEqual([4, 3, 2]);
    const x = w.x.arraySync();
    const y = w.y.arraySync();
    w.starts.forEach((s, i) => {
      expect(x[i].map((r) => r[0])).toEqual([s, s + 1, s + 2]);
      expect(y[i]).toEqual([100 + s + 3, 100 + s + 4]);
    });
    tf.dispose([w.x, w.y]);
  });

  test('forecastData: parts are consecutive, no window or target crosses a boundary, scaler is fitted on train only', async () => {
    const n = 200;
    const series = Array.from({ length: n }, (_, t) => t); // the value is the step index
    const before = tf.memory().numTensors;
    const d = await forecastData(series, { lookback: 10, horizon: 3, stride: 1, train: 0.6, val: 0.2 });
    expect(d.boundaries).toEqual({ val: 120, test: 160 });
    // the training part is 0..119: mean 59.5, population std sqrt((120^2 - 1) / 12)
    expect(d.scaler?.mean[0]).toBeCloseTo(59.5, 4);
    expect(d.scaler?.std[0]).toBeCloseTo(Math.sqrt((120 ** 2 - 1) / 12), 3);
    const steps = async (w: { x: tf.Tensor; y: tf.Tensor }) =>
      [...(await d.inverse(w.x.dataSync())), ...(await d.inverse(w.y.dataSync()))].map(Math.round);
    const [tr, va, te] = [await steps(d.train), await steps(d.val), await steps(d.test)];
    expect(Math.min(...tr)).toBe(0);
    expect(Math.max(...tr)).toBe(119);
    expect(Math.min(...va)).toBe(120);
    expect(Math.max(...va)).toBe(159);
    expect(Math.min(...te)).toBe(160);
    expect(Math.max(...te)).toBe(199);
    expect(d.val.starts[0]).toBe(120);
    expect(d.test.starts.at(-1)).toBe(200 - 13);
    expect(d.train.x.shape[0]).toBe(120 - 13 + 1);
    tf.dispose([d.train.x, d.train.y, d.val.x, d.val.y, d.test.x, d.test.y]);
    d.scaler?.dispose();
    expect(tf.memory().numTensors).toBe(before); // the windows and the scaler's two tensors: nothing else
  });

  test('timeSplit keeps time order; forecastData without normalize keeps the values; a constant feature stays finite', async () => {
    const s = timeSplit([5, 6, 7, 8, 9, 10, 11, 12, 13, 14], { train: 0.5, val: 0.3 });
    expect(s.train.flat()).toEqual([5, 6, 7, 8, 9]);
    expect(s.val.flat()).toEqual([10, 11, 12]);
    expect(s.test.flat()).toEqual([13, 14]);
    const raw = await forecastData([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], {
      lookback: 2,
      train: 0.4,
      val: 0.3,
      normalize: false,
    });
    expect(raw.scaler).toBeNull();
    expect(raw.train.x.arraySync()[0]).toEqual([[1], [2]]);
    expect(await raw.inverse([4, 5])).toEqual([4, 5]);
    // feature 1 is constant in the training part: standardised to 0 (scale 1), never NaN
    const rows = Array.from({ length: 10 }, (_, t) => [t, 7]);
    const c = await forecastData(rows, { lookback: 2, train: 0.4, val: 0.3, target: 1 });
    expect(c.train.x.dataSync().every(Number.isFinite)).toBe(true);
    expect(await c.inverse(c.train.y.dataSync())).toEqual([7, 7].map((v) => expect.closeTo(v, 5)));
  });

  test('NaN, ragged rows and too-short series are typed errors naming the argument', async () => {
    expect(() => windows([1, Number.NaN, 3, 4], { lookback: 2 })).toThrow(/windows: series.*NaN at step 1/);
    expect(() => windows([[1, 2], [3]], { lookback: 1 })).toThrow(InputError);
    expect(() => windows([1, 2], { lookback: 2 })).toThrow(/windows: series: expected at least/);
    await expect(forecastData([1, 2, 3], { lookback: 0 })).rejects.toThrow(/windows: lookback/);
    expect(() => timeSplit([1, 2], { train: 0.9, val: 0.2 })).toThrow(/timeSplit: val/);
  });
});

describe('padding and batching', () => {
  test('padSequences pads and truncates pre and post, with masks and lengths', () => {
    const p = padSequences([[1, 2, 3], [4], [5, 6, 7, 8, 9]], { maxLength: 4 });
    expect(p.x.arraySync()).toEqual([
      [1, 2, 3, 0],
      [4, 0, 0, 0],
      [5, 6, 7, 8],
    ]);
    expect(p.mask.arraySync()).toEqual([
      [1, 1, 1, 0],
      [1, 0, 0, 0],
      [1, 1, 1, 1],
    ]);
    expect(p.lengths).toEqual([3, 1, 4]);
    const q = padSequences(
      [
        [1, 2],
        [5, 6, 7],
      ],
      { maxLength: 2, padding: 'pre', truncating: 'pre', value: -1 },
    );
    expect(q.x.arraySync()).toEqual([
      [1, 2],
      [6, 7],
    ]);
    const r = padSequences(
      [
        [[1, 2]],
        [
          [3, 4],
          [5, 6],
        ],
      ],
      { padding: 'pre' },
    );
    expect(r.x.arraySync()).toEqual([
      [
        [0, 0],
        [1, 2],
      ],
      [
        [3, 4],
        [5, 6],
      ],
    ]);
    expect(r.mask.arraySync()).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(() => padSequences([[1, [2, 3]] as never])).toThrow(/padSequences: sequences/);
  });

  test('sequenceBatches: every sequence once, each batch padded to its own longest, bucketing cuts padding', () => {
    const seqs = Array.from({ length: 10 }, (_, i) => Array.from({ length: 1 + ((i * 7) % 10) }, () => i + 1));
    const seen: number[] = [];
    let padBucket = 0;
    for (const b of sequenceBatches(seqs, { batchSize: 3, bucketByLength: true, seed: 3 })) {
      seen.push(...b.indices);
      expect(b.x.shape[1]).toBe(Math.max(...b.indices.map((i) => seqs[i].length)));
      padBucket += b.mask.size - b.lengths.reduce((a, c) => a + c, 0);
      tf.dispose([b.x, b.mask]);
    }
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    let padPlain = 0;
    for (const b of sequenceBatches(seqs, { batchSize: 3 })) {
      padPlain += b.mask.size - b.lengths.reduce((a, c) => a + c, 0);
      tf.dispose([b.x, b.mask]);
    }
    expect(padBucket).toBeLessThan(padPlain);
  });
});

describe('Vocabulary', () => {
  test('char: ids by frequency, encode/decode round trip, unknown token, JSON save/load', () => {
    const v = Vocabulary.build(['abba', 'ca']);
    expect(v.tokens).toEqual(['<pad>', '<unk>', 'a', 'b', 'c']);
    expect(v.encode('cab')).toEqual([4, 2, 3]);
    expect(v.decode(v.encode('abc'))).toBe('abc');
    expect(v.encode('axb')).toEqual([2, Vocabulary.UNK, 3]);
    expect(() => v.encode('axb', { onUnknown: 'error' })).toThrow(/Vocabulary.encode: text.*"x"/);
    const back = Vocabulary.fromJSON(JSON.stringify(v));
    expect(back.tokens).toEqual(v.tokens);
    expect(back.encode('cab')).toEqual([4, 2, 3]);
    expect(() => Vocabulary.fromJSON('{"format":"other"}')).toThrow(/Vocabulary.fromJSON: json/);
    expect(() => v.decode([7])).toThrow(/Vocabulary.decode: ids/);
  });

  test('word level and maxTokens', () => {
    const v = Vocabulary.build(['the cat sat', 'the  dog'], { level: 'word', maxTokens: 2 });
    expect(v.size).toBe(4);
    expect(v.tokens[2]).toBe('the');
    expect(v.decode(v.encode('the cat'))).toBe('the cat');
    expect(v.encode('the dog')[1]).toBe(Vocabulary.UNK);
  });
});

describe('next-token windows', () => {
  test('targets are the inputs shifted by one; unigram entropy by hand', async () => {
    const { nextTokenWindows, unigramEntropy } = await import('../src/index.js');
    const w = nextTokenWindows([1, 2, 3, 4, 5, 6, 7], { length: 3, stride: 2 });
    expect(w.x.arraySync()).toEqual([
      [1, 2, 3],
      [3, 4, 5],
    ]);
    expect(w.y.arraySync()).toEqual([
      [2, 3, 4],
      [4, 5, 6],
    ]);
    expect(unigramEntropy([1, 1, 2, 3])).toBeCloseTo(1.5, 12);
    expect(() => nextTokenWindows([1, 2], { length: 2 })).toThrow(/nextTokenWindows: ids/);
  });
});
