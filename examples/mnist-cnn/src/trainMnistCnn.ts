/**
 * The `npm start` program: trains a small CNN on real MNIST digits on the best backend found, prints a
 * classification report, and writes `report.json` and a checkpoint (model and Adam state) to `outDir`.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type AdapterInfo, classificationReport, initBackend, progressBar, saveCheckpoint, seed } from '@tiefe/core';
import { type LabeledImages, loadMnist, syntheticShapeClasses, trainTestSplit } from '@tiefe/datasets';

/** Options of {@link trainMnistCnn}. */
export interface MnistCnnOptions {
  /** Folder with the official t10k IDX files; when it does not exist, a synthetic stand-in is used. */
  mnistDir: string;
  /** Where report.json and checkpoint/ go. */
  outDir: string;
  /** Training epochs (default 3). */
  epochs?: number;
  /** Use only the first `limit` digits (default all 10,000); a fifth of them (at most 2,000) is held out. */
  limit?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

/** What {@link trainMnistCnn} writes to `report.json`. */
export interface MnistCnnReport {
  backend: string;
  adapter?: AdapterInfo;
  source: string;
  epochs: number;
  train: number;
  test: number;
  trainSeconds: number;
  accuracy: number;
}

/** conv 32 3x3 relu, maxpool, conv 64 3x3 relu, maxpool, dense 10: the reference CNN of the benchmarks. */
function buildCnn(inputShape: number[], classes: number): tfl.LayersModel {
  const input = tfl.input({ shape: inputShape });
  let x = tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers.dense({ units: classes, activation: 'softmax' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: 'mnist_cnn' });
}

async function loadData(dir: string, limit: number | undefined, log: (line: string) => void) {
  if (existsSync(dir)) {
    const data = await loadMnist({ dir, split: 'test', limit });
    return { data, source: `MNIST test digits from ${dir}` };
  }
  log(`No MNIST files in ${dir} (set MNIST_DIR): using the SYNTHETIC stand-in instead of digits.`);
  const data: LabeledImages = syntheticShapeClasses({ count: limit ?? 10_000, size: 28, seed: 1 });
  return { data, source: 'SYNTHETIC shapes (not MNIST)' };
}

/** Trains, evaluates on the held-out digits, writes `outDir/report.json` and `outDir/checkpoint/`. */
export async function trainMnistCnn(options: MnistCnnOptions): Promise<MnistCnnReport> {
  const { mnistDir, outDir, epochs = 3, limit, log = console.log } = options;
  const backend = await initBackend();
  log(`backend: ${backend.name}${backend.adapter ? ` (${backend.adapter.description})` : ''}`);
  for (const s of backend.skipped) log(`  passed over ${s.name}: ${s.reason}`);
  seed(42);

  const { data, source } = await loadData(mnistDir, limit, log);
  const testSize = Math.min(2000, Math.round(data.images.shape[0] / 5));
  const { train, test } = trainTestSplit(data, { testSize, seed: 42, stratify: true });
  tf.dispose([data.images, data.labels]);
  log(`data: ${source}; ${train.images.shape[0]} train, ${test.images.shape[0]} test`);

  const model = buildCnn(train.images.shape.slice(1), data.classNames.length);
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  await model.fit(train.images, train.labels, {
    epochs,
    batchSize: 64,
    validationSplit: 0.1,
    callbacks: [progressBar()],
  });
  const trainSeconds = (performance.now() - started) / 1000;

  const probabilities = model.predict(test.images) as tf.Tensor;
  const report = await classificationReport(test.labels, probabilities, { classNames: data.classNames });
  probabilities.dispose();
  log(report.toString());

  mkdirSync(outDir, { recursive: true });
  await saveCheckpoint(join(outDir, 'checkpoint'), { model, optimizer, epoch: epochs });
  const summary: MnistCnnReport = {
    backend: backend.name,
    adapter: backend.adapter,
    source,
    epochs,
    train: train.images.shape[0],
    test: test.images.shape[0],
    trainSeconds,
    accuracy: report.accuracy,
  };
  const file = join(outDir, 'report.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  log(
    `test accuracy ${(report.accuracy * 100).toFixed(2)}% on ${backend.name} after ${epochs} epochs (${trainSeconds.toFixed(1)} s of training)`,
  );
  tf.dispose([train.images, train.labels, test.images, test.labels]);
  model.dispose();
  optimizer.dispose();
  return summary;
}
