/**
 * The `npm start` program: trains a dense VAE on binarised real MNIST digits, reports the test ELBO and the
 * importance-weighted NLL, and writes samples.png, interpolation.png and reconstructions.png plus report.json.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { imageGridChart, writeChart } from '@tiefe/charts';
import { initBackend, progressBar, seed } from '@tiefe/core';
import { loadMnist, trainTestSplit } from '@tiefe/datasets';
import { tensorToImages, vae } from '@tiefe/generative';

/** Options of {@link trainVaeDigits}. */
export interface VaeDigitsOptions {
  /** Folder with the official t10k IDX files. */
  mnistDir: string;
  /** Where the PNGs and report.json go. */
  outDir: string;
  /** Epochs (default 20). */
  epochs?: number;
  /** Use only the first `limit` digits (default all 10,000; a fifth, at most 2,000, held out). */
  limit?: number;
  /** Samples per test digit of the NLL estimate (default 200). */
  k?: number;
  /** Latent size (default 32). */
  latentDim?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

/** What report.json holds. */
export interface VaeDigitsReport {
  backend: string;
  train: number;
  test: number;
  epochs: number;
  latentDim: number;
  trainSeconds: number;
  testElbo: number;
  testNll: number;
  k: number;
}

export async function trainVaeDigits(options: VaeDigitsOptions): Promise<VaeDigitsReport> {
  const { mnistDir, outDir, epochs = 20, limit, k = 200, latentDim = 32, log = console.log } = options;
  if (!existsSync(mnistDir)) throw new Error(`no MNIST files in ${mnistDir} (set MNIST_DIR)`);
  const backend = await initBackend();
  log(`backend: ${backend.name}`);
  seed(42);
  const data = await loadMnist({ dir: mnistDir, split: 'test', limit });
  const testSize = Math.min(2000, Math.round(data.images.shape[0] / 5));
  const { train, test } = trainTestSplit(data, { testSize, seed: 42, stratify: true });
  const bin = (x: tf.Tensor) => tf.tidy(() => tf.cast(tf.greater(x, 0.5), 'float32'));
  const xTrain = bin(train.images);
  const xTest = bin(test.images);
  tf.dispose([data.images, data.labels, train.images, train.labels, test.images, test.labels]);
  log(`data: MNIST test digits from ${mnistDir}, binarised; ${xTrain.shape[0]} train, ${xTest.shape[0]} test`);

  const model = vae({ inputShape: [28, 28, 1], latentDim, hidden: [512, 256] });
  const optimizer = tf.train.adam(1e-3);
  const started = performance.now();
  await model.train(xTrain, { epochs, batchSize: 100, optimizer, warmupSteps: 500, progress: progressBar() });
  const trainSeconds = (performance.now() - started) / 1000;
  const testElbo = (await model.elbo(xTest)).elbo;
  const testNll = await model.importanceWeightedNll(xTest, { k });
  log(
    `test ELBO ${testElbo.toFixed(2)} nats, test NLL (k = ${k}) ${testNll.toFixed(2)} nats, ${trainSeconds.toFixed(1)} s of training`,
  );

  mkdirSync(outDir, { recursive: true });
  const samples = model.sample(64);
  const sampled = await tensorToImages(samples);
  await writeChart(
    join(outDir, 'samples.png'),
    imageGridChart({
      title: `64 samples of the VAE (latent dimension ${latentDim})`,
      images: Array.from({ length: 8 }, (_, r) => sampled.slice(8 * r, 8 * r + 8)),
      cellSize: 56,
    }),
    { scale: 1 },
  );
  const rowsOut = [];
  for (let i = 0; i < 6; i++) {
    const a = tf.slice(xTest, 2 * i, 1);
    const b = tf.slice(xTest, 2 * i + 1, 1);
    const line = model.interpolate(a, b, 10);
    rowsOut.push(await tensorToImages(line));
    tf.dispose([a, b, line]);
  }
  await writeChart(
    join(outDir, 'interpolation.png'),
    imageGridChart({
      title: 'Decoded codes on the line between two test digits',
      columnHeaders: Array.from({ length: 10 }, (_, i) => (i === 0 ? 'digit A' : i === 9 ? 'digit B' : `${i}/9`)),
      rowHeaders: rowsOut.map((_, i) => `pair ${i + 1}`),
      images: rowsOut,
      cellSize: 56,
    }),
    { scale: 1 },
  );
  const originals = tf.slice(xTest, 0, 16);
  const code = model.encode(originals);
  const recon = model.decode(code.mean);
  tf.dispose([code.mean, code.logVar]);
  const o = await tensorToImages(originals);
  const r = await tensorToImages(recon);
  await writeChart(
    join(outDir, 'reconstructions.png'),
    imageGridChart({
      title: 'Test digits and their reconstructions (decoded posterior means)',
      rowHeaders: ['test digits', 'reconstructed', 'test digits', 'reconstructed'],
      images: [o.slice(0, 8), r.slice(0, 8), o.slice(8), r.slice(8)],
      cellSize: 56,
    }),
    { scale: 1 },
  );
  const summary: VaeDigitsReport = {
    backend: backend.name,
    train: xTrain.shape[0],
    test: xTest.shape[0],
    epochs,
    latentDim,
    trainSeconds,
    testElbo,
    testNll,
    k,
  };
  const file = join(outDir, 'report.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  tf.dispose([samples, originals, recon, xTrain, xTest]);
  optimizer.dispose();
  model.model.dispose();
  return summary;
}
