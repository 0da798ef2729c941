import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkInt, InputError } from '@tiefe/core';

/** Options shared by {@link FusedLSTM} and {@link FusedGRU}, named and meaning what they mean in tfjs-layers. */
export interface FusedRecurrentArgs {
  /** State size. */
  units: number;
  /** Output every step's h (`[batch, time, units]`) instead of the last (`[batch, units]`); default false. */
  returnSequences?: boolean;
  /** Also return the final states (`[output, h, c]` for an LSTM, `[output, h]` for a GRU); default false. */
  returnState?: boolean;
  /** Run over the steps in reverse order (outputs come in that reversed order, as in Keras); default false. */
  goBackwards?: boolean;
  /**
   * Not fused; give 0 (the default). tfjs's input dropout (one mask per sequence, the same at every step) is
   * `tf.layers.spatialDropout1d({ rate })` before the layer; recurrent dropout needs `tf.layers.lstm`/`gru`.
   */
  dropout?: number;
  /** Not fused; give 0 (the default): use `tf.layers.lstm` / `tf.layers.gru` for recurrent dropout. */
  recurrentDropout?: number;
  /** Not supported (false only): `streamingModel` turns the model into stateful tfjs layers with the same weights. */
  stateful?: boolean;
  /** Layer name (unique in a model). */
  name?: string;
  /** Input shape without the batch axis, when this is the first layer. */
  inputShape?: (number | null)[];
  /** Input shape with the batch axis, when this is the first layer. */
  batchInputShape?: (number | null)[];
  /** Whether the weights train; default true. */
  trainable?: boolean;
}

/** The call options of a fused layer, as tfjs-layers passes them. */
export interface FusedCallOptions {
  /** `[batch, time]` (bool or 0/1): 0 marks padded steps, whose state is carried through unchanged. */
  mask?: tf.Tensor | null;
  /** Initial states (`[h, c]` or `[h]`), each `[batch, units]`; default zeros. */
  initialState?: tf.Tensor[];
}

