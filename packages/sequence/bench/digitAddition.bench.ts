/**
 * Keras's `addition_rnn` task: 3-digit additions as characters ('123+45 ' reversed -> '168 '), a repeatVector
 * encoder-decoder (LSTM 128, embedding 16), 45,000 distinct training pairs and 5,000 held-out pairs (no pair in
 * both). Reports exact-match accuracy on the held-out pairs after a budget of epochs (TIEFE_ADDITION_EPOCHS,
 * default 30) or of time (TIEFE_ADDITION_BUDGET_S, default 600 s), whichever ends first. Keras reports 99 %
 * after about 100 epochs of 50,000 examples. Wasm only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { seed } from '@tiefe/core';
import { digitAddition, seq2seqRepeat, Vocabulary } from '@tiefe/sequence';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'accuracy';

export const backends = ['wasm'];

export default async function bench(): Promise<BenchRow[]> {
  seed(4);
  const data = digitAddition({ count: 50000, digits: 3, seed: 9 });
  const vocab = Vocabulary.build([data.alphabet]);
  const enc = (s: string[]) => tf.tensor2d(s.map((q) => vocab.encode(q, { onUnknown: 'error' })));
  const split = 45000;
  const xTrain = enc(data.questions.slice(0, split));
  const yTrain = tf.expandDims(enc(data.answers.slice(0, split)), -1);
  const xTest = enc(data.questions.slice(split));
  const answers = data.answers.slice(split);
  const model = seq2seqRepeat({
    inputVocab: vocab.size,
    outputVocab: vocab.size,
    inputSteps: 7,
    outputSteps: 4,
    units: 128,
    embeddingDim: 16,
  });
  model.compile({ optimizer: tf.train.adam(2e-3), loss: 'sparseCategoricalCrossentropy' });
  const maxEpochs = Number(process.env.TIEFE_ADDITION_EPOCHS ?? 30);
  const budget = 1000 * Number(process.env.TIEFE_ADDITION_BUDGET_S ?? 600);
  const t0 = performance.now();
  const accuracy = async (): Promise<number> => {
    const p = model.predict(xTest) as tf.Tensor;
    const ids = tf.argMax(p, -1);
    const rows = (await ids.array()) as number[][];
    tf.dispose([p, ids]);
    return rows.filter((r, i) => vocab.decode(r) === answers[i]).length / rows.length;
  };
  let epochs = 0;
  let acc = 0;
  while (epochs < maxEpochs && performance.now() - t0 < budget) {
    await model.fit(xTrain, yTrain, { epochs: 1, batchSize: 128, verbose: 0, shuffle: true });
    epochs++;
    acc = await accuracy();
    process.stderr.write(
      `digit addition epoch ${epochs}: held-out exact match ${(100 * acc).toFixed(1)} % (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
    );
    if (acc >= 0.995) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([xTrain, yTrain, xTest]);
  model.dispose();
  return [
    {
      case: 'digit addition seq2seq (3 digits, LSTM 128): held-out exact match',
      value: 100 * acc,
      unit: '% of 5000',
      target: '>= 99 %',
      pass: acc >= 0.99,
      note: `45,000 training pairs, ${epochs} epochs of batch 128, ${seconds.toFixed(0)} s`,
    },
  ];
}
