/**
 * Part 2 of the tour, the data: the MNIST test file's 10,000 digits split 8,000 train / 2,000 test
 * (stratified, seed 42), or a clearly labelled synthetic stand-in when the files are missing.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { type LabeledImages, loadMnist, syntheticShapeClasses, trainTestSplit } from '@tiefe/datasets';

/** What {@link loadDigits} returns; the caller disposes the four tensors. */
export interface Digits {
  train: LabeledImages;
  test: LabeledImages;
  classNames: string[];
  /** Where the digits came from, e.g. `MNIST test digits from ../shared/data/mnist`. */
  source: string;
  /** True when the MNIST files were missing and the synthetic shapes stand in for digits. */
  synthetic: boolean;
}

/**
 * Reads the official t10k IDX files from `dir` (the first `limit` digits, default all 10,000) and holds out a
 * fifth of them, at most 2,000, as the test set. Without the folder: synthetic shape classes instead, with a
 * warning through `log`.
 */
export async function loadDigits(dir: string, limit: number | undefined, log: (line: string) => void): Promise<Digits> {
  let data: LabeledImages;
  let source: string;
  const synthetic = !existsSync(dir);
  if (synthetic) {
    log(`No MNIST files in ${dir} (set MNIST_DIR): using the SYNTHETIC stand-in instead of digits.`);
    data = syntheticShapeClasses({ count: limit ?? 10_000, size: 28, seed: 1 });
    source = 'SYNTHETIC shapes (not MNIST)';
  } else {
    data = await loadMnist({ dir, split: 'test', limit });
    source = `MNIST test digits from ${dir}`;
  }
  const testSize = Math.min(2000, Math.round(data.images.shape[0] / 5));
  const { train, test } = trainTestSplit(data, { testSize, seed: 42, stratify: true });
  tf.dispose([data.images, data.labels]);
  return { train, test, classNames: data.classNames, source, synthetic };
}

/** How many digits of each class `labels` (float32 class ids) holds. */
export async function classCounts(labels: tf.Tensor1D, classes: number): Promise<number[]> {
  const counts = new Array<number>(classes).fill(0);
  for (const l of await labels.data()) counts[l]++;
  return counts;
}

/** Indices of the first `perClass` digits of every class, as `[class][k]` (fewer where a class has fewer). */
export async function firstOfEachClass(labels: tf.Tensor1D, classes: number, perClass: number): Promise<number[][]> {
  const picked: number[][] = Array.from({ length: classes }, () => []);
  const values = await labels.data();
  for (let i = 0; i < values.length; i++) {
    const row = picked[values[i]];
    if (row.length < perClass) row.push(i);
  }
  return picked;
}
