import type * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkNumber, checkOptions, checkTensor, InputError } from '@tiefe/core';
import { findLabelIssues, type LabelIssues, readLabels } from './labelIssues.js';
import { hamming, type ImageHashes, perceptualHashes, thumbCorrelation } from './perceptualHash.js';

/** Options of {@link datasetReport}. */
export interface DatasetReportOptions {
  /** A held-out split `[m, H, W, C]` to check for leakage (duplicates across the splits) and summarise. */
  testImages?: tf.Tensor4D;
  /** Labels of `testImages`. */
  testLabels?: tf.Tensor1D | readonly number[];
  /**
   * Out-of-fold predicted probabilities `[n, classes]` for `images` (each row from a model that did not train on
   * that sample, e.g. `outOfFoldProbabilities`): adds suspected label errors by {@link findLabelIssues}.
   */
  outOfFoldProbs?: tf.Tensor2D;
  /** Number of classes. Default: the largest label + 1 (or the probabilities' width). */
  numClasses?: number;
  /** Two images are near-duplicate candidates when their 64-bit pHashes differ in at most this many bits. Default 4. */
  nearDuplicateDistance?: number;
  /**
   * ... and confirmed when the Pearson correlation of their 16 x 16 gray thumbnails is at least this. Default
   * 0.995. Hashes alone are too coarse for small, sparse images: on MNIST, 40 of 4.5 million pairs of different
   * digits (mostly 1s) share the same pHash, while noisy, rescaled copies keep correlations above 0.997.
   */
  nearDuplicateCorrelation?: number;
  /** At most this many pairs are listed per duplicate list (all are counted). Default 100. */
  maxPairs?: number;
}

/** Statistics of one channel over every finite value of a split. */
export interface ChannelStats {
  /** Mean. */
  mean: number;
  /** Population standard deviation. */
  std: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
}

/** Two images that are the same or nearly so. */
export interface DuplicatePair {
  /** Index of the first image (in `images`; for pairs across splits, the training image). */
  first: number;
  /** Index of the second image (in the same split, or in `testImages` for pairs across splits). */
  second: number;
  /** Hamming distance of their pHashes (0-64). */
  hashDistance: number;
  /** Correlation of their 16 x 16 gray thumbnails. */
  correlation: number;
  /** Whether every value is identical. */
  exact: boolean;
}

/** Duplicates found in one split or across two. */
export interface DuplicateList {
  /** Number of pairs with identical values. */
  exact: number;
  /** Number of near-duplicate pairs that are not exact. */
  near: number;
  /** Up to `maxPairs` pairs: exact ones first, then by decreasing correlation. */
  pairs: DuplicatePair[];
}

/** Summary of one split. */
export interface SplitReport {
  /** Number of samples. */
  size: number;
  /** Samples per class id `0..numClasses-1`. */
  classCounts: number[];
  /** Largest class count / smallest non-empty class count (1 = balanced). */
  imbalanceRatio: number;
  /** Class ids with no sample. */
  emptyClasses: number[];
  /** Per-channel statistics (non-finite values left out). */
  channels: ChannelStats[];
  /** Samples holding NaN or ±Infinity. */
  nonFinite: number[];
  /** Samples whose values are all the same (blank, saturated or failed-to-load images). */
  constant: number[];
  /** Exact and near duplicates within the split. */
  duplicates: DuplicateList;
}

/** Result of {@link datasetReport}: plain data (JSON-serialisable except an infinite imbalance). */
export interface DatasetReport {
  /** Shape of one image `[H, W, C]`. */
  imageShape: number[];
  /** Number of classes the counts cover. */
  numClasses: number;
  /** The hash-distance threshold used for near duplicates. */
  nearDuplicateDistance: number;
  /** The thumbnail-correlation threshold used for near duplicates. */
  nearDuplicateCorrelation: number;
  /** The split given as `images`. */
  train: SplitReport;
  /** The split given as `testImages`, when given. */
  test?: SplitReport;
  /** Pairs with one image in each split (leakage), when `testImages` was given. */
  acrossSplits?: DuplicateList;
  /** Suspected label errors in `images`, when `outOfFoldProbs` was given. */
  labelIssues?: LabelIssues;
}

interface Split {
  data: Float32Array;
  n: number;
  labels: number[];
  hashes: ImageHashes;
  finite: Uint8Array;
}

