/**
 * Issue 17's label-error run at full size: all 10,000 MNIST test digits with 2% of the labels (200) flipped on
 * purpose, out-of-fold probabilities from 3-fold stratified cross-validation of a small CNN (two conv layers,
 * built here with tfjs-layers: @tiefe/blocks depends on this package, so its smallCnn cannot be used), then
 * confident learning through datasetReport: precision and recall of the flagged samples against the flipped ones.
 * Second, leakage: the digits split 8,000 / 2,000, 100 test digits replaced by copies of training digits (50 exact,
 * 50 rescaled 0.9x with +-0.02 noise); how many are reported, and how many other pairs.
 */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng, seed, stratifiedKFold } from '@tiefe/core';
import { datasetReport, loadMnist, outOfFoldProbabilities } from '@tiefe/datasets';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'accuracy';
export const backends = ['wasm'];

const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const PIX = 28 * 28;
const EPOCHS = 6;

function createModel(fold: number): tfl.LayersModel {
  seed(100 + fold);
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 5, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: 0.25 }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

export default async function bench(backend: string): Promise<BenchRow[]> {
  const mnist = await loadMnist({ dir: MNIST_DIR, split: 'test' });
  const n = mnist.images.shape[0];
  const pixels = await mnist.images.data();
  const labels = Array.from(await mnist.labels.data());
  tf.dispose(mnist.labels);
  const rng = createRng(17);
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const flipped = new Set(order.slice(0, Math.round(0.02 * n)));
  const noisy = labels.map((l, i) => (flipped.has(i) ? (l + 1 + rng.int(9)) % 10 : l));
  const ys = tf.tensor1d(noisy, 'float32');

  const t0 = performance.now();
  const { probabilities, cv } = await outOfFoldProbabilities({
    createModel,
    x: mnist.images,
    y: ys,
    splitter: stratifiedKFold(noisy, { k: 3, shuffle: true, seed: 1 }),
    fitArgs: { epochs: EPOCHS, batchSize: 64 },
  });
  seed(undefined);
  const trainSeconds = (performance.now() - t0) / 1000;
  const oof = await probabilities.data();
  let cleanRight = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (oof[i * 10 + c] > oof[i * 10 + best]) best = c;
    if (best === labels[i]) cleanRight++;
  }
  const t1 = performance.now();
  const report = await datasetReport(mnist.images, ys, { outOfFoldProbs: probabilities });
  const reportMs = performance.now() - t1;
  tf.dispose([probabilities, ys]);
  const found = report.labelIssues?.indices ?? [];
  const hits = found.filter((i) => flipped.has(i)).length;
  const top = found.slice(0, flipped.size).filter((i) => flipped.has(i)).length;

  // Leakage across an 8,000 / 2,000 split.
  const TRAIN = 8000;
  const testPixels = Float32Array.from(pixels.subarray(TRAIN * PIX));
  const leaks = Array.from({ length: 100 }, (_, k) => ({ train: 79 * k + 3, test: 19 * k + 1 }));
  for (const { train, test } of leaks) {
    const src = pixels.subarray(train * PIX, (train + 1) * PIX);
    testPixels.set(
      test % 2 === 0 ? src : src.map((v) => Math.min(1, Math.max(0, 0.9 * v + 0.04 * (rng.next() - 0.5)))),
      test * PIX,
    );
  }
  tf.dispose(mnist.images);
  const xTrain = tf.tensor4d(pixels.subarray(0, TRAIN * PIX), [TRAIN, 28, 28, 1]);
  const xTest = tf.tensor4d(testPixels, [n - TRAIN, 28, 28, 1]);
  const t2 = performance.now();
  const split = await datasetReport(xTrain, labels.slice(0, TRAIN), {
    testImages: xTest,
    testLabels: labels.slice(TRAIN),
    maxPairs: 1000,
  });
  const splitMs = performance.now() - t2;
  tf.dispose([xTrain, xTest]);
  const reported = new Set(split.acrossSplits?.pairs.map((p) => `${p.first}-${p.second}`));
  const leakFound = leaks.filter(({ train, test }) => reported.has(`${train}-${test}`)).length;
  const total = (split.acrossSplits?.exact ?? 0) + (split.acrossSplits?.near ?? 0);

  const precision = hits / found.length;
  const recall = hits / flipped.size;
  const setup = `${n} MNIST test digits, ${flipped.size} labels flipped (seed 17), 3-fold stratified CV of a 2-conv CNN, ${EPOCHS} epochs, backend ${backend}, 2 shared CPU cores (loaded)`;
  return [
    {
      case: 'confident learning: recall of the 2% flipped labels',
      value: recall,
      unit: 'recall',
      target: '>= 0.8 ("finds most")',
      pass: recall >= 0.8,
      note: `${hits} of ${flipped.size} found; ${setup}`,
    },
    {
      case: 'confident learning: precision of the flagged samples',
      value: precision,
      unit: 'precision',
      note: `${found.length} flagged, ${hits} of them flipped; the rest are mostly ambiguous digits the model gets wrong. Precision of the ${flipped.size} lowest self-confidences: ${(top / flipped.size).toFixed(3)}; estimated noise rate ${(100 * (report.labelIssues?.estimatedNoiseRate ?? 0)).toFixed(2)}% (true 2%)`,
    },
    {
      case: 'out-of-fold accuracy of the CNN (against the clean labels)',
      value: cleanRight / n,
      unit: 'accuracy',
      note: `against the noisy labels ${cv.mean.toFixed(4)} +- ${cv.std.toFixed(4)}; 3 folds trained in ${trainSeconds.toFixed(0)} s; datasetReport with label issues and within-set duplicates of 10,000 digits ${reportMs.toFixed(0)} ms; within-set exact/near pairs ${report.train.duplicates.exact}/${report.train.duplicates.near}`,
    },
    {
      case: 'leakage: injected train/test copies reported (50 exact, 50 rescaled + noise)',
      value: leakFound,
      unit: 'of 100',
      target: '100',
      pass: leakFound === 100,
      note: `${total} cross-split pairs reported in all (${split.acrossSplits?.exact} exact), so ${total - leakFound} not injected; 8,000 x 2,000 pHash comparisons + within each split in ${splitMs.toFixed(0)} ms`,
    },
  ];
}
