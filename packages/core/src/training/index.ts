/** Training utilities that Keras and PyTorch users expect and tfjs lacks. */
export {
  type CheckpointCallbackOptions,
  CheckpointError,
  type CheckpointState,
  checkpointCallback,
  hasCheckpoint,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint/index.js';
export {
  type CrossValidateOptions,
  type CrossValidationResult,
  crossValidate,
  type Fold,
  type FoldResult,
  type KFoldOptions,
  kFold,
  type Splitter,
  stratifiedKFold,
} from './crossValidation.js';
export { EarlyStoppingCallback, type EarlyStoppingOptions, earlyStopping } from './earlyStopping.js';
export { type Ensemble, type EnsembleOptions, ensemble, type Predictor } from './ensemble.js';
export {
  formatDuration,
  formatValue,
  ProgressBarCallback,
  type ProgressBarOptions,
  type ProgressEvent,
  type ProgressStream,
  progressBar,
} from './progressBar.js';
export { Standardizer, type StandardizerJSON, type StandardizerOptions } from './standardizer.js';
