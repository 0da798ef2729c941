/**
 * A character language model on text the bench builds itself: 3,000 strings of the embedded Reber grammar
 * (about 40,000 characters; the last 10 % is validation). An LSTM (embedding 8, 64 units) predicts the next
 * character at every step of 40-character windows. Reports validation bits per character against the unigram
 * entropy of the text and the grammar's own entropy rate (what a perfect model reaches), and the share of
 * complete strings in 3,000 sampled characters (temperature 1 and 0.5) that the grammar accepts. Wasm only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { seed } from '@tiefe/core';
import {
  generate,
  nextTokenWindows,
  reberText,
  reberValidity,
  recurrentModel,
  streamingModel,
  unigramEntropy,
  Vocabulary,
} from '@tiefe/sequence';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'accuracy';

export const backends = ['wasm'];

export default async function bench(): Promise<BenchRow[]> {
  seed(3);
  const { text, bits } = reberText({ strings: 3000, seed: 7 });
  const vocab = Vocabulary.build([text]);
  const ids = vocab.encode(text);
  const cut = Math.floor(ids.length * 0.9);
  const train = nextTokenWindows(ids.slice(0, cut), { length: 40, stride: 20 });
  const val = nextTokenWindows(ids.slice(cut), { length: 40, stride: 40 });
  const model = recurrentModel({
    cell: 'lstm',
    embedding: { vocabSize: vocab.size, dim: 8, maskZero: false },
    units: 64,
    output: 'sequence',
    outputUnits: vocab.size,
    outputActivation: 'softmax',
  });
  model.compile({ optimizer: tf.train.adam(5e-3), loss: 'sparseCategoricalCrossentropy' });
  const epochs = Number(process.env.TIEFE_CHARLM_EPOCHS ?? 12);
  const y3 = tf.expandDims(train.y, -1);
  const v3 = tf.expandDims(val.y, -1);
  const t0 = performance.now();
  await model.fit(train.x, y3, { epochs, batchSize: 64, verbose: 0, shuffle: true });
  const seconds = (performance.now() - t0) / 1000;
  const loss = model.evaluate(val.x, v3) as tf.Scalar;
  const bpc = (await loss.data())[0] / Math.LN2;
  tf.dispose([loss, y3, v3, train.x, train.y, val.x, val.y]);
  const unigram = unigramEntropy(ids);
  const optimum = bits / text.length;
  const live = await streamingModel(model);
  const rows: BenchRow[] = [
    {
      case: 'char LM on the embedded Reber grammar, LSTM 64: validation bits/char',
      value: bpc,
      unit: 'bits/char',
      target: `< 0.6 x unigram (${(0.6 * unigram).toFixed(2)})`,
      pass: bpc < 0.6 * unigram,
      note: `unigram entropy ${unigram.toFixed(3)}, grammar entropy rate ${optimum.toFixed(3)}; ${epochs} epochs, ${seconds.toFixed(0)} s`,
    },
  ];
  for (const temperature of [1, 0.5]) {
    const out = vocab.decode(generate(live, { prompt: vocab.encode('B'), length: 3000, temperature, seed: 1 }));
    const v = reberValidity(`B${out}`);
    rows.push({
      case: `char LM samples at temperature ${temperature}: strings the grammar accepts`,
      value: (100 * v.valid) / Math.max(v.complete, 1),
      unit: `% of ${v.complete}`,
      target: temperature === 1 ? '>= 90 %' : undefined,
      pass: temperature === 1 ? v.valid >= 0.9 * v.complete : undefined,
      note: `sample: ${out.slice(0, 60)}`,
    });
  }
  live.dispose();
  model.dispose();
  return rows;
}
