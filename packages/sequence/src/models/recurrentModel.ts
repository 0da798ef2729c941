import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkInt, checkOneOf, checkOptions, checkRate, InputError } from '@tiefe/core';
import { fusedGru } from '../layers/fusedGru.js';
import { fusedLstm } from '../layers/fusedLstm.js';

/** The recurrent cells the builders know: Elman's SimpleRNN, LSTM (Hochreiter & Schmidhuber 1997), GRU (Cho 2014). */
export type CellType = 'simpleRnn' | 'lstm' | 'gru';

/** How a bidirectional layer joins its forward and backward outputs (tfjs-layers `mergeMode`). */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

/** Token input: an `Embedding` layer in front of the recurrent stack. */
export interface EmbeddingOptions {
  /** Number of token ids (ids run 0 .. vocabSize - 1). */
  vocabSize: number;
  /** Embedding width. */
  dim: number;
  /**
   * Treat id 0 as padding (default true): padded steps are masked, so the recurrent layers skip them (the state
   * is carried through unchanged) and a many-to-one model returns the state after the last real token.
   */
  maskZero?: boolean;
}

/** Options of {@link recurrentModel}. */
export interface RecurrentModelOptions {
  /** Recurrent cell; default `'lstm'`. */
  cell?: CellType;
  /** Sequence length; `null` (default) accepts any length. */
  timeSteps?: number | null;
  /** Features per step of a real-valued input (ignored with `embedding`); default 1. */
  features?: number;
  /** Token input instead of real-valued features. */
  embedding?: EmbeddingOptions;
  /**
   * Masks the steps of a real-valued input whose features all equal this value (a tfjs-layers `Masking` layer),
   * for zero-padded variable-length sequences. Default: no masking.
   */
  maskValue?: number;
  /** Units of each recurrent layer, first to last: `[64, 64]` stacks two. Default `[32]`. */
  units?: number | number[];
  /** Wraps every recurrent layer in `Bidirectional`; default false. */
  bidirectional?: boolean;
  /** How a bidirectional layer merges its two directions; default `'concat'`. */
  mergeMode?: MergeMode;
  /**
   * `'last'` (default): many-to-one, the head sees the last output of the stack.
   * `'sequence'`: many-to-many, the last layer returns sequences and the head is `timeDistributed(dense)`.
   */
  output?: 'last' | 'sequence';
  /** Units of the dense head. */
  outputUnits: number;
  /** Activation of the head; default `'linear'`. */
  outputActivation?: 'linear' | 'softmax' | 'sigmoid' | 'tanh' | 'relu';
  /** Dropout on each recurrent layer's inputs (Keras `dropout`); default 0. */
  dropout?: number;
  /** Dropout on the recurrent state (Keras `recurrentDropout`, Gal & Ghahramani 2016); default 0. */
  recurrentDropout?: number;
  /**
   * Use {@link FusedLSTM} / {@link FusedGRU} for the recurrent layers (same maths and weights, faster training;
   * masks from `embedding` / `maskValue` work). Only with `cell: 'lstm'` or `'gru'`, without dropout, recurrent
   * dropout or `bidirectional`; default false.
   */
  fused?: boolean;
  /** Model name. */
  name?: string;
}

const CELLS: readonly CellType[] = ['simpleRnn', 'lstm', 'gru'];
const MERGES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave'];
const ACTIVATIONS = ['linear', 'softmax', 'sigmoid', 'tanh', 'relu'] as const;

/**
 * Checks the option `option` (default `'units'`) of the public function `fn`: a positive integer or a non-empty
 * array of them; returns it as an array.
 */
export function checkUnits(fn: string, units: unknown, option = 'units'): number[] {
  const list = typeof units === 'number' ? [units] : units;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InputError(`${fn}: ${option}`, 'a positive integer or a non-empty array of them', String(units));
  }
  return list.map((u, i) => checkInt(`${fn}: ${option}[${i}]`, u));
}

/**
 * A recurrent layer of the given cell type (all three take the same arguments in tfjs-layers). LSTM and GRU
 * gates use the logistic sigmoid (Keras 2+ and PyTorch), not tfjs-layers' default `'hardSigmoid'`.
 */
export function recurrentLayer(
  cell: CellType,
  args: {
    units: number;
    returnSequences?: boolean;
    returnState?: boolean;
    dropout?: number;
    recurrentDropout?: number;
    stateful?: boolean;
    name?: string;
  },
): tfl.RNN {
  // tfjs-layers still defaults the gates to 'hardSigmoid' (Keras 1); Keras 2+, PyTorch and the papers use the
  // logistic sigmoid, which is also what weights trained elsewhere expect.
  if (cell === 'lstm') return tfl.layers.lstm({ recurrentActivation: 'sigmoid', ...args });
  if (cell === 'gru') return tfl.layers.gru({ recurrentActivation: 'sigmoid', ...args });
  return tfl.layers.simpleRNN(args);
}

