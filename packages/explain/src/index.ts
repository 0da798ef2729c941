/**
 * @tiefe/explain: explanations for tfjs-layers models on any tfjs backend (WebGPU, wasm, cpu).
 *
 * - Layer-wise Relevance Propagation with zennit-style rules and composites: {@link lrp}, `rules`, `composites`.
 * - The gradient family: {@link saliency}, {@link gradientTimesInput}, {@link integratedGradients},
 *   {@link smoothGrad}; and {@link occlusion}.
 * - Prediction Difference Analysis: {@link predictionDifference}.
 * - Faithfulness: {@link pixelFlipping} (region perturbation, AOPC).
 * - Display: {@link renderHeatmap}, {@link overlay}, {@link imageGrid}; PNG files from `@tiefe/explain/node`.
 *
 * Every method is `(model, x, options) => Promise<tf.Tensor>` of x's shape and explains the target's
 * pre-softmax logit (a final softmax or sigmoid is stripped).
 */
export { UnsupportedLayerError } from './errors.js';
export { type PixelFlippingOptions, type PixelFlippingResult, pixelFlipping } from './evaluation/pixelFlipping.js';
export {
  gradientTimesInput,
  type IntegratedGradientsOptions,
  integratedGradients,
  type SaliencyOptions,
  saliency,
  type TargetOptions,
} from './gradients.js';
export {
  type Composite,
  type CompositeOptions,
  composites,
  epsilonAlpha2Beta1,
  epsilonAlpha2Beta1Flat,
  epsilonGammaBox,
  epsilonPlus,
  epsilonPlusFlat,
  type LayerInfo,
} from './lrp/composites.js';
export type { LinearMap } from './lrp/linearMap.js';
export { type LrpOptions, lrp } from './lrp/lrp.js';
export {
  alphaBeta,
  type Bound,
  epsilon,
  flat,
  gamma,
  type LrpRule,
  rules,
  wSquare,
  zBox,
  zero,
  zPlus,
} from './lrp/rules.js';
export { type OcclusionOptions, occlusion } from './occlusion.js';
export { LRP_SUPPORTED } from './plan.js';
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
export { blankImage, type GridOptions, imageGrid, type RgbaImage, upscale } from './render/image.js';
export type { ScoreKind } from './score.js';
export { type SmoothGradOptions, smoothGrad } from './smoothGrad.js';
export type { Target } from './target.js';
