/**
 * The `npm start` program: trains a small conditional DCGAN on real MNIST digits (the class embedded into the
 * generator; a discriminator that projects the class onto its features and has AC-GAN's class head, trained on
 * the real digits' classes only; non-saturating loss, one-sided label smoothing 0.1), writes sample grids during
 * training, a final grid of generated digits by class (one row per class), a checkpoint of both networks and
 * optimizers, and report.json. The networks are those of the package's gan.bench (99.3% of the digits carry
 * their class for smallCnn after 300 steps).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { imageGridChart, writeChart } from '@tiefe/charts';
import { initBackend, progressBar, seed } from '@tiefe/core';
import { loadMnist } from '@tiefe/datasets';
import { GanTrainer, ganDiscriminator, ganGenerator, tensorToImages } from '@tiefe/generative';

/** Options of {@link trainCganDigits}. */
export interface CganDigitsOptions {
  /** Folder with the official t10k IDX files. */
  mnistDir: string;
  /** Where the PNGs, checkpoint/ and report.json go. */
  outDir: string;
  /** Generator steps (default 500). */
  steps?: number;
  /** Use only the first `limit` digits (default 8,000: the digits the benchmarks train on). */
  limit?: number;
  /** Batch size (default 64). */
  batchSize?: number;
  /** A sample grid every this many steps (default 500). */
  sampleEvery?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

/** What report.json holds. */
export interface CganDigitsReport {
  backend: string;
  train: number;
  steps: number;
  batchSize: number;
  trainSeconds: number;
  finalDLoss: number;
  finalGLoss: number;
}

export async function trainCganDigits(options: CganDigitsOptions): Promise<CganDigitsReport> {
  const { mnistDir, outDir, steps = 500, limit = 8000, batchSize = 64, log = console.log } = options;
  const sampleEvery = options.sampleEvery ?? 100;
  if (!existsSync(mnistDir)) throw new Error(`no MNIST files in ${mnistDir} (set MNIST_DIR)`);
  const backend = await initBackend();
  log(`backend: ${backend.name}`);
  seed(42);
  const data = await loadMnist({ dir: mnistDir, split: 'test', limit });
  const real = tf.tidy(() => tf.sub(tf.mul(data.images, 2), 1));
  data.images.dispose();
  log(`data: ${real.shape[0]} MNIST test digits from ${mnistDir}, scaled to [-1, 1]`);
  // DCGAN: 7x7x64 -> 14x14x32 -> 28x28 (batch norm, ReLU, tanh); D: 32-64 stride-2 convs (LeakyReLU 0.2)
  const generator = ganGenerator({ outputShape: [28, 28, 1], latentDim: 64, classes: 10, filters: [64, 32] });
  const discriminator = ganDiscriminator({
    inputShape: [28, 28, 1],
    classes: 10,
    filters: [32, 64],
    auxiliaryClassifier: true,
  });
  const trainer = new GanTrainer({ generator, discriminator, labelSmoothing: 0.1, classifyFakes: false });
  mkdirSync(outDir, { recursive: true });
  const started = performance.now();
  const history = await trainer.train(real, {
    labels: data.labels,
    steps,
    batchSize,
    progress: progressBar({ every: 20 }),
    sampleEvery: sampleEvery > 0 && sampleEvery <= steps ? sampleEvery : 0,
    sampleDir: join(outDir, 'samples'),
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const labels = tf.tensor1d(Array.from({ length: 80 }, (_, i) => Math.floor(i / 8)));
  const digits = trainer.generate(80, labels);
  const generated = await tensorToImages(digits, { range: [-1, 1] });
  await writeChart(
    join(outDir, 'digits.png'),
    imageGridChart({
      title: `Generated digits by class (conditional GAN, ${steps} steps)`,
      rowHeaders: Array.from({ length: 10 }, (_, c) => `class ${c}`),
      images: Array.from({ length: 10 }, (_, c) => generated.slice(8 * c, 8 * c + 8)),
      cellSize: 56,
    }),
    { scale: 1 },
  );
  await trainer.saveCheckpoint(join(outDir, 'checkpoint'));
  const last = history[history.length - 1];
  const summary: CganDigitsReport = {
    backend: backend.name,
    train: real.shape[0],
    steps,
    batchSize,
    trainSeconds,
    finalDLoss: last.dLoss,
    finalGLoss: last.gLoss,
  };
  const file = join(outDir, 'report.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  log(`${steps} steps in ${trainSeconds.toFixed(1)} s; digits by class in ${join(outDir, 'digits.png')}`);
  tf.dispose([real, data.labels, labels, digits]);
  trainer.dispose();
  generator.dispose();
  discriminator.dispose();
  return summary;
}
