import type * as tf from '@tensorflow/tfjs-core';
import { metricClasses, SegmentationConfusionMatrix, type SegmentationMetricOptions } from './confusionMatrix.js';

async function matrix(fn: string, yTrue: tf.Tensor, yPred: tf.Tensor, o: SegmentationMetricOptions) {
  const cm = new SegmentationConfusionMatrix({ ...o, numClasses: metricClasses(fn, yPred, o) });
  await cm.update(yTrue, yPred);
  return cm;
}

/**
 * Dice score per class on hard predictions (argmax, or threshold for one channel): 2 TP / (2 TP + FP + FN),
 * counts over the batch and all pixels; NaN for a class absent from both yTrue and the prediction.
 */
export async function diceScore(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: SegmentationMetricOptions = {},
): Promise<number[]> {
  return (await matrix('diceScore', yTrue, yPred, options)).dice();
}

/** IoU per class on hard predictions: TP / (TP + FP + FN); NaN for a class absent from both. */
export async function iou(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: SegmentationMetricOptions = {},
): Promise<number[]> {
  return (await matrix('iou', yTrue, yPred, options)).iou();
}

/** Mean IoU over the classes where IoU is defined (Keras' MeanIoU). NaN when every pixel is ignored. */
export async function meanIoU(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: SegmentationMetricOptions = {},
): Promise<number> {
  return (await matrix('meanIoU', yTrue, yPred, options)).meanIoU();
}

/** Global pixel accuracy: correctly classified counted pixels / counted pixels. NaN when every pixel is ignored. */
export async function pixelAccuracy(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: SegmentationMetricOptions = {},
): Promise<number> {
  return (await matrix('pixelAccuracy', yTrue, yPred, options)).pixelAccuracy();
}

/**
 * Mean class accuracy: mean over the classes present in yTrue of TP_c / (TP_c + FN_c) (per-class recall).
 * NaN when every pixel is ignored.
 */
export async function meanClassAccuracy(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: SegmentationMetricOptions = {},
): Promise<number> {
  return (await matrix('meanClassAccuracy', yTrue, yPred, options)).meanClassAccuracy();
}
