import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOneOf, checkOptions, checkTensor, InputError } from '@tiefe/core';
import { type CellType, checkUnits, recurrentLayer } from './recurrentModel.js';

const CELLS: readonly CellType[] = ['simpleRnn', 'lstm', 'gru'];

/** Options shared by the two encoder-decoder builders. */
export interface Seq2seqCommonOptions {
  /** Recurrent cell of encoder and decoder; default `'lstm'`. */
  cell?: CellType;
  /** Number of source token ids (0 is padding and is masked in the encoder). */
  inputVocab: number;
  /** Number of target token ids. */
  outputVocab: number;
  /** Embedding width of source (and target) tokens; default 32. */
  embeddingDim?: number;
  /** Recurrent units; default 128. */
  units?: number;
}

/** Options of {@link seq2seqRepeat}. */
export interface Seq2seqRepeatOptions extends Seq2seqCommonOptions {
  /** Source length (tokens per input sequence). */
  inputSteps: number;
  /** Target length: the encoder's summary is repeated this many times (`repeatVector`). */
  outputSteps: number;
  /** Units of the decoder layers (stacked); default `[units]`. */
  decoderUnits?: number | number[];
}

/**
 * The encoder-decoder of Keras's `addition_rnn` example: the encoder's final output is copied to every output
 * step by `repeatVector`, a decoder RNN reads these copies and a `timeDistributed` softmax gives one token
 * distribution per output step. Input `[batch, inputSteps]` ids, output `[batch, outputSteps, outputVocab]`.
 *
 * @example
 * const m = seq2seqRepeat({ inputVocab: 13, outputVocab: 13, inputSteps: 7, outputSteps: 4, units: 128 });
 * m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
 */
export function seq2seqRepeat(options: Seq2seqRepeatOptions): tfl.LayersModel {
  const o = checkOptions('seq2seqRepeat: options', options);
  const cell = checkOneOf('seq2seqRepeat: cell', o.cell ?? 'lstm', CELLS);
  const inputVocab = checkInt('seq2seqRepeat: inputVocab', o.inputVocab, 2);
  const outputVocab = checkInt('seq2seqRepeat: outputVocab', o.outputVocab, 2);
  const dim = checkInt('seq2seqRepeat: embeddingDim', o.embeddingDim ?? 32);
  const units = checkInt('seq2seqRepeat: units', o.units ?? 128);
  const inputSteps = checkInt('seq2seqRepeat: inputSteps', o.inputSteps);
  const outputSteps = checkInt('seq2seqRepeat: outputSteps', o.outputSteps);
  const decoderUnits = checkUnits('seq2seqRepeat', o.decoderUnits ?? [units], 'decoderUnits');
  const input = tfl.input({ shape: [inputSteps], name: 'source' });
  let x = tfl.layers
    .embedding({ inputDim: inputVocab, outputDim: dim, maskZero: true, name: 'source_embedding' })
    .apply(input) as tfl.SymbolicTensor;
  x = recurrentLayer(cell, { units, name: 'encoder' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.repeatVector({ n: outputSteps, name: 'repeat' }).apply(x) as tfl.SymbolicTensor;
  decoderUnits.forEach((u, i) => {
    x = recurrentLayer(cell, { units: u, returnSequences: true, name: `decoder_${i}` }).apply(x) as tfl.SymbolicTensor;
  });
  const dense = tfl.layers.dense({ units: outputVocab, activation: 'softmax', name: 'head' });
  const y = tfl.layers.timeDistributed({ layer: dense, name: 'head_per_step' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: y, name: 'seq2seq_repeat' });
}

/**
 * The teacher-forced encoder-decoder (Sutskever et al. 2014; Keras's `lstm_seq2seq`): the encoder's final
 * states initialise the decoder, which during training reads the target sequence shifted right by one (a start
 * token first) and predicts the next target token at every step. Inputs `[source ids [batch, s], decoder ids
 * [batch, t]]`, output `[batch, t, outputVocab]`. Any lengths. For inference build {@link seq2seqInference}.
 *
 * @example
 * const m = seq2seqTeacherForced({ inputVocab: 13, outputVocab: 14, units: 64 });
 * m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
 */
export function seq2seqTeacherForced(options: Seq2seqCommonOptions): tfl.LayersModel {
  const o = checkOptions('seq2seqTeacherForced: options', options);
  const cell = checkOneOf('seq2seqTeacherForced: cell', o.cell ?? 'lstm', CELLS);
  const inputVocab = checkInt('seq2seqTeacherForced: inputVocab', o.inputVocab, 2);
  const outputVocab = checkInt('seq2seqTeacherForced: outputVocab', o.outputVocab, 2);
  const dim = checkInt('seq2seqTeacherForced: embeddingDim', o.embeddingDim ?? 32);
  const units = checkInt('seq2seqTeacherForced: units', o.units ?? 128);
  const source = tfl.input({ shape: [null], name: 'source' });
  const target = tfl.input({ shape: [null], name: 'decoder_input' });
  const se = tfl.layers
    .embedding({ inputDim: inputVocab, outputDim: dim, maskZero: true, name: 'source_embedding' })
    .apply(source);
  const encoded = recurrentLayer(cell, { units, returnState: true, name: 'encoder' }).apply(se) as tfl.SymbolicTensor[];
  const te = tfl.layers.embedding({ inputDim: outputVocab, outputDim: dim, name: 'target_embedding' }).apply(target);
  const decoder = recurrentLayer(cell, { units, returnSequences: true, returnState: true, name: 'decoder' });
  const decoded = decoder.apply(te, { initialState: encoded.slice(1) }) as tfl.SymbolicTensor[];
  const dense = tfl.layers.dense({ units: outputVocab, activation: 'softmax', name: 'head' });
  const y = tfl.layers.timeDistributed({ layer: dense, name: 'head_per_step' }).apply(decoded[0]) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [source, target], outputs: y, name: 'seq2seq_teacher_forced' });
}

