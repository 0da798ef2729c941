/**
 * Part 5 of the tour: LRP and SmoothGrad heatmaps of a few test digits, the most confident mistake among them,
 * each explaining the class the CNN predicted (for a mistake: what made it see the wrong digit).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { RgbaImage } from '@tiefe/core';
import { composites, lrp, overlay, renderHeatmaps, renderInput, smoothGrad } from '@tiefe/explain';

/** One explained test digit. */
export interface ExplainedDigit {
  /** Index in the test set. */
  index: number;
  truth: number;
  predicted: number;
  /** Softmax probability of the predicted class. */
  confidence: number;
  /** The digit, its LRP map over it and its SmoothGrad² map (28 x 28 for MNIST). */
  images: [RgbaImage, RgbaImage, RgbaImage];
}

/** Options of {@link explainDigits}. */
export interface ExplainDigitsOptions {
  /** Digits explained: the first correct ones of distinct classes, then the most confident mistake. */
  count: number;
  /** SmoothGrad's noisy samples per digit. */
  smoothGradSamples: number;
}

/**
 * Picks `count - 1` correctly classified digits of distinct classes (in test order) and the misclassified digit
 * with the highest predicted probability (none when every digit is right: then `count` correct ones).
 */
export function pickDigits(truth: ArrayLike<number>, probabilities: Float32Array, classes: number, count: number) {
  const predicted: number[] = [];
  const confidence: number[] = [];
  for (let i = 0; i < truth.length; i++) {
    const row = probabilities.subarray(i * classes, (i + 1) * classes);
    let best = 0;
    for (let c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
    predicted.push(best);
    confidence.push(row[best]);
  }
  let mistake = -1;
  for (let i = 0; i < truth.length; i++) {
    if (predicted[i] !== truth[i] && (mistake < 0 || confidence[i] > confidence[mistake])) mistake = i;
  }
  const correct: number[] = [];
  const seen = new Set<number>();
  const wanted = mistake < 0 ? count : count - 1;
  for (let i = 0; i < truth.length && correct.length < wanted; i++) {
    if (predicted[i] === truth[i] && !seen.has(truth[i])) {
      seen.add(truth[i]);
      correct.push(i);
    }
  }
  const indices = mistake < 0 ? correct : [...correct, mistake];
  return indices.map((index) => ({
    index,
    truth: truth[index],
    predicted: predicted[index],
    confidence: confidence[index],
  }));
}

/**
 * Explains the picked test digits with LRP (epsilon-gamma-box composite, shown blue-white-red over the digit)
 * and SmoothGrad² (hot colour map). `probabilities` is the model's `[n, classes]` output on `images`.
 */
export async function explainDigits(
  model: tfl.LayersModel,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  probabilities: tf.Tensor2D,
  options: ExplainDigitsOptions,
): Promise<ExplainedDigit[]> {
  const { count, smoothGradSamples } = options;
  const classes = probabilities.shape[1];
  const picks = pickDigits(await labels.data(), (await probabilities.data()) as Float32Array, classes, count);
  const indices = tf.tensor1d(
    picks.map((p) => p.index),
    'int32',
  );
  const x = tf.gather(images, indices) as tf.Tensor4D;
  indices.dispose();
  const target = picks.map((p) => p.predicted);
  const relevance = await lrp(model, x, { target, composite: composites.epsilonGammaBox({ low: 0, high: 1 }) });
  const sg = await smoothGrad(model, x, {
    target,
    samples: smoothGradSamples,
    noiseLevel: 0.15,
    variant: 'squared',
    seed: 1,
  });
  const [lrpImages, sgImages] = await Promise.all([
    renderHeatmaps(relevance, { colormap: 'bwr' }),
    renderHeatmaps(sg, { colormap: 'hot' }),
  ]);
  const out: ExplainedDigit[] = [];
  for (let i = 0; i < picks.length; i++) {
    const digit = tf.slice(x, i, 1);
    const input = await renderInput(digit, { range: [0, 1] });
    digit.dispose();
    out.push({ ...picks[i], images: [input, overlay(input, lrpImages[i], { alpha: 0.8 }), sgImages[i]] });
  }
  tf.dispose([x, relevance, sg]);
  return out;
}
