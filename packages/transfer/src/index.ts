/**
 * @tiefe/transfer: reuse trained networks. Load a Keras-format model from anywhere tfjs reads, summarise it,
 * freeze and unfreeze layers (batch norm in inference mode while frozen, as Keras), cut it at a layer, put on a
 * new classification, regression or U-Net segmentation head, cache embeddings and classify them (a head or
 * k-nearest neighbours), fine-tune with layer-wise learning rates, schedules and ReduceLROnPlateau, and compare
 * scratch, frozen-feature and fine-tuned learning from a few labels (`compareTransfer`).
 *
 * @packageDocumentation
 */
export {
  type CompareTransferOptions,
  compareTransfer,
  drawPerClass,
  type LabelledImages,
  TRANSFER_STRATEGIES,
  type TransferComparison,
  type TransferStrategy,
} from './compareTransfer.js';
export { cutAt, layerOutput, type Sym } from './cut.js';
export { type ExtractFeaturesOptions, extractFeatures } from './features.js';
export { type FineTuneOptions, type FineTuneResult, type FineTuneStage, fineTune } from './fineTune.js';
export {
  type FreezeOptions,
  freeze,
  type LayerTrainability,
  type TrainableReport,
  trainableReport,
  unfreeze,
} from './freeze.js';
export {
  type AddHeadOptions,
  addHead,
  applyHead,
  type ClassificationHead,
  type HeadSpec,
  headModel,
  type Pooling,
  type RegressionHead,
  stackHead,
} from './heads.js';
export { type KnnOptions, knnClassify } from './knn.js';
export {
  getLearningRate,
  LayerwiseOptimizer,
  type LayerwiseOptions,
  layerwiseOptimizer,
  type RateGroup,
  setLearningRate,
} from './learningRate.js';
export { type LoadModelOptions, loadModel, type ModelSource, modelArtifacts } from './loadModel.js';
export { ReduceLrOnPlateau, type ReduceLrOnPlateauOptions, reduceLrOnPlateau } from './reduceLrOnPlateau.js';
export {
  LearningRateScheduler,
  learningRateScheduler,
  type Schedule,
  type StepDecayOptions,
  stepDecay,
  type WarmupCosineOptions,
  warmupCosine,
} from './schedules.js';
export { type LayerSelector, layerByName, nearestNames, selectLayers } from './selectLayers.js';
export { formatSummary, type LayerSummary, type ModelSummary, modelSummary } from './summary.js';
export { addUnetDecoder, type UnetDecoderOptions } from './unetDecoder.js';
