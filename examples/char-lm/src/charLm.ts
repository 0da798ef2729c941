/**
 * A character language model on a text the program generates itself (strings of the embedded Reber grammar):
 * trains an LSTM to predict the next character, reports validation bits per character against the unigram
 * entropy and the grammar's own entropy rate, and prints samples at a few temperatures with the share of
 * sampled strings the grammar accepts. Saves the model and its vocabulary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, seed } from '@tiefe/core';
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

/** Options of {@link runCharLm}. */
export interface CharLmOptions {
  /** Folder for report.json, model/ and vocab.json. */
  outDir: string;
  /** Grammar strings in the text; default 3000 (about 40,000 characters). */
  strings?: number;
  /** Training epochs; default 10. */
  epochs?: number;
  /** LSTM units; default 64. */
  units?: number;
  /** Sampling temperatures; default [0.5, 1, 1.5]. */
  temperatures?: number[];
  /** Characters sampled per temperature; default 400. */
  sampleLength?: number;
  /** Progress lines; default console.log. */
  log?: (line: string) => void;
}

/** What {@link runCharLm} writes to report.json. */
export interface CharLmReport {
  backend: string;
  characters: number;
  bitsPerChar: number;
  unigramEntropy: number;
  grammarEntropyRate: number;
  samples: Array<{ temperature: number; text: string; complete: number; valid: number }>;
  seconds: number;
}

export async function runCharLm(options: CharLmOptions): Promise<CharLmReport> {
  const {
    outDir,
    strings = 3000,
    epochs = 10,
    units = 64,
    temperatures = [0.5, 1, 1.5],
    sampleLength = 400,
    log = console.log,
  } = options;
  const backend = await initBackend();
  seed(3);
  const t0 = performance.now();
  const { text, bits } = reberText({ strings, seed: 7 });
  const vocab = Vocabulary.build([text]);
  const ids = vocab.encode(text);
  const cut = Math.floor(ids.length * 0.9);
  const train = nextTokenWindows(ids.slice(0, cut), { length: 40, stride: 20 });
  const val = nextTokenWindows(ids.slice(cut), { length: 40 });
  log(`backend: ${backend.name}; ${text.length} characters of the embedded Reber grammar, ${vocab.size - 2} distinct`);
  const model = recurrentModel({
    cell: 'lstm',
    embedding: { vocabSize: vocab.size, dim: 8, maskZero: false },
    units,
    output: 'sequence',
    outputUnits: vocab.size,
    outputActivation: 'softmax',
  });
  model.compile({ optimizer: tf.train.adam(5e-3), loss: 'sparseCategoricalCrossentropy' });
  const [y, vy] = [tf.expandDims(train.y, -1), tf.expandDims(val.y, -1)];
  await model.fit(train.x, y, {
    epochs,
    batchSize: 64,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: async (e, logs) =>
        log(`epoch ${e + 1}: train ${((logs?.loss ?? Number.NaN) / Math.LN2).toFixed(3)} bits/char`),
    },
  });
  const loss = model.evaluate(val.x, vy) as tf.Scalar;
  const bitsPerChar = (await loss.data())[0] / Math.LN2;
  tf.dispose([loss, y, vy, train.x, train.y, val.x, val.y]);
  const unigram = unigramEntropy(ids);
  const rate = bits / text.length;
  log(
    `validation ${bitsPerChar.toFixed(3)} bits/char; unigram entropy ${unigram.toFixed(3)}, grammar entropy rate ${rate.toFixed(3)}`,
  );
  const live = await streamingModel(model);
  const samples: CharLmReport['samples'] = [];
  for (const temperature of temperatures) {
    const out = vocab.decode(generate(live, { prompt: vocab.encode('B'), length: sampleLength, temperature, seed: 1 }));
    const v = reberValidity(`B${out}`);
    samples.push({ temperature, text: `B${out}`, ...v });
    log(`T=${temperature}: ${v.valid}/${v.complete} sampled strings follow the grammar: B${out.slice(0, 70)}`);
  }
  live.dispose();
  mkdirSync(outDir, { recursive: true });
  await model.save(`file://${join(outDir, 'model')}`);
  writeFileSync(join(outDir, 'vocab.json'), JSON.stringify(vocab));
  model.optimizer.dispose();
  model.dispose();
  const report: CharLmReport = {
    backend: backend.name,
    characters: text.length,
    bitsPerChar,
    unigramEntropy: unigram,
    grammarEntropyRate: rate,
    samples,
    seconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
