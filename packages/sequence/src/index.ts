/**
 * @tiefe/sequence: recurrent networks (SimpleRNN, LSTM, GRU) built from tfjs-layers layers, sequence data
 * (windowing, normalisation, padding with masks, vocabularies), streaming inference and sampling, and the
 * classic tasks that show why LSTMs exist (the adding problem, forecasting, a character language model,
 * digit addition).
 *
 * @packageDocumentation
 */

export {
  type PaddedBatch,
  type PadOptions,
  padSequences,
  type SequenceBatch,
  type SequenceBatchOptions,
  sequenceBatches,
} from './data/padding.js';
export {
  type ForecastData,
  type ForecastDataOptions,
  forecastData,
  type Series,
  type TimeSplit,
  type TimeSplitOptions,
  timeSplit,
  type WindowOptions,
  type Windows,
  windows,
} from './data/series.js';
export { type NextTokenWindowOptions, nextTokenWindows, unigramEntropy } from './data/textWindows.js';
export {
  type EncodeOptions,
  Vocabulary,
  type VocabularyJSON,
  type VocabularyLevel,
  type VocabularyOptions,
} from './data/vocabulary.js';
export {
  type GenerateOptions,
  generate,
  type SamplingOptions,
  sampleToken,
  samplingDistribution,
} from './inference/sampling.js';
export { type StreamingModel, type StreamingOptions, streamingModel } from './inference/streaming.js';
export {
  FusedGRU,
  type FusedGRUArgs,
  fusedGru,
  type GruSequenceOptions,
  type GruSequenceResult,
  type GruWeights,
  gruSequence,
} from './layers/fusedGru.js';
export {
  FusedLSTM,
  type FusedLSTMArgs,
  fusedLstm,
  type LstmSequenceOptions,
  type LstmSequenceResult,
  type LstmWeights,
  lstmSequence,
} from './layers/fusedLstm.js';
export { type FusedCallOptions, FusedRecurrent, type FusedRecurrentArgs } from './layers/fusedRecurrent.js';
export {
  type CellType,
  type EmbeddingOptions,
  type MergeMode,
  type RecurrentModelOptions,
  recurrentLayer,
  recurrentModel,
} from './models/recurrentModel.js';
export {
  type GreedyDecodeOptions,
  greedyDecode,
  type Seq2seqCommonOptions,
  type Seq2seqInference,
  type Seq2seqRepeatOptions,
  seq2seqInference,
  seq2seqRepeat,
  seq2seqTeacherForced,
} from './models/seq2seq.js';
export {
  ADDING_BASELINE_MSE,
  type AddingProblemData,
  type AddingProblemOptions,
  addingProblem,
} from './tasks/adding.js';
export { type DigitAdditionData, type DigitAdditionOptions, digitAddition } from './tasks/digitAddition.js';
export { isReberString, type ReberTextOptions, reberText, reberValidity } from './tasks/reber.js';
export { type NoisySinesOptions, noisySines, persistenceMae } from './tasks/sines.js';
