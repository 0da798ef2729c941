/**
 * @tiefe/explain: explanations for tfjs-layers models on any tfjs backend (WebGPU, wasm, cpu).
 *
 * - Layer-wise Relevance Propagation with zennit-style rules and composites: {@link lrp}, with the rule
 *   factories in the namespace `rules` (`rules.epsilon()`) and the composites in `composites`
 *   (`composites.epsilonGammaBox({ low: 0, high: 1 })`), as zennit's `zennit.rules` / `zennit.composites` and
 *   tfjs's `tf.initializers`: families of interchangeable factories for one option are namespaces.
 * - The gradient family: {@link saliency}, {@link gradientTimesInput}, {@link integratedGradients},
 *   {@link smoothGrad}; and {@link occlusion}; {@link lime} on grid or {@link slic} superpixels.
 * - Prediction Difference Analysis: {@link predictionDifference}.
 * - Faithfulness: {@link pixelFlipping} (region perturbation, AOPC).
 * - Display: {@link renderHeatmap}, {@link overlay}; grids with headers with `@tiefe/charts`' `imageGridChart`.
 *
 * Every method is `(model, x, options) => Promise<tf.Tensor>` of x's shape and explains the target's
 * pre-softmax logit (a final softmax or sigmoid is stripped).
 *
 * @packageDocumentation
 */
export { type DeepLiftOptions, deepLift } from './deepLift.js';
export { UnsupportedLayerError } from './errors.js';
export { type InfidelityOptions, infidelity, type SensitivityOptions, sensitivity } from './evaluation/infidelity.js';
export {
  type InsertionDeletionOptions,
  type InsertionDeletionResult,
  insertionDeletion,
} from './evaluation/insertionDeletion.js';
export { type PixelFlippingOptions, type PixelFlippingResult, pixelFlipping } from './evaluation/pixelFlipping.js';
export {
  type Explainer,
  type RandomisationOptions,
  type RandomisationResult,
  randomisationCheck,
  spearman,
} from './evaluation/randomisation.js';
export { type GradCamOptions, gradCam } from './gradCam.js';
export { type GradientShapOptions, gradientShap } from './gradientShap.js';
export {
  type Baseline,
  gradientTimesInput,
  type IntegratedGradientsOptions,
  integratedGradients,
  type SaliencyOptions,
  saliency,
  type TargetOptions,
} from './gradients.js';
export { guidedBackprop, guidedGradCam } from './guided.js';
export { type LimeOptions, lime } from './lime.js';
export {
  type Composite,
  type CompositeOptions,
  composites,
  type LayerInfo,
  type LayerMapOptions,
} from './lrp/composites.js';
export type { LinearMap } from './lrp/linearMap.js';
export { type LrpOptions, lrp } from './lrp/lrp.js';
export { type Bound, type LrpRule, rules } from './lrp/rules.js';
export { type CustomRelevance, type LayerRule, lrpSupported, registerLrpLayer } from './model/layers.js';
export type { ScoreKind } from './model/prepare.js';
export type { OutputTarget, Target } from './model/target.js';
export { type OcclusionOptions, occlusion } from './occlusion.js';
export { type PredictionDifferenceOptions, predictionDifference } from './predictionDifference.js';
export { COLORMAPS, type ColormapName, colormap, isDiverging } from './render/colormap.js';
export {
  type HeatmapOptions,
  type InputImageOptions,
  type OverlayOptions,
  overlay,
  renderHeatmap,
  renderHeatmaps,
  renderInput,
} from './render/heatmap.js';
export { renderTokens, type TokenOptions } from './render/tokens.js';
export { type Segmentation, type SlicOptions, slic } from './slic.js';
export { type SmoothGradOptions, smoothGrad } from './smoothGrad.js';
