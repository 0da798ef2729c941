import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../errors.js';
import { checkOneOf } from '../validate.js';

/**
 * Gradient used by {@link heaviside} (and the {@link Step} layer) in backpropagation:
 * - `'zero'` (default): the true derivative, 0 everywhere (the jump at 0 has no derivative); nothing upstream
 *   of a step learns, as with a classic perceptron threshold.
 * - `'identity'`: straight-through estimator, `dx = dy` (Bengio et al. 2013).
 * - `'clipped'`: straight-through with the hard-tanh window, `dx = dy * 1[|x| <= 1]` (Hubara et al. 2016,
 *   binarised networks).
 */
export type StepGradient = 'zero' | 'identity' | 'clipped';

/** Options of {@link heaviside} and the {@link Step} layer. */
export interface StepOptions {
  /** Backward rule; default `'zero'`. */
  gradient?: StepGradient;
}

const GRADIENTS: readonly StepGradient[] = ['zero', 'identity', 'clipped'];

/**
 * Heaviside step function: `H(x) = 1` for `x >= 0`, `0` for `x < 0`, as float32.
 *
 * Convention: `H(0) = 1` (the perceptron's `x >= 0` rule, numpy's `heaviside(x, 1)`). Note that tfjs's own
 * `tf.step(x)` gives `H(0) = 0` and has no straight-through option. NaN maps to 0.
 *
 * @example
 * heaviside(tf.tensor1d([-1, 0, 2])); // [0, 1, 1]
 * tf.grad((x) => heaviside(x, { gradient: 'identity' }).sum())(x); // ones
 */
export function heaviside(x: tf.Tensor, options: StepOptions = {}): tf.Tensor {
  const gradient = checkOneOf('heaviside: gradient', options.gradient ?? 'zero', GRADIENTS);
  if (!(x instanceof tf.Tensor) || x.isDisposed) throw new InputError('heaviside: x', 'a live tensor', String(x));
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    save([input]);
    return {
      value: tf.cast(tf.greaterEqual(input, 0), 'float32'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        if (gradient === 'identity') return dy;
        if (gradient === 'clipped') return tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(saved[0]), 1), dy.dtype));
        return tf.zerosLike(saved[0]);
      },
    };
  });
  return op(x.dtype === 'float32' ? x : tf.cast(x, 'float32'));
}

/** Arguments of the {@link Step} layer (tfjs-layers `LayerArgs` plus {@link StepOptions}). */
export interface StepLayerArgs extends StepOptions {
  /** Layer name (unique in a model). */
  name?: string;
  /** Input shape without the batch axis, when this is the first layer. */
  inputShape?: (number | null)[];
  /** Input shape with the batch axis, when this is the first layer. */
  batchInputShape?: (number | null)[];
  /** Layer dtype; the output is always float32. */
  dtype?: tf.DataType;
  /** Has no effect (the layer has no weights); accepted for tfjs-layers compatibility. */
  trainable?: boolean;
}

/**
 * A layer applying {@link heaviside} element-wise (output shape = input shape). Registered with
 * `tf.serialization.registerClass` as `'Step'`, so models containing it save and load with
 * `model.save` / `tf.loadLayersModel` once `@tiefe/core` is imported. The `gradient` option is saved too.
 *
 * @example
 * const y = new Step({ gradient: 'clipped' }).apply(tfl.layers.dense({ units: 8 }).apply(x));
 */
export class Step extends tfl.layers.Layer {
  /** Serialisation name (as in `model.json`). */
  static readonly className = 'Step';
  /** Backward rule (saved in the layer config). */
  readonly gradient: StepGradient;

  constructor(args: StepLayerArgs = {}) {
    const { gradient = 'zero', ...layerArgs } = args;
    super(layerArgs);
    this.gradient = checkOneOf('Step: gradient', gradient, GRADIENTS);
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => heaviside(Array.isArray(inputs) ? inputs[0] : inputs, { gradient: this.gradient }));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), gradient: this.gradient };
  }
}

tf.serialization.registerClass(Step);

/**
 * Functional-API factory of {@link Step}, named as tfjs-layers names its factories (`tf.layers.upSampling2d` for
 * `UpSampling2D`).
 *
 * @example
 * const y = step({ gradient: 'identity' }).apply(x) as tfl.SymbolicTensor;
 */
export function step(args: StepLayerArgs = {}): Step {
  return new Step(args);
}