function summarise(split: Split, shape: number[], numClasses: number, dups: DuplicateList): SplitReport {
  const [h, w, c] = shape;
  const { data, n, labels, finite } = split;
  const classCounts = new Array<number>(numClasses).fill(0);
  for (const l of labels) classCounts[l]++;
  const present = classCounts.filter((v) => v > 0);
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  const count = new Float64Array(c);
  const min = new Array<number>(c).fill(Number.POSITIVE_INFINITY);
  const max = new Array<number>(c).fill(Number.NEGATIVE_INFINITY);
  const nonFinite: number[] = [];
  const constant: number[] = [];
  const stride = h * w * c;
  for (let i = 0; i < n; i++) {
    const base = i * stride;
    let same = true;
    for (let k = 0; k < stride; k++) {
      const v = data[base + k];
      if (v !== data[base]) same = false;
      if (!Number.isFinite(v)) continue;
      const ch = k % c;
      sum[ch] += v;
      sq[ch] += v * v;
      count[ch]++;
      if (v < min[ch]) min[ch] = v;
      if (v > max[ch]) max[ch] = v;
    }
    if (!finite[i]) nonFinite.push(i);
    else if (same) constant.push(i);
  }
  const channels = Array.from({ length: c }, (_, ch) => {
    const mean = count[ch] > 0 ? sum[ch] / count[ch] : Number.NaN;
    return {
      mean,
      std: count[ch] > 0 ? Math.sqrt(Math.max(0, sq[ch] / count[ch] - mean * mean)) : Number.NaN,
      min: min[ch],
      max: max[ch],
    };
  });
  return {
    size: n,
    classCounts,
    imbalanceRatio: present.length > 0 ? Math.max(...present) / Math.min(...present) : Number.NaN,
    emptyClasses: classCounts.flatMap((v, k) => (v === 0 ? [k] : [])),
    channels,
    nonFinite,
    constant,
    duplicates: dups,
  };
}

function sameValues(a: Float32Array, i: number, b: Float32Array, j: number, stride: number): boolean {
  for (let k = 0; k < stride; k++) if (a[i * stride + k] !== b[j * stride + k]) return false;
  return true;
}

/**
 * All duplicate pairs between split a and split b (or within a when b is a): hash distance <= maxDistance and
 * thumbnail correlation >= minCorrelation, or identical values. Images with non-finite values are skipped.
 */
function findDuplicates(
  a: Split,
  b: Split,
  stride: number,
  maxDistance: number,
  minCorrelation: number,
  maxPairs: number,
): DuplicateList {
  const within = a === b;
  const size = a.hashes.thumb * a.hashes.thumb;
  const found: DuplicatePair[] = [];
  let exact = 0;
  let near = 0;
  for (let i = 0; i < a.n; i++) {
    if (!a.finite[i]) continue;
    for (let j = within ? i + 1 : 0; j < b.n; j++) {
      if (!b.finite[j]) continue;
      const d = hamming(a.hashes.hashes, i, b.hashes.hashes, j);
      if (d > maxDistance) continue;
      const r = thumbCorrelation(a.hashes.thumbs, i, b.hashes.thumbs, j, size);
      const same = d === 0 && sameValues(a.data, i, b.data, j, stride);
      if (!same && r < minCorrelation) continue;
      if (same) exact++;
      else near++;
      found.push({ first: i, second: j, hashDistance: d, correlation: r, exact: same });
    }
  }
  found.sort((x, y) => Number(y.exact) - Number(x.exact) || y.correlation - x.correlation || x.first - y.first);
  return { exact, near, pairs: found.slice(0, maxPairs) };
}

