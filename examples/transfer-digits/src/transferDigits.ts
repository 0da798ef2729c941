/**
 * The `npm start` program and the transfer bench's experiment: a CNN (blocks' `smallCnn`) learns digits 0-4;
 * digits 5-9 are then learnt from 10, 50 or 100 labelled images per class in three ways, over several seeds:
 * (a) from scratch, (b) a new head on the frozen source features (cached once), (c) that head, then the whole
 * net fine-tuned at a low rate (batch norm kept frozen). The same three run on the Fashion-MNIST sample (a
 * harder domain shift) when its folder exists. Writes `report.json` and `accuracy.png` (accuracy vs labels).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { smallCnn } from '@tiefe/blocks';
import { initBackend, lineChart, seed, writePng } from '@tiefe/core';
import { loadFashionMnist, loadMnist, shuffledIndices, takeRows } from '@tiefe/datasets';
import { cutAt, extractFeatures, freeze, headModel, loadModel, stackHead } from '@tiefe/transfer';

export type Strategy = 'scratch' | 'frozen' | 'fineTune';
export const STRATEGIES: Strategy[] = ['scratch', 'frozen', 'fineTune'];

/** Options of {@link transferDigits}. */
export interface TransferDigitsOptions {
  /** Folder with the official MNIST t10k IDX files (10,000 digits: 8,000 train, 2,000 test). */
  mnistDir: string;
  /** Folder with the Fashion-MNIST sample (skipped when absent or undefined). */
  fashionDir?: string;
  /** Where report.json and accuracy.png go. */
  outDir: string;
  /** Labelled images per target class (default [10, 50, 100]). */
  shots?: number[];
  /** Seeds (default [1, 2, 3]): each picks other images and initialisations. */
  seeds?: number[];
  /** Source epochs on digits 0-4 (default 2). */
  sourceEpochs?: number;
  /** Use only the first `limit` of the 10,000 digits (default all; 80% train, 20% test). */
  limit?: number;
  /** Gradient steps of scratch training and of fine-tuning, whatever the number of images (default 150). */
  steps?: number;
  /** Epochs of the head on cached features (default 100). */
  headEpochs?: number;
  /**
   * Where the source is cut for the frozen-feature head: `'dense'` (default, the 128-d penultimate layer) or
   * `'flatten'` (the 3,136-d convolutional features, less specific to the source classes).
   */
  features?: 'dense' | 'flatten';
  /** Strategies to run (default all three; `'fineTune'` needs `'frozen'`, whose head it starts from). */
  strategies?: Strategy[];
  /** Adam rate of the fine-tuning stage (default 1e-4). */
  fineTuneRate?: number;
  /** Backends in order of preference (default: initBackend's); `false` keeps the backend already set. */
  backends?: ('webgpu' | 'wasm' | 'cpu')[] | false;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

/** One cell of the result table: a target, a label count, a strategy, over the seeds. */
export interface TransferResult {
  target: 'digits 5-9' | 'fashion-mnist sample';
  /** Labelled images per class (for the Fashion sample: all 50 training images, about 5 per class). */
  shots: number;
  strategy: Strategy;
  accuracies: number[];
  mean: number;
  /** Sample standard deviation over the seeds (0 for one seed). */
  std: number;
  /** Mean training seconds per seed. */
  seconds: number;
}

/** What {@link transferDigits} writes to `report.json`. */
export interface TransferDigitsReport {
  backend: string;
  source: { train: number; test: number; epochs: number; accuracy: number; seconds: number };
  targetTest: number;
  /** Gradient steps of scratch training and of fine-tuning. */
  steps: number;
  results: TransferResult[];
}

const BATCH = 32;

interface Part {
  x: tf.Tensor4D;
  y: Int32Array;
}

function ofClasses(images: tf.Tensor4D, labels: Int32Array, classes: number[], offset: number): Part {
  const idx: number[] = [];
  labels.forEach((l, i) => {
    if (classes.includes(l)) idx.push(i);
  });
  return { x: takeRows(images, idx), y: Int32Array.from(idx, (i) => labels[i] - offset) };
}

/** The first `k` images of each class in a seeded shuffle. */
function fewShot(part: Part, k: number, classes: number, s: number): Part {
  const order = shuffledIndices(part.y.length, s);
  const taken = new Array(classes).fill(0);
  const idx: number[] = [];
  for (const i of order) {
    if (taken[part.y[i]] < k) {
      taken[part.y[i]]++;
      idx.push(i);
    }
  }
  return { x: takeRows(part.x, idx), y: Int32Array.from(idx, (i) => part.y[i]) };
}

function accuracy(model: tfl.LayersModel, x: tf.Tensor, y: Int32Array): number {
  const predicted = tf.tidy(() =>
    Array.from(tf.argMax(model.predict(x, { batchSize: 256 }) as tf.Tensor, 1).dataSync()),
  );
  return predicted.reduce((s: number, p, i) => s + (p === y[i] ? 1 : 0), 0) / y.length;
}

const oneHot = (y: Int32Array, classes: number) =>
  tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), classes), 'float32'));

