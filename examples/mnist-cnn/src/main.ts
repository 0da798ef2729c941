/**
 * `npm start`: trains a small CNN on real MNIST digits on the best backend found and prints the test accuracy.
 *
 * Reads the official IDX files from MNIST_DIR (default: ../shared/data/mnist beside the repository), which
 * holds the 10,000 test digits: 8,000 train the net, 2,000 held out measure it. Without that folder it trains
 * on a clearly labelled synthetic stand-in (shapes instead of digits) so the pipeline still runs end to end.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { classificationReport, initBackend, progressBar, saveCheckpoint, seed } from '@tiefe/core';
import { type LabeledImages, loadMnist, syntheticShapeClasses, trainTestSplit } from '@tiefe/datasets';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const mnistDir = process.env.MNIST_DIR ?? resolve(repo, '../shared/data/mnist');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/mnist-cnn/out'));
const epochs = Number(process.env.EPOCHS ?? 3);

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

async function loadData(): Promise<{ data: LabeledImages; source: string }> {
  if (existsSync(mnistDir)) {
    return { data: await loadMnist({ dir: mnistDir, split: 'test' }), source: `MNIST test digits from ${mnistDir}` };
  }
  console.log(`No MNIST files in ${mnistDir} (set MNIST_DIR): using the SYNTHETIC stand-in instead of digits.`);
  return { data: syntheticShapeClasses({ count: 10_000, size: 28, seed: 1 }), source: 'SYNTHETIC shapes (not MNIST)' };
}

async function main(): Promise<void> {
  const backend = await initBackend();
  console.log(`backend: ${backend.name}${backend.adapter ? ` (${backend.adapter.description})` : ''}`);
  for (const s of backend.skipped) console.log(`  passed over ${s.name}: ${s.reason}`);
  seed(42);

  const { data, source } = await loadData();
  const { train, test } = trainTestSplit(data, { testSize: 2000, seed: 42, stratify: true });
  tf.dispose([data.images, data.labels]);
  console.log(`data: ${source}; ${train.images.shape[0]} train, ${test.images.shape[0]} test`);

  const classes = data.classNames.length;
  const model = buildCnn(train.images.shape.slice(1), classes);
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  // tfjs-layers' sparse categorical cross-entropy floors its labels and so wants them as float32.
  const trainLabels = tf.cast(train.labels, 'float32');
  await model.fit(train.images, trainLabels, {
    epochs,
    batchSize: 64,
    validationSplit: 0.1,
    callbacks: [progressBar()],
  });
  const seconds = (performance.now() - started) / 1000;

  const probabilities = model.predict(test.images) as tf.Tensor;
  const report = await classificationReport(test.labels, probabilities, { classNames: data.classNames });
  probabilities.dispose();
  console.log(report.toString());

  mkdirSync(outDir, { recursive: true });
  await saveCheckpoint(join(outDir, 'checkpoint'), { model, optimizer, epoch: epochs });
  const summary = {
    backend: backend.name,
    adapter: backend.adapter,
    source,
    epochs,
    trainSeconds: seconds,
    accuracy: report.accuracy,
  };
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(
    `test accuracy ${(report.accuracy * 100).toFixed(2)}% on ${backend.name} after ${epochs} epochs (${seconds.toFixed(1)} s of training)`,
  );
  console.log(
    `output: ${relative(process.cwd(), join(outDir, 'report.json'))} and the model checkpoint in ${relative(process.cwd(), join(outDir, 'checkpoint'))}`,
  );

  tf.dispose([train.images, train.labels, trainLabels, test.images, test.labels]);
  model.dispose();
}

try {
  await main();
  // Dawn keeps native handles open after the work is done; the program has finished.
  process.exit(0);
} catch (e) {
  // Print the message, not Node's dump of the source line (for wasm errors, the whole emscripten bundle).
  console.error(`mnist-cnn failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
