/**
 * The `npm start` program: a CNN (blocks' `smallCnn`) learns digits 0-4 from all of them in the first 8,000 of
 * the 10,000 digits (augmented); digits 5-9 are then learnt from 10, 50 or 100 labelled images per class drawn
 * from a random 40% of all digits 5-9, with transfer's `compareTransfer` (scratch, a head on the frozen
 * convolutional features, that head then fine-tuning, the rate on a cosine) over several seeds, and scored on
 * the other 60% (the source never saw a 5-9: it learnt only 0-4). The same three run on the Fashion-MNIST sample (a harder
 * domain shift) when its folder exists. Writes `report.json` and `accuracy.png`.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { smallCnn } from '@tiefe/blocks';
import { lineChart, writeChart } from '@tiefe/charts';
import { accuracy, createRng, initBackend, seed } from '@tiefe/core';
import { augmentImages, loadFashionMnist, loadMnist, takeRows } from '@tiefe/datasets';
import { compareTransfer, modelArtifacts, type TransferComparison, type TransferStrategy } from '@tiefe/transfer';

/** Options of {@link transferDigits}. */
export interface TransferDigitsOptions {
  /** Folder with the official MNIST t10k IDX files (10,000 digits: the first 8,000 train, the last 2,000 test). */
  mnistDir: string;
  /** Folder with the Fashion-MNIST sample (skipped when absent or undefined). */
  fashionDir?: string;
  /** Where report.json and accuracy.png go. */
  outDir: string;
  /** Labelled images per target class (default [10, 50, 100]). */
  shots?: number[];
  /** Seeds (default [1, 2, 3]): each draws other images and initialisations. */
  seeds?: number[];
  /**
   * Source epochs on digits 0-4 (default 12: 99.8-99.9% on the held-out digits 0-4): every epoch but the last
   * on freshly augmented digits, the last on the digits as they are, so that batch norm's moving statistics are
   * those of unaugmented images.
   */
  sourceEpochs?: number;
  /**
   * Augment the images of all three target strategies alike with small rotations and shifts (default true; see
   * {@link augmentDigits}).
   */
  augment?: boolean;
  /** Use only the first `limit` of the 10,000 digits (default all; 80% train, 20% test). */
  limit?: number;
  /** Gradient steps of scratch training and of fine-tuning, whatever the number of images (default 150). */
  steps?: number;
  /** Epochs of the head on cached features (default 100). */
  headEpochs?: number;
  /** Adam rate of fine-tuning (default compareTransfer's, 3e-4). */
  fineTuneRate?: number;
  /**
   * The rate over scratch training's and fine-tuning's steps (default `'cosine'`: both end on a settled model;
   * with `'constant'` their last full-size steps leave 1-2 points of noise per seed).
   */
  schedule?: 'constant' | 'cosine';
  /** Backends in order of preference (default: initBackend's); `false` keeps the backend already set. */
  backends?: ('webgpu' | 'wasm' | 'cpu')[] | false;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

/** One cell of the result table: a target, a label count, a strategy, over the seeds. */
export interface TransferResult extends TransferComparison {
  target: 'digits 5-9' | 'fashion-mnist sample';
}

/** What {@link transferDigits} writes to `report.json`. */
export interface TransferDigitsReport {
  backend: string;
  source: { train: number; test: number; epochs: number; accuracy: number; seconds: number };
  /** Digits 5-9 the labelled images are drawn from (a random 40% of all of them). */
  targetPool: number;
  /** Digits 5-9 every strategy is scored on (the other 60%). */
  targetTest: number;
  /** Gradient steps of scratch training and of fine-tuning. */
  steps: number;
  results: TransferResult[];
}

/** The augmentation of the program: rotations up to 10 degrees, shifts up to 10% (2.8 pixels), seeded. */
export function augmentDigits(images: tf.Tensor, seedValue: number): tf.Tensor4D {
  return augmentImages(images as tf.Tensor4D, { seed: seedValue, rotationDegrees: 10, translate: 0.1, clip: [0, 1] });
}

/** The images of `classes` and their labels minus `offset`. */
function ofClasses(images: tf.Tensor4D, labels: Int32Array, classes: number[], offset: number) {
  const idx: number[] = [];
  labels.forEach((l, i) => {
    if (classes.includes(l)) idx.push(i);
  });
  return { x: takeRows(images, idx), labels: Int32Array.from(idx, (i) => labels[i] - offset) };
}

/** Runs the experiment; returns (and writes) the report. */
export async function transferDigits(options: TransferDigitsOptions): Promise<TransferDigitsReport> {
  const log = options.log ?? console.log;
  const sourceEpochs = options.sourceEpochs ?? 12;
  const augment = options.augment === false ? undefined : augmentDigits;
  const steps = options.steps ?? 150;
  const shots = options.shots ?? [10, 50, 100];
  if (options.backends !== false) await initBackend(options.backends ? { prefer: options.backends } : {});
  const all = await loadMnist({ dir: options.mnistDir, split: 'test', limit: options.limit });
  const cut = Math.round(all.images.shape[0] * 0.8);
  const labels = Int32Array.from(all.labels.dataSync());
  const trainX = tf.slice(all.images, 0, cut) as tf.Tensor4D;
  const testX = tf.slice(all.images, cut) as tf.Tensor4D;
  const srcTrain = ofClasses(trainX, labels.subarray(0, cut), [0, 1, 2, 3, 4], 0);
  const srcTest = ofClasses(testX, labels.subarray(cut), [0, 1, 2, 3, 4], 0);
  tf.dispose([trainX, testX]);
  // Digits 5-9 of both parts (the source saw none of them), split at random once: 40% the pool the few labels
  // are drawn from, 60% the test set (~2,900: three times the held-out part's, a sharper estimate). At random,
  // because MNIST's test file is ordered by writer group (its first 5,000 digits are the cleaner ones), so a
  // split by position would draw the labels from other writers than it tests on.
  const target = createRng(2024).shuffle(Array.from(labels.keys()).filter((i) => labels[i] >= 5)) as number[];
  const inPool = Math.round(target.length * 0.4);
  const pick = (idx: number[]) => ({
    x: takeRows(all.images, idx),
    labels: Int32Array.from(idx, (i) => labels[i] - 5),
  });
  const tgtTrain = pick(target.slice(0, inPool));
  const tgtTest = pick(target.slice(inPool));
  tf.dispose([all.images, all.labels]);

  // The source model: every digit 0-4 of the training part, augmented (a new draw each epoch) but the last epoch.
  seed(100);
  const source = smallCnn({ classes: 5 });
  const t0 = performance.now();
  const srcY = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(srcTrain.labels, 'int32'), 5), 'float32'));
  source.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  for (let epoch = 0; epoch < sourceEpochs; epoch++) {
    const x = epoch < sourceEpochs - 1 ? augmentDigits(srcTrain.x, 1000 + epoch) : srcTrain.x;
    try {
      await source.fit(x, srcY, { epochs: 1, batchSize: 64, verbose: 0 });
    } finally {
      if (x !== srcTrain.x) x.dispose();
    }
  }
  source.optimizer.dispose();
  const sourceSeconds = (performance.now() - t0) / 1000;
  const srcPred = source.predict(srcTest.x) as tf.Tensor;
  const sourceAccuracy = await accuracy(srcTest.labels, srcPred);
  srcPred.dispose();
  log(
    `source: ${srcTrain.labels.length} digits 0-4, ${sourceEpochs} epochs in ${sourceSeconds.toFixed(1)} s, test accuracy ${(sourceAccuracy * 100).toFixed(2)}%`,
  );
  tf.dispose([srcY, srcTrain.x, srcTest.x]);
  // The transferred features: the convolutional ones (Flatten), not the 0-4-specific dense layer.
  const features = source.layers.find((l) => l.getClassName() === 'Flatten')?.name as string;
  const artifacts = await modelArtifacts(source);
  source.dispose();

  const common = {
    source: artifacts,
    features,
    seeds: options.seeds,
    steps,
    augment,
    head: { epochs: options.headEpochs },
    fineTuneRate: options.fineTuneRate,
    schedule: options.schedule ?? 'cosine',
  };
  const results: TransferResult[] = [];
  const digits = await compareTransfer({
    ...common,
    classes: 5,
    scratch: () => smallCnn({ classes: 5 }),
    train: tgtTrain,
    test: tgtTest,
    shots,
    log: (line) => log(`digits 5-9, ${line}`),
  });
  results.push(...digits.map((r) => ({ target: 'digits 5-9' as const, ...r })));
  tf.dispose([tgtTrain.x, tgtTest.x]);
  if (options.fashionDir && existsSync(options.fashionDir)) {
    const load = async (split: 'train' | 'test') => {
      const d = await loadFashionMnist({ dir: options.fashionDir, split });
      const y = Int32Array.from(d.labels.dataSync());
      d.labels.dispose();
      return { x: d.images, labels: y };
    };
    const fTrain = await load('train');
    const fTest = await load('test');
    try {
      // All 50 training images (2-8 per class) each seed: the seed changes the initialisation and the order.
      const fashion = await compareTransfer({
        ...common,
        classes: 10,
        scratch: () => smallCnn({ classes: 10 }),
        train: fTrain,
        test: fTest,
        shots: [fTrain.labels.length],
        log: (line) => log(`fashion-mnist sample, ${line}`),
      });
      results.push(...fashion.map((r) => ({ target: 'fashion-mnist sample' as const, ...r })));
    } finally {
      tf.dispose([fTrain.x, fTest.x]);
    }
  }

  const report: TransferDigitsReport = {
    backend: tf.getBackend(),
    source: {
      train: srcTrain.labels.length,
      test: srcTest.labels.length,
      epochs: sourceEpochs,
      accuracy: sourceAccuracy,
      seconds: sourceSeconds,
    },
    targetPool: tgtTrain.labels.length,
    targetTest: tgtTest.labels.length,
    steps,
    results,
  };
  mkdirSync(options.outDir, { recursive: true });
  // Written beside, then renamed: a reader never sees half a report.
  const file = join(options.outDir, 'report.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  const names: Record<TransferStrategy, string> = {
    scratch: 'from scratch',
    frozen: 'frozen features + new head',
    fineTune: 'fine-tuned',
  };
  const chart = lineChart({
    title: 'Digits 5-9 learnt from few labels (mean over seeds)',
    x: { title: 'labelled images per class' },
    y: { title: 'test accuracy (fraction correct)' },
    series: (['scratch', 'frozen', 'fineTune'] as const).map((strategy) => ({
      name: names[strategy],
      points: shots.flatMap((k) => {
        const mean = digits.find((r) => r.shots === k && r.strategy === strategy)?.mean;
        return mean === undefined || !Number.isFinite(mean) ? [] : [[k, mean] as [number, number]];
      }),
    })),
  });
  await writeChart(join(options.outDir, 'accuracy.png'), chart);
  return report;
}