async function fitSteps(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, steps: number, lr: number) {
  model.compile({ optimizer: tf.train.adam(lr), loss: 'categoricalCrossentropy' });
  const perEpoch = Math.ceil(x.shape[0] / BATCH);
  await model.fit(x, y, { epochs: Math.max(1, Math.round(steps / perEpoch)), batchSize: BATCH, verbose: 0 });
  model.optimizer.dispose();
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]) =>
  v.length < 2 ? 0 : Math.sqrt(v.reduce((s, e) => s + (e - mean(v)) ** 2, 0) / (v.length - 1));

/** Runs the experiment; returns (and writes) the report. */
export async function transferDigits(options: TransferDigitsOptions): Promise<TransferDigitsReport> {
  const log = options.log ?? console.log;
  const shots = options.shots ?? [10, 50, 100];
  const seeds = options.seeds ?? [1, 2, 3];
  const sourceEpochs = options.sourceEpochs ?? 2;
  const steps = options.steps ?? 150;
  const headEpochs = options.headEpochs ?? 100;
  const strategies = STRATEGIES.filter((st) => (options.strategies ?? STRATEGIES).includes(st));
  if (strategies.includes('fineTune') && !strategies.includes('frozen')) strategies.splice(1, 0, 'frozen');
  if (options.backends !== false) await initBackend(options.backends ? { prefer: options.backends } : {});
  const backend = tf.getBackend();
  const all = await loadMnist({ dir: options.mnistDir, split: 'test', limit: options.limit });
  const n = all.images.shape[0];
  const cut = Math.round(n * 0.8);
  const labels = Int32Array.from(all.labels.dataSync());
  const trainX = tf.slice(all.images, 0, cut) as tf.Tensor4D;
  const testX = tf.slice(all.images, cut) as tf.Tensor4D;
  tf.dispose([all.images, all.labels]);
  const low = [0, 1, 2, 3, 4];
  const high = [5, 6, 7, 8, 9];
  const srcTrain = ofClasses(trainX, labels.subarray(0, cut), low, 0);
  const srcTest = ofClasses(testX, labels.subarray(cut), low, 0);
  const tgtTrain = ofClasses(trainX, labels.subarray(0, cut), high, 5);
  const tgtTest = ofClasses(testX, labels.subarray(cut), high, 5);
  tf.dispose([trainX, testX]);

  // The source model: digits 0-4.
  seed(100);
  const source = smallCnn({ classes: 5 });
  const t0 = performance.now();
  source.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const srcY = oneHot(srcTrain.y, 5);
  await source.fit(srcTrain.x, srcY, { epochs: sourceEpochs, batchSize: 64, verbose: 0 });
  source.optimizer.dispose();
  const sourceSeconds = (performance.now() - t0) / 1000;
  const sourceAccuracy = accuracy(source, srcTest.x, srcTest.y);
  log(
    `source: ${srcTrain.y.length} digits 0-4, ${sourceEpochs} epochs in ${sourceSeconds.toFixed(1)} s, test accuracy ${(sourceAccuracy * 100).toFixed(2)}%`,
  );
  tf.dispose([srcY, srcTrain.x, srcTest.x]);
  // Kept in memory: every fine-tuning starts from a fresh copy (the base's layers are shared otherwise).
  let artifacts: tf.io.ModelArtifacts | undefined;
  await source.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  const featureClass = options.features === 'flatten' ? 'Flatten' : 'Dense';
  const featureLayer = source.layers.filter((l) => l.getClassName() === featureClass)[0].name;
  const base = cutAt(source, featureLayer);

  const results: TransferResult[] = [];
  const runTarget = async (
    target: TransferResult['target'],
    k: number,
    pick: (s: number) => Part,
    test: Part,
    classes: number,
  ) => {
    const testFeatures = extractFeatures(base, test.x, { batchSize: 256 });
    const acc: Record<Strategy, number[]> = { scratch: [], frozen: [], fineTune: [] };
    const secs: Record<Strategy, number[]> = { scratch: [], frozen: [], fineTune: [] };
    for (const s of seeds) {
      const train = pick(s);
      const y = oneHot(train.y, classes);
      let t = performance.now();
      if (strategies.includes('scratch')) {
        seed(s);
        const scratch = smallCnn({ classes });
        await fitSteps(scratch, train.x, y, steps, 1e-3);
        acc.scratch.push(accuracy(scratch, test.x, test.y));
        secs.scratch.push((performance.now() - t) / 1000);
        scratch.dispose();
      }

      t = performance.now();
      seed(s);
      const features = extractFeatures(base, train.x, { batchSize: 256 });
      const head = headModel([features.shape[1] as number], { kind: 'classification', classes, dropout: 0.2 });
      head.compile({ optimizer: tf.train.adam(3e-3), loss: 'categoricalCrossentropy' });
      await head.fit(features, y, { epochs: headEpochs, batchSize: BATCH, verbose: 0 });
      head.optimizer.dispose();
      acc.frozen.push(accuracy(head, testFeatures, test.y));
      secs.frozen.push((performance.now() - t) / 1000);
      features.dispose();

      // Head first (the one just trained on cached features), then everything but batch norm at a low rate.
      if (strategies.includes('fineTune')) {
        t = performance.now();
        const copy = await loadModel(artifacts as tf.io.ModelArtifacts);
        const tuned = stackHead(cutAt(copy, featureLayer), head);
        freeze(tuned, (l) => l.getClassName() === 'BatchNormalization');
        await fitSteps(tuned, train.x, y, steps, options.fineTuneRate ?? 1e-4);
        acc.fineTune.push(accuracy(tuned, test.x, test.y));
        secs.fineTune.push((performance.now() - t) / 1000 + secs.frozen[secs.frozen.length - 1]);
        copy.dispose();
      }
      head.dispose();
      tf.dispose([train.x, y]);
    }
    testFeatures.dispose();
    for (const strategy of strategies) {
      const r: TransferResult = {
        target,
        shots: k,
        strategy,
        accuracies: acc[strategy],
        mean: mean(acc[strategy]),
        std: std(acc[strategy]),
        seconds: mean(secs[strategy]),
      };
      results.push(r);
      log(
        `${target}, ${k}/class, ${strategy}: ${(r.mean * 100).toFixed(1)}% +- ${(r.std * 100).toFixed(1)} (${r.accuracies.map((a) => (a * 100).toFixed(1)).join(', ')}), ${r.seconds.toFixed(1)} s`,
      );
    }
  };
  for (const k of shots) await runTarget('digits 5-9', k, (s) => fewShot(tgtTrain, k, 5, s), tgtTest, 5);
  if (options.fashionDir && existsSync(options.fashionDir)) {
    const load = async (split: 'train' | 'test'): Promise<Part> => {
      const d = await loadFashionMnist({ dir: options.fashionDir, split });
      const y = Int32Array.from(d.labels.dataSync());
      d.labels.dispose();
      return { x: d.images as tf.Tensor4D, y };
    };
    const fTrain = await load('train');
    const fTest = await load('test');
    // All 50 training images each time (the seed changes the initialisation and the order).
    await runTarget('fashion-mnist sample', 5, () => ({ x: fTrain.x.clone(), y: fTrain.y }), fTest, 10);
    tf.dispose([fTrain.x, fTest.x]);
  }
  tf.dispose([tgtTrain.x, tgtTest.x]);
  source.dispose(); // also the base: it shares the source's layers

  const report: TransferDigitsReport = {
    backend,
    source: {
      train: srcTrain.y.length,
      test: srcTest.y.length,
      epochs: sourceEpochs,
      accuracy: sourceAccuracy,
      seconds: sourceSeconds,
    },
    targetTest: tgtTest.y.length,
    steps,
    results,
  };
  mkdirSync(options.outDir, { recursive: true });
  // Written beside, then renamed: a reader never sees half a report.
  const file = join(options.outDir, 'report.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  const colors: Record<Strategy, [number, number, number]> = {
    scratch: [200, 40, 40],
    frozen: [40, 120, 200],
    fineTune: [40, 160, 60],
  };
  const chart = lineChart([
    {
      series: strategies.map((strategy) => ({
        values: shots.map(
          (k) =>
            results.find((r) => r.target === 'digits 5-9' && r.shots === k && r.strategy === strategy)?.mean ??
            Number.NaN,
        ),
        color: colors[strategy],
      })),
    },
  ]);
  await writePng(join(options.outDir, 'accuracy.png'), chart);
  return report;
}
