/**
 * @tiefe/losses: the losses and metrics of segmentation and of the classic tasks, for TensorFlow.js.
 *
 * Every loss is a factory taking an options object and returning `(yTrue, yPred) => tf.Scalar` (Keras order,
 * usable in `model.compile({ loss })` and custom training loops). Metrics come in two forms, one name each: a
 * factory returning `(yTrue, yPred) => tf.Scalar` for `model.compile({ metrics })` (per batch, e.g. `meanIoU()`),
 * and the method of the same name of the streaming {@link SegmentationConfusionMatrix} for the exact figure of
 * a whole data set (`cm.meanIoU()`). Images are NHWC (NDHWC for volumes).
 *
 * @packageDocumentation
 */
export { checkInputs } from './checkInputs.js';
export {
  type BinaryCrossentropyOptions,
  binaryCrossentropy,
  type CategoricalCrossentropyOptions,
  categoricalCrossentropy,
  hinge,
  type KLDivergenceOptions,
  kullbackLeiblerDivergence,
  sparseCategoricalCrossentropy,
  squaredHinge,
} from './classic/classification.js';
export {
  meanAbsoluteError,
  meanSquaredError,
  type WeightedLossFn,
  type WeightedMseOptions,
  weightedMeanSquaredError,
} from './classic/regression.js';
export { combineLosses, type WeightedLoss } from './combine.js';
export {
  SegmentationConfusionMatrix,
  type SegmentationConfusionMatrixOptions,
  type SegmentationMetricOptions,
} from './metrics/confusionMatrix.js';
export { distanceTransform, squaredDistanceTransform } from './metrics/distanceTransform.js';
export {
  type HausdorffDistanceOptions,
  hausdorffDistance,
  type MaskInput,
  maskSurface,
} from './metrics/hausdorffDistance.js';
export {
  type ClassMeanOptions,
  type MetricFn,
  type MetricOptions,
  meanClassAccuracy,
  meanDice,
  meanIoU,
  pixelAccuracy,
} from './metrics/segmentationMetrics.js';
export {
  type DiceLossOptions,
  diceLoss,
  type GeneralizedDiceLossOptions,
  generalizedDiceLoss,
} from './segmentation/dice.js';
export { type FocalLossOptions, focalLoss } from './segmentation/focal.js';
export {
  type HausdorffDTLossFn,
  type HausdorffDTLossOptions,
  hausdorffDTLoss,
  hausdorffDTWeights,
} from './segmentation/hausdorffDT.js';
export { type JaccardLossOptions, jaccardLoss } from './segmentation/jaccard.js';
export {
  type LovaszHingeLossOptions,
  type LovaszSoftmaxLossOptions,
  lovaszHingeLoss,
  lovaszSoftmaxLoss,
} from './segmentation/lovasz.js';
export type { OverlapLossOptions } from './segmentation/overlap.js';
export {
  type FocalTverskyLossOptions,
  focalTverskyLoss,
  type TverskyLossOptions,
  tverskyLoss,
} from './segmentation/tversky.js';
export type { LossFn, SegmentationInputOptions, SegmentationMode } from './types.js';