/** Encoder and one-step decoder sharing the layers (and weights) of a {@link seq2seqTeacherForced} model. */
export interface Seq2seqInference {
  /** Source ids `[batch, s]` -> the encoder's final states. */
  encoder: tfl.LayersModel;
  /** `[decoder ids [batch, t], ...states]` -> `[probabilities [batch, t, vocab], ...new states]`. */
  decoder: tfl.LayersModel;
}

function layerOf(model: tfl.LayersModel, name: string): tfl.layers.Layer {
  try {
    return model.getLayer(name);
  } catch {
    throw new InputError('seq2seqInference: model', 'a model built by seq2seqTeacherForced', `no layer "${name}"`);
  }
}

/**
 * The inference pair of a teacher-forced model (also of one reloaded with `tf.loadLayersModel`): an encoder
 * and a decoder that runs from given states, so that the decoder can be fed its own predictions.
 */
export function seq2seqInference(model: tfl.LayersModel): Seq2seqInference {
  const encoderLayer = layerOf(model, 'encoder') as tfl.RNN;
  const decoderLayer = layerOf(model, 'decoder') as tfl.RNN;
  const source = model.inputs[0];
  const encoded = encoderLayer.output as tfl.SymbolicTensor[];
  const encoder = tfl.model({ inputs: source, outputs: encoded.slice(1), name: 'seq2seq_encoder' });
  const units = (decoderLayer.getConfig().units as number) ?? 0;
  const states = encoded.slice(1).map((_, i) => tfl.input({ shape: [units], name: `decoder_state_${i}` }));
  const target = tfl.input({ shape: [null], name: 'decoder_tokens' });
  const te = layerOf(model, 'target_embedding').apply(target);
  const decoded = decoderLayer.apply(te, { initialState: states }) as tfl.SymbolicTensor[];
  const y = layerOf(model, 'head_per_step').apply(decoded[0]) as tfl.SymbolicTensor;
  const decoder = tfl.model({
    inputs: [target, ...states],
    outputs: [y, ...decoded.slice(1)],
    name: 'seq2seq_decoder',
  });
  return { encoder, decoder };
}

/** Options of {@link greedyDecode}. */
export interface GreedyDecodeOptions {
  /** Id fed to the decoder first. */
  startToken: number;
  /** Number of tokens to produce per sequence. */
  maxLength: number;
}

/**
 * Greedy decoding with a {@link seq2seqInference} pair: encodes `source` (`[batch, s]` ids), then feeds the
 * decoder the start token and, at every following step, its own most probable token. Returns the produced ids,
 * one array per sequence (stop tokens included; cut them yourself).
 */
export function greedyDecode(inference: Seq2seqInference, source: tf.Tensor, options: GreedyDecodeOptions): number[][] {
  checkTensor('greedyDecode: source', source, { rank: 2 });
  const o = checkOptions('greedyDecode: options', options);
  const start = checkInt('greedyDecode: startToken', o.startToken, 0);
  const maxLength = checkInt('greedyDecode: maxLength', o.maxLength);
  const batch = source.shape[0];
  const out: number[][] = Array.from({ length: batch }, () => []);
  let states = [inference.encoder.predict(source)].flat() as tf.Tensor[];
  let tokens = tf.fill([batch, 1], start, 'float32');
  for (let t = 0; t < maxLength; t++) {
    const [probs, ...next] = inference.decoder.predict([tokens, ...states]) as tf.Tensor[];
    const ids = tf.tidy(() => tf.argMax(tf.squeeze(probs, [1]), -1));
    const values = ids.dataSync();
    for (let b = 0; b < batch; b++) out[b].push(values[b]);
    tf.dispose([probs, tokens, ...states]);
    tokens = tf.tidy(() => tf.cast(tf.expandDims(ids, 1), 'float32'));
    ids.dispose();
    states = next;
  }
  tf.dispose([tokens, ...states]);
  return out;
}
