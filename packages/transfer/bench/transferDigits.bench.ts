/**
 * The issue's numbers, through the package's public API: blocks' smallCnn trained on every digit 0-4 of the
 * 8,000-digit training part of the 10,000 real MNIST test digits, then `compareTransfer` on digits 5-9 with 10,
 * 50 and 100 labelled images per class (drawn from the training part), scored on the digits 5-9 of the
 * 2,000-digit held-out part: (a) scratch, (b) a head on the frozen convolutional features, (c) that head then
 * fine-tuning (batch norm frozen), all three with the same augmentation (`augment`: rotations up to 10 degrees,
 * shifts up to 10%); mean and spread over seeds 1-3. Then the same on the 50+50-image
 * Fashion-MNIST sample. wasm only: the 3 x 3 x 3 trainings take tens of minutes there and hours on cpu or
 * lavapipe. Env TIEFE_TRANSFER_BENCH_STEPS (default 150) sets the gradient steps of scratch and fine-tuning.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { smallCnn } from '@tiefe/blocks';
import { accuracy, seed } from '@tiefe/core';
import { augmentImages, loadFashionMnist, loadMnist, takeRows } from '@tiefe/datasets';
import { compareTransfer, modelArtifacts, type TransferComparison } from '@tiefe/transfer';
import type { BenchContext, BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'accuracy';
export const backends = ['wasm'];

const data = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const pct = (v: number) => Math.round(v * 1000) / 10;
/** The augmentation of all three target strategies alike: rotations up to 10 degrees, shifts up to 2.8 pixels. */
const augment = (x: tf.Tensor, s: number) =>
  augmentImages(x as tf.Tensor4D, { seed: s, rotationDegrees: 10, translate: 0.1, clip: [0, 1] });

function ofClasses(images: tf.Tensor4D, labels: Int32Array, low: number) {
  const idx: number[] = [];
  labels.forEach((l, i) => {
    if (l >= low && l < low + 5) idx.push(i);
  });
  return { x: takeRows(images, idx), labels: Int32Array.from(idx, (i) => labels[i] - low) };
}

export default async function bench(_backend: string, context: BenchContext): Promise<BenchRow[]> {
  const t0 = performance.now();
  const steps = Number(process.env.TIEFE_TRANSFER_BENCH_STEPS ?? 150);
  const all = await loadMnist({ dir: join(data, 'mnist'), split: 'test' });
  const labels = Int32Array.from(all.labels.dataSync());
  const trainX = tf.slice(all.images, 0, 8000) as tf.Tensor4D;
  const testX = tf.slice(all.images, 8000) as tf.Tensor4D;
  tf.dispose([all.images, all.labels]);
  const srcTrain = ofClasses(trainX, labels.subarray(0, 8000), 0);
  const srcTest = ofClasses(testX, labels.subarray(8000), 0);
  const tgtTrain = ofClasses(trainX, labels.subarray(0, 8000), 5);
  const tgtTest = ofClasses(testX, labels.subarray(8000), 5);
  tf.dispose([trainX, testX]);

  seed(100);
  const source = smallCnn({ classes: 5 });
  const ts = performance.now();
  const srcY = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(srcTrain.labels, 'int32'), 5), 'float32'));
  source.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  await source.fit(srcTrain.x, srcY, { epochs: 2, batchSize: 64, verbose: 0 });
  source.optimizer.dispose();
  const sourceSeconds = (performance.now() - ts) / 1000;
  const srcPred = source.predict(srcTest.x) as tf.Tensor;
  const sourceAccuracy = await accuracy(srcTest.labels, srcPred);
  srcPred.dispose();
  context.progress(`source ${pct(sourceAccuracy)}% on held-out digits 0-4`);
  tf.dispose([srcY, srcTrain.x, srcTest.x]);
  const features = source.layers.find((l) => l.getClassName() === 'Flatten')?.name as string;
  const artifacts = await modelArtifacts(source);
  source.dispose();
  const common = { source: artifacts, features, steps, augment, log: context.progress };

  const digits = await compareTransfer({
    ...common,
    classes: 5,
    scratch: () => smallCnn({ classes: 5 }),
    train: tgtTrain,
    test: tgtTest,
  });
  tf.dispose([tgtTrain.x, tgtTest.x]);
  const fashionDir = join(data, 'fashion-mnist-sample');
  const load = async (split: 'train' | 'test') => {
    const d = await loadFashionMnist({ dir: fashionDir, split });
    const y = Int32Array.from(d.labels.dataSync());
    d.labels.dispose();
    return { x: d.images, labels: y };
  };
  const fTrain = await load('train');
  const fTest = await load('test');
  const fashion = await compareTransfer({
    ...common,
    classes: 10,
    scratch: () => smallCnn({ classes: 10 }),
    train: fTrain,
    test: fTest,
    shots: [fTrain.labels.length], // all 50 (2-8 per class); the seed changes initialisation and order
  });
  tf.dispose([fTrain.x, fTest.x]);

  const minutes = (performance.now() - t0) / 60000;
  const rows: BenchRow[] = [
    {
      case: 'transfer source: smallCnn on digits 0-4, test accuracy',
      value: pct(sourceAccuracy),
      unit: '%',
      note: `${srcTrain.labels.length} train / ${srcTest.labels.length} test digits, 2 epochs, ${sourceSeconds.toFixed(0)} s; whole bench ${minutes.toFixed(1)} min (2 shared cores)`,
    },
  ];
  const row = (r: TransferComparison, table: TransferComparison[], target: string, test: number): BenchRow => {
    const scratch = table.find((c) => c.shots === r.shots && c.strategy === 'scratch');
    const goal = target === 'digits 5-9' && r.strategy !== 'scratch' && r.shots <= 50 && scratch;
    return {
      case: `transfer ${target}, ${target === 'digits 5-9' ? `${r.shots}/class` : `${r.images} images`}, ${r.strategy}: test accuracy`,
      value: pct(r.mean),
      unit: '%',
      // Clearly better: the mean minus its sd above scratch's mean plus its sd.
      ...(goal ? { target: 'mean - sd > scratch mean + sd', pass: r.mean - r.std > scratch.mean + scratch.std } : {}),
      note: `${steps} steps; seeds 1-3 (${r.accuracies.map(pct).join(', ')}), sd ${pct(r.std)}; ${r.seconds.toFixed(1)} s training per seed; test ${test} images`,
    };
  };
  for (const r of digits) rows.push(row(r, digits, 'digits 5-9', tgtTest.labels.length));
  for (const r of fashion) rows.push(row(r, fashion, 'fashion-mnist sample', fTest.labels.length));
  return rows;
}