const shapeOf = (inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape =>
  (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;

/**
 * What {@link FusedLSTM} and {@link FusedGRU} share: the options, the output shapes and masks of
 * `returnSequences` / `returnState`, initial states given as `apply(x, { initialState })` (they become extra
 * inputs of the layer, so a model with them saves and reloads), masks from `Embedding({ maskZero })` or
 * `Masking`, and the refusals of what is not fused. Subclasses give the weights and the sequence op.
 */
export abstract class FusedRecurrent extends tfl.layers.Layer {
  /** State size. */
  readonly units: number;
  /** Whether every step is returned. */
  readonly returnSequences: boolean;
  /** Whether the final states are returned too. */
  readonly returnState: boolean;
  /** Whether the steps run in reverse order. */
  readonly goBackwards: boolean;
  /** Number of state tensors (2 for an LSTM, 1 for a GRU). */
  protected abstract readonly stateCount: number;

  constructor(className: string, args: FusedRecurrentArgs) {
    const {
      units,
      returnSequences = false,
      returnState = false,
      goBackwards = false,
      dropout = 0,
      recurrentDropout = 0,
      stateful = false,
      ...layerArgs
    } = args ?? ({} as FusedRecurrentArgs);
    super(layerArgs);
    this.units = checkInt(`${className}: units`, units);
    this.returnSequences = checkBoolean(`${className}: returnSequences`, returnSequences);
    this.returnState = checkBoolean(`${className}: returnState`, returnState);
    this.goBackwards = checkBoolean(`${className}: goBackwards`, goBackwards);
    if (dropout !== 0) {
      throw new InputError(
        `${className}: dropout`,
        '0 (not fused: put tf.layers.spatialDropout1d({ rate }) before the layer, the same one-mask-per-sequence input dropout as tfjs)',
        String(dropout),
      );
    }
    if (recurrentDropout !== 0) {
      throw new InputError(
        `${className}: recurrentDropout`,
        '0 (not fused: use tf.layers.lstm / tf.layers.gru for recurrent dropout)',
        String(recurrentDropout),
      );
    }
    if (stateful !== false) {
      throw new InputError(
        `${className}: stateful`,
        'false (streamingModel turns the model into stateful tfjs layers with the same weights)',
        String(stateful),
      );
    }
    this.supportsMasking = true;
  }

  /** The features of the input shape (the first of a list: the others are initial states). */
  protected features(inputShape: tfl.Shape | tfl.Shape[], className: string): number {
    const shape = shapeOf(inputShape);
    const features = shape[shape.length - 1];
    if (shape.length !== 3 || features == null) {
      throw new InputError(`${className}: input`, 'shape [batch, time, features] with known features', `[${shape}]`);
    }
    return features;
  }

  override apply(
    inputs: tf.Tensor | tf.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[],
    kwargs?: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] | tfl.SymbolicTensor | tfl.SymbolicTensor[] {
    const initialState = kwargs?.initialState as tf.Tensor[] | tfl.SymbolicTensor[] | undefined;
    if (initialState == null) return super.apply(inputs, kwargs);
    const { initialState: _, ...rest } = kwargs as Record<string, unknown>;
    const states = Array.isArray(initialState) ? initialState : [initialState];
    const first = Array.isArray(inputs) ? inputs : [inputs];
    // As extra inputs, not kwargs: the model's config then names them and the layer reloads with them.
    return super.apply([...first, ...states] as tf.Tensor[], rest);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    const shape = shapeOf(inputShape);
    const output = this.returnSequences ? [shape[0], shape[1], this.units] : [shape[0], this.units];
    if (!this.returnState) return output;
    return [output, ...Array.from({ length: this.stateCount }, () => [shape[0], this.units])];
  }

  override computeMask(_inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    const m = Array.isArray(mask) ? mask[0] : mask;
    const outputMask = this.returnSequences && m != null ? m : null;
    // tfjs-layers' own RNN returns null for "no mask" too, though its type does not say so.
    const masks = this.returnState ? [outputMask, ...Array.from({ length: this.stateCount }, () => null)] : outputMask;
    return masks as tf.Tensor | tf.Tensor[];
  }

  /** The input, the initial states (from extra inputs) and the mask of a call, checked. */
  protected callInputs(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: Record<string, unknown>,
    className: string,
  ): { x: tf.Tensor3D; options: FusedCallOptions } {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0] as tf.Tensor3D;
    const states = list.slice(1);
    if (states.length !== 0 && states.length !== this.stateCount) {
      throw new InputError(
        `${className}: initialState`,
        `${this.stateCount} tensor(s) [batch, ${this.units}]`,
        `${states.length} tensor(s)`,
      );
    }
    const maskArg = kwargs?.mask as tf.Tensor | (tf.Tensor | null)[] | null | undefined;
    const mask = Array.isArray(maskArg) ? maskArg[0] : maskArg;
    return { x, options: { mask: mask ?? null, initialState: states.length ? states : undefined } };
  }

  /** The layer's outputs from the op's: output, then the states when `returnState`. */
  protected outputs(output: tf.Tensor, states: tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return this.returnState ? [output, ...states] : output;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
    };
  }
}

/** Time-major 0/1 float mask `[time * batch]` from a `[batch, time]` mask (ones without one), reversed with the steps. */
export function stepMask(
  fn: string,
  mask: tf.Tensor | null | undefined,
  batch: number,
  time: number,
  reverse: boolean,
): tf.Tensor1D {
  return tf.tidy(() => {
    if (mask == null) return tf.ones([time * batch]) as tf.Tensor1D;
    if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== time) {
      throw new InputError(`${fn}: mask`, `shape [${batch}, ${time}]`, `[${mask.shape}]`);
    }
    let m = tf.transpose(tf.cast(tf.cast(mask, 'bool'), 'float32'));
    if (reverse) m = tf.reverse(m, 0);
    return tf.reshape(m, [time * batch]) as tf.Tensor1D;
  });
}
