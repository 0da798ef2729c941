/**
 * @tiefe/continual: continual learning in Avalanche's vocabulary. Scenarios (split and permuted MNIST, class-
 * and domain-incremental streams from any labelled data), one training loop whose strategies are small plugin
 * objects (naive, joint, cumulative, EWC and online EWC, SI, LwF, MAS, replay, A-GEM, iCaRL, generative
 * replay), and the accuracy-matrix metrics (average accuracy, forgetting, backward and forward transfer).
 *
 * @packageDocumentation
 */
export { checkExperience, type Experience, type Scenario, type ScenarioKind } from './experience.js';
export {
  type AccuracyMatrix,
  accuracyMatrixChart,
  accuracyTable,
  averageAccuracy,
  backwardTransfer,
  type ContinualSummary,
  forgetting,
  forgettingPerExperience,
  forwardTransfer,
  seenAccuracy,
  summarize,
} from './metrics/accuracyMatrix.js';
export { type ContinualMlpOptions, continualMlp } from './model.js';
export {
  classIncremental,
  domainIncremental,
  type IncrementalOptions,
  type LabelledSet,
} from './scenarios/incremental.js';
export {
  type MnistSourceOptions,
  type PermutedMnistOptions,
  permutedMnist,
  type SplitMnistOptions,
  splitMnist,
} from './scenarios/mnist.js';
export { type AgemOptions, agem, projectGradients } from './strategies/agem.js';
export {
  classBalancedBuffer,
  type ReplayBuffer,
  readRows,
  reservoirBuffer,
  rowsToBatch,
  type StoredRow,
} from './strategies/buffers.js';
export { cumulative } from './strategies/cumulative.js';
export { type EwcOptions, ewc, type FisherKind, type FisherOptions, fisherDiagonal } from './strategies/ewc.js';
export { type GenerativeReplayOptions, generativeReplay } from './strategies/generativeReplay.js';
export { classMeans, featureModel, herding, type IcarlOptions, icarl, nearestMean } from './strategies/icarl.js';
export { joint } from './strategies/joint.js';
export { distillationLoss, type LwfOptions, lwf } from './strategies/lwf.js';
export { type MasOptions, mas, masImportance } from './strategies/mas.js';
export { naive } from './strategies/naive.js';
export { type ReplayOptions, replay, replayFrom } from './strategies/replay.js';
export { type SiOptions, si } from './strategies/si.js';
export {
  type Batch,
  ContinualTrainer,
  type ContinualTrainerOptions,
  cloneBatch,
  concatBatches,
  type Plugin,
  type TrainContext,
  takeBatch,
} from './trainer.js';
