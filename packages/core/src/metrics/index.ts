/** Classification metrics that return plain numbers (sklearn-style), for tensors or plain arrays. */
export { accuracy } from './accuracy.js';
export { auroc } from './auroc.js';
export {
  type ClassificationReport,
  type ClassificationReportOptions,
  type ClassRow,
  type ClassScores,
  classificationReport,
} from './classificationReport.js';
export { type ConfusionMatrixOptions, confusionMatrix } from './confusionMatrix.js';
export type { LabelInput, LabelOptions } from './labels.js';
export { topKError } from './topKError.js';
