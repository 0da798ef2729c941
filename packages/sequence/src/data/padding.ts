import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkNumber, checkOneOf, checkOptions, createRng, InputError } from '@tiefe/core';

/** Options of {@link padSequences}. */
export interface PadOptions {
  /** Length of the result; default the longest sequence. */
  maxLength?: number;
  /** Pad at the end (`'post'`, default: what masked RNNs and `recurrentModel`'s embedding expect) or the start. */
  padding?: 'pre' | 'post';
  /** Drop steps of longer sequences at the end (`'post'`, default) or the start. */
  truncating?: 'pre' | 'post';
  /** Value of padded steps; default 0 (the id an embedding with `maskZero` masks). */
  value?: number;
}

/** A padded batch. */
export interface PaddedBatch {
  /** `[n, maxLength]` for id sequences, `[n, maxLength, features]` for sequences of feature rows. */
  x: tf.Tensor;
  /** `[n, maxLength]`: 1 at real steps, 0 at padded ones. */
  mask: tf.Tensor2D;
  /** Length of each sequence after truncation. */
  lengths: number[];
}

type Step = number | ArrayLike<number>;

/**
 * Pads (and truncates) variable-length sequences to one length, as Keras's `pad_sequences`, and returns the
 * mask of real steps. Sequences are arrays of ids or arrays of feature rows (all rows of one width).
 */
export function padSequences(sequences: ArrayLike<Step>[], options: PadOptions = {}): PaddedBatch {
  if (!Array.isArray(sequences) || sequences.length === 0) {
    throw new InputError('padSequences: sequences', 'a non-empty array of sequences', String(sequences));
  }
  const o = checkOptions('padSequences: options', options);
  const longest = Math.max(...sequences.map((s) => s.length));
  const maxLength = checkInt('padSequences: maxLength', o.maxLength ?? Math.max(longest, 1));
  const padding = checkOneOf('padSequences: padding', o.padding ?? 'post', ['pre', 'post'] as const);
  const truncating = checkOneOf('padSequences: truncating', o.truncating ?? 'post', ['pre', 'post'] as const);
  const value = checkNumber('padSequences: value', o.value ?? 0);
  const firstStep = sequences.find((s) => s.length > 0)?.[0];
  const features = firstStep === undefined || typeof firstStep === 'number' ? 0 : firstStep.length;
  const width = Math.max(features, 1);
  const n = sequences.length;
  const x = new Float32Array(n * maxLength * width).fill(value);
  const mask = new Float32Array(n * maxLength);
  const lengths: number[] = [];
  sequences.forEach((seq, i) => {
    const steps = Array.from(seq);
    const kept =
      steps.length <= maxLength ? steps : truncating === 'post' ? steps.slice(0, maxLength) : steps.slice(-maxLength);
    const offset = padding === 'post' ? 0 : maxLength - kept.length;
    lengths.push(kept.length);
    kept.forEach((step, t) => {
      const row = typeof step === 'number' ? [step] : Array.from(step);
      if (row.length !== width || (features === 0) !== (typeof step === 'number')) {
        throw new InputError(
          'padSequences: sequences',
          `steps of ${features === 0 ? 'one id' : `${features} features`}`,
          `sequence ${i}, step ${t}: ${JSON.stringify(step)}`,
        );
      }
      if (!row.every(Number.isFinite))
        throw new InputError('padSequences: sequences', 'finite numbers', `sequence ${i}, step ${t}: ${row}`);
      x.set(row, (i * maxLength + offset + t) * width);
      mask[i * maxLength + offset + t] = 1;
    });
  });
  const shape = features === 0 ? [n, maxLength] : [n, maxLength, features];
  return { x: tf.tensor(x, shape), mask: tf.tensor2d(mask, [n, maxLength]), lengths };
}

/** Options of {@link sequenceBatches}. */
export interface SequenceBatchOptions extends Omit<PadOptions, 'maxLength'> {
  /** Sequences per batch. */
  batchSize: number;
  /** Sort by length before batching (less padding: sequences of a batch have similar lengths); default false. */
  bucketByLength?: boolean;
  /** Shuffle (the batches, when bucketing) with this seed; default: keep the order. */
  seed?: number;
}

/** One batch of {@link sequenceBatches}: the padded batch and the indices (into the input) of its sequences. */
export interface SequenceBatch extends PaddedBatch {
  indices: number[];
}

/**
 * Cuts variable-length sequences into batches, each padded to its own longest sequence (not the overall
 * longest), with masks. A generator: each batch is made when asked for; dispose its tensors after use.
 */
export function* sequenceBatches(
  sequences: ArrayLike<Step>[],
  options: SequenceBatchOptions,
): Generator<SequenceBatch> {
  if (!Array.isArray(sequences) || sequences.length === 0) {
    throw new InputError('sequenceBatches: sequences', 'a non-empty array of sequences', String(sequences));
  }
  const o = checkOptions('sequenceBatches: options', options);
  const batchSize = checkInt('sequenceBatches: batchSize', o.batchSize);
  const order = sequences.map((_, i) => i);
  const rng = o.seed === undefined ? undefined : createRng(checkInt('sequenceBatches: seed', o.seed, 0));
  if (o.bucketByLength) order.sort((a, b) => sequences[a].length - sequences[b].length);
  else rng?.shuffle(order);
  const groups: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) groups.push(order.slice(i, i + batchSize));
  if (o.bucketByLength) rng?.shuffle(groups);
  for (const indices of groups) {
    const padded = padSequences(
      indices.map((i) => sequences[i]),
      { padding: o.padding, truncating: o.truncating, value: o.value },
    );
    yield { ...padded, indices };
  }
}
