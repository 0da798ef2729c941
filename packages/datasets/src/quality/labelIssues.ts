import * as tf from '@tensorflow/tfjs-core';
import { checkOneOf, checkOptions, checkTensor, describeValue, InputError } from '@tiefe/core';

/** Options of {@link findLabelIssues}. */
export interface FindLabelIssuesOptions {
  /** Only confident learning (Northcutt, Jiang & Chuang 2021) for now. Default `'confidentLearning'`. */
  method?: 'confidentLearning';
}

/** Result of {@link findLabelIssues}: plain arrays. */
export interface LabelIssues {
  /** Indices of the suspected label errors, most suspicious (lowest self-confidence) first. */
  indices: number[];
  /** Self-confidence p̂(given label | x) of each listed sample, ascending (the ranking score). */
  selfConfidence: number[];
  /** The given label of each listed sample. */
  givenLabels: number[];
  /** The model's label (argmax of the probabilities) of each listed sample. */
  suggestedLabels: number[];
  /** Per-class thresholds t_j: the mean p̂(j | x) over samples labelled j. */
  thresholds: number[];
  /** Calibrated confident joint `[given label][estimated true label]` (rows sum to the class counts). */
  confidentJoint: number[][];
  /** Estimated share of wrong labels: the off-diagonal mass of the calibrated confident joint / n. */
  estimatedNoiseRate: number;
}

/** Reads labels (array or Tensor1D of integer class ids) as plain numbers. */
export function readLabels(fn: string, labels: unknown, arg = 'labels'): number[] {
  const name = `${fn}: ${arg}`;
  let values: number[];
  if (labels instanceof tf.Tensor) values = Array.from(checkTensor(name, labels, { rank: 1 }).dataSync());
  else if (Array.isArray(labels)) values = labels;
  else throw new InputError(name, 'an array or Tensor1D of class ids', describeValue(labels));
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0) {
      throw new InputError(name, 'integer class ids >= 0', `${describeValue(v)} at ${i}`);
    }
  });
  return values;
}

/** Reads `[n, classes]` probabilities (Tensor2D or nested arrays) into a flat Float32Array, checking rows sum to 1. */
export function readProbabilities(
  fn: string,
  arg: string,
  probs: unknown,
  n: number,
): { p: Float32Array; classes: number } {
  const name = `${fn}: ${arg}`;
  let p: Float32Array;
  let rows: number;
  let classes: number;
  if (probs instanceof tf.Tensor) {
    const t = checkTensor<tf.Tensor2D>(name, probs, { rank: 2 });
    [rows, classes] = t.shape;
    p = Float32Array.from(t.dataSync());
  } else if (Array.isArray(probs) && probs.length > 0 && Array.isArray(probs[0])) {
    rows = probs.length;
    classes = probs[0].length;
    p = new Float32Array(rows * classes);
    probs.forEach((row: number[], i) => {
      if (!Array.isArray(row) || row.length !== classes)
        throw new InputError(name, `${classes} probabilities per row`, `${describeValue(row)} at row ${i}`);
      p.set(row, i * classes);
    });
  } else
    throw new InputError(name, 'a Tensor2D or [n][classes] array of predicted probabilities', describeValue(probs));
  if (rows !== n) throw new InputError(name, `${n} rows (one per label)`, `${rows}`);
  if (classes < 2) throw new InputError(name, 'at least 2 classes', `${classes}`);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < classes; j++) {
      const v = p[i * classes + j];
      if (!(v >= 0 && v <= 1)) throw new InputError(name, 'probabilities in [0, 1]', `${v} at row ${i}`);
      s += v;
    }
    if (Math.abs(s - 1) > 1e-3)
      throw new InputError(name, 'rows summing to 1 (softmax outputs)', `a sum of ${s} at row ${i}`);
  }
  return { p, classes };
}