async function readSplit(fn: string, arg: string, images: unknown, labels: unknown, shape?: number[]): Promise<Split> {
  const t = checkTensor<tf.Tensor4D>(`${fn}: ${arg}`, images, { rank: 4 });
  if (shape && t.shape.slice(1).some((d, k) => d !== shape[k])) {
    throw new InputError(
      `${fn}: ${arg}`,
      `images of shape [${shape.join(',')}] (as images)`,
      `[${t.shape.slice(1).join(',')}]`,
    );
  }
  const [n, h, w, c] = t.shape;
  const labelArg = arg === 'images' ? 'labels' : 'testLabels';
  const y = readLabels(fn, labels, labelArg);
  if (y.length !== n) throw new InputError(`${fn}: ${labelArg}`, `${n} labels (one per image)`, `${y.length}`);
  const data = Float32Array.from(await t.data());
  const stride = h * w * c;
  const finite = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let ok = 1;
    for (let k = i * stride; k < (i + 1) * stride; k++)
      if (!Number.isFinite(data[k])) {
        ok = 0;
        break;
      }
    finite[i] = ok;
  }
  // Non-finite values would poison the hash; their images are reported as corrupt and left out of the search.
  const clean = data.map((v) => (Number.isFinite(v) ? v : 0));
  return { data, n, labels: y, finite, hashes: perceptualHashes(clean, n, h, w, c) };
}

/**
 * A data-quality report of an image classification set, as plain data (render it with
 * {@link formatDatasetReport}): class counts and imbalance, per-channel statistics, corrupt (NaN/inf) and
 * constant samples, exact and near duplicates within the set, within `testImages` and across the two (leakage:
 * a test image the model has seen), and, given out-of-fold probabilities, suspected label errors by confident
 * learning. Near duplicates: 64-bit pHash within `nearDuplicateDistance` bits, confirmed by the correlation
 * of 16 x 16 thumbnails. The search compares every pair of hashes (n² / 2: ~0.5 s for 10,000 images).
 * Tensors are read, not disposed; nothing is left allocated.
 *
 * @example
 * const report = await datasetReport(train.images, train.labels, { testImages: test.images, testLabels: test.labels });
 * console.log(formatDatasetReport(report));
 */
export async function datasetReport(
  images: tf.Tensor4D,
  labels: tf.Tensor1D | readonly number[],
  options: DatasetReportOptions = {},
): Promise<DatasetReport> {
  const fn = 'datasetReport';
  const o = checkOptions(`${fn}: options`, options);
  const maxDistance = checkInt(`${fn}: nearDuplicateDistance`, o.nearDuplicateDistance ?? 4, 0, 64);
  const minCorrelation = checkNumber(`${fn}: nearDuplicateCorrelation`, o.nearDuplicateCorrelation ?? 0.995, -1, 1);
  const maxPairs = checkInt(`${fn}: maxPairs`, o.maxPairs ?? 100, 0);
  if ((o.testImages === undefined) !== (o.testLabels === undefined)) {
    throw new InputError(
      `${fn}: testLabels`,
      'testImages and testLabels together',
      o.testImages ? 'testImages only' : 'testLabels only',
    );
  }
  const train = await readSplit(fn, 'images', images, labels);
  const shape = images.shape.slice(1);
  const test = o.testImages ? await readSplit(fn, 'testImages', o.testImages, o.testLabels, shape) : undefined;
  const stride = shape[0] * shape[1] * shape[2];
  // A loop, not Math.max(...labels): spreading 100,000s of arguments overflows the stack.
  let largest = 0;
  for (const l of [...train.labels, ...(test?.labels ?? [])]) if (l + 1 > largest) largest = l + 1;
  const probClasses = o.outOfFoldProbs
    ? checkTensor<tf.Tensor2D>(`${fn}: outOfFoldProbs`, o.outOfFoldProbs, { rank: 2 }).shape[1]
    : 0;
  const numClasses =
    o.numClasses === undefined ? Math.max(largest, probClasses) : checkInt(`${fn}: numClasses`, o.numClasses, 1);
  if (largest > numClasses)
    throw new InputError(`${fn}: numClasses`, `more than the largest label ${largest - 1}`, `${numClasses}`);
  const dup = (a: Split, b: Split) => findDuplicates(a, b, stride, maxDistance, minCorrelation, maxPairs);
  const report: DatasetReport = {
    imageShape: shape,
    numClasses,
    nearDuplicateDistance: maxDistance,
    nearDuplicateCorrelation: minCorrelation,
    train: summarise(train, shape, numClasses, dup(train, train)),
  };
  if (test) {
    report.test = summarise(test, shape, numClasses, dup(test, test));
    report.acrossSplits = dup(train, test);
  }
  if (o.outOfFoldProbs) report.labelIssues = findLabelIssues(train.labels, o.outOfFoldProbs);
  return report;
}
