/**
 * @tiefe/deploy: what comes before deployment, the course's seventh step: weight quantisation of saved
 * models (float16, uint8/uint16 affine, as the tfjs converter writes them, loadable by tf.loadLayersModel),
 * a robustness check (datasets' augmentations, Gaussian noise, an out-of-distribution AUROC) and model cards.
 *
 * @packageDocumentation
 */
export type { ModelSource } from './artifacts.js';
export {
  type EvaluateQuantizationOptions,
  evaluateQuantization,
  type QuantizationEvaluation,
} from './evaluateQuantization.js';
export { type ModelCard, type ModelCardData, type ModelCardInput, modelCard } from './modelCard.js';
export {
  type QuantizationDtype,
  type QuantizationReport,
  type QuantizedModel,
  type QuantizeOptions,
  quantizeModel,
  type WeightQuantization,
} from './quantize.js';
export {
  type OodReport,
  type PerturbedAccuracy,
  ROBUSTNESS_AUGMENTATIONS,
  type RobustnessOptions,
  type RobustnessReport,
  robustnessReport,
} from './robustness.js';