/**
 * A recurrent model from standard tfjs-layers layers (so it saves with `model.save()` and reloads with
 * `tf.loadLayersModel()`): an optional embedding or masking layer, a stack of SimpleRNN, LSTM or GRU layers
 * (optionally bidirectional) and a dense head, many-to-one (`output: 'last'`) or many-to-many
 * (`output: 'sequence'`, the head applied at every step through `timeDistributed`).
 *
 * Input: `[batch, timeSteps, features]` floats, or `[batch, timeSteps]` token ids with `embedding`.
 * Output: `[batch, outputUnits]` or `[batch, timeSteps, outputUnits]`.
 *
 * @example
 * const m = recurrentModel({ cell: 'lstm', timeSteps: 50, features: 2, units: 32, outputUnits: 1 });
 * m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
 */
export function recurrentModel(options: RecurrentModelOptions): tfl.LayersModel {
  const o = checkOptions('recurrentModel: options', options);
  const cell = checkOneOf('recurrentModel: cell', o.cell ?? 'lstm', CELLS);
  const timeSteps = o.timeSteps == null ? null : checkInt('recurrentModel: timeSteps', o.timeSteps);
  const units = checkUnits('recurrentModel', o.units ?? [32]);
  const bidirectional = checkBoolean('recurrentModel: bidirectional', o.bidirectional ?? false);
  const mergeMode = checkOneOf('recurrentModel: mergeMode', o.mergeMode ?? 'concat', MERGES);
  const output = checkOneOf('recurrentModel: output', o.output ?? 'last', ['last', 'sequence'] as const);
  const outputUnits = checkInt('recurrentModel: outputUnits', o.outputUnits);
  const activation = checkOneOf('recurrentModel: outputActivation', o.outputActivation ?? 'linear', ACTIVATIONS);
  const dropout = checkRate('recurrentModel: dropout', o.dropout ?? 0);
  const recurrentDropout = checkRate('recurrentModel: recurrentDropout', o.recurrentDropout ?? 0);

  const fused = checkBoolean('recurrentModel: fused', o.fused ?? false);
  if (fused && (cell === 'simpleRnn' || bidirectional || dropout > 0 || recurrentDropout > 0)) {
    throw new InputError(
      'recurrentModel: fused',
      "false, or cell 'lstm' / 'gru' without bidirectional, dropout or recurrentDropout",
      'true with one of those',
    );
  }
  let input: tfl.SymbolicTensor;
  let x: tfl.SymbolicTensor;
  if (o.embedding !== undefined) {
    const e = checkOptions('recurrentModel: embedding', o.embedding);
    const vocabSize = checkInt('recurrentModel: embedding.vocabSize', e.vocabSize, 2);
    const dim = checkInt('recurrentModel: embedding.dim', e.dim);
    const maskZero = checkBoolean('recurrentModel: embedding.maskZero', e.maskZero ?? true);
    input = tfl.input({ shape: [timeSteps], name: 'tokens' });
    x = tfl.layers
      .embedding({ inputDim: vocabSize, outputDim: dim, maskZero, name: 'embedding' })
      .apply(input) as tfl.SymbolicTensor;
  } else {
    const features = checkInt('recurrentModel: features', o.features ?? 1);
    input = tfl.input({ shape: [timeSteps, features], name: 'series' });
    x = input;
    if (o.maskValue !== undefined) {
      if (typeof o.maskValue !== 'number' || !Number.isFinite(o.maskValue)) {
        throw new InputError('recurrentModel: maskValue', 'a finite number', String(o.maskValue));
      }
      x = tfl.layers.masking({ maskValue: o.maskValue, name: 'masking' }).apply(x) as tfl.SymbolicTensor;
    }
  }
  units.forEach((u, i) => {
    const returnSequences = i < units.length - 1 || output === 'sequence';
    const rnn = fused
      ? (cell === 'gru' ? fusedGru : fusedLstm)({ units: u, returnSequences, name: `${cell}_${i}` })
      : recurrentLayer(cell, { units: u, returnSequences, dropout, recurrentDropout, name: `${cell}_${i}` });
    const layer = bidirectional
      ? tfl.layers.bidirectional({ layer: rnn as tfl.RNN, mergeMode, name: `bidirectional_${i}` })
      : rnn;
    x = layer.apply(x) as tfl.SymbolicTensor;
  });
  const dense = tfl.layers.dense({ units: outputUnits, activation, name: 'head' });
  const y =
    output === 'sequence'
      ? (tfl.layers.timeDistributed({ layer: dense, name: 'head_per_step' }).apply(x) as tfl.SymbolicTensor)
      : (dense.apply(x) as tfl.SymbolicTensor);
  return tfl.model({ inputs: input, outputs: y, name: o.name ?? `${cell}_model` });
}