/**
 * Suspected label errors by confident learning (Northcutt, Jiang & Chuang 2021, as cleanlab's
 * `find_label_issues(filter_by='prune_by_noise_rate')`), from out-of-fold predicted probabilities (each sample
 * scored by a model that did not train on it, e.g. from `outOfFoldProbabilities`):
 * 1. threshold t_j = mean p̂(j | x) over the samples labelled j (the model's typical confidence in class j);
 * 2. confident joint C[i][j]: samples labelled i whose p̂(j | x) >= t_j (the argmax among several such j),
 *    calibrated so that each row sums to the count of label i;
 * 3. prune by noise rate: for each i != j, the round(C[i][j]) samples labelled i with the largest margin
 *    p̂(j | x) - p̂(i | x) are issues, unless the model's argmax agrees with the given label;
 * ranked by self-confidence p̂(given label | x), lowest first. Labels and probabilities may be tensors (read,
 * not disposed) or arrays.
 *
 * @example
 * const { indices, estimatedNoiseRate } = findLabelIssues(labels, probs); // indices[0]: most suspicious
 */
export function findLabelIssues(
  labels: tf.Tensor1D | readonly number[],
  outOfFoldProbs: tf.Tensor2D | readonly (readonly number[])[],
  options: FindLabelIssuesOptions = {},
): LabelIssues {
  const fn = 'findLabelIssues';
  const o = checkOptions(`${fn}: options`, options);
  checkOneOf(`${fn}: method`, o.method ?? 'confidentLearning', ['confidentLearning'] as const);
  const y = readLabels(fn, labels);
  const { p, classes: K } = readProbabilities(fn, 'outOfFoldProbs', outOfFoldProbs, y.length);
  const n = y.length;
  y.forEach((v, i) => {
    if (v >= K)
      throw new InputError(`${fn}: labels`, `class ids below ${K} (the probabilities' classes)`, `${v} at ${i}`);
  });
  const counts = new Array<number>(K).fill(0);
  const thresholds = new Array<number>(K).fill(0);
  for (let i = 0; i < n; i++) {
    counts[y[i]]++;
    thresholds[y[i]] += p[i * K + y[i]];
  }
  // A class nobody carries as label has no threshold: it can never be a confident true class.
  for (let j = 0; j < K; j++) thresholds[j] = counts[j] > 0 ? thresholds[j] / counts[j] : Number.POSITIVE_INFINITY;
  const joint = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < n; i++) {
    let best = -1;
    for (let j = 0; j < K; j++) {
      const v = p[i * K + j];
      if (v >= thresholds[j] - 1e-6 && (best < 0 || v > p[i * K + best])) best = j;
    }
    if (best >= 0) joint[y[i]][best]++;
  }
  // Calibration: each row scaled to the number of samples with that label.
  const calibrated = joint.map((row, i) => {
    const s = row.reduce((a, b) => a + b, 0);
    return s > 0 ? row.map((v) => (v / s) * counts[i]) : row.map(() => 0);
  });
  const issue = new Uint8Array(n);
  for (let i = 0; i < K; i++) {
    const members: number[] = [];
    for (let s = 0; s < n; s++) if (y[s] === i) members.push(s);
    for (let j = 0; j < K; j++) {
      const prune = Math.round(calibrated[i][j]);
      if (j === i || prune <= 0) continue;
      const margin = (s: number) => p[s * K + j] - p[s * K + i];
      const order = [...members].sort((a, b) => margin(b) - margin(a));
      for (const s of order.slice(0, prune)) issue[s] = 1;
    }
  }
  const predicted = (s: number) => {
    let best = 0;
    for (let j = 1; j < K; j++) if (p[s * K + j] > p[s * K + best]) best = j;
    return best;
  };
  const indices: number[] = [];
  for (let s = 0; s < n; s++) if (issue[s] && predicted(s) !== y[s]) indices.push(s);
  const self = (s: number) => p[s * K + y[s]];
  indices.sort((a, b) => self(a) - self(b) || a - b);
  let offDiagonal = 0;
  calibrated.forEach((row, i) => {
    row.forEach((v, j) => {
      if (i !== j) offDiagonal += v;
    });
  });
  return {
    indices,
    selfConfidence: indices.map(self),
    givenLabels: indices.map((s) => y[s]),
    suggestedLabels: indices.map(predicted),
    thresholds,
    confidentJoint: calibrated,
    estimatedNoiseRate: offDiagonal / n,
  };
}
