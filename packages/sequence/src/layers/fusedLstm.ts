import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkInt, checkTensor, InputError } from '@tiefe/core';

/** The LSTM weights in the Keras / tfjs-layers layout (gate order i, f, c, o along the last axis). */
export interface LstmWeights {
  /** `[features, 4 * units]`. */
  kernel: tf.Tensor2D;
  /** `[units, 4 * units]`. */
  recurrentKernel: tf.Tensor2D;
  /** `[4 * units]`. */
  bias: tf.Tensor1D;
}

/** Column scale of the gate pre-activations: 2 for the cell candidate, whose tanh is computed as 2 sigmoid(2z) - 1. */
function gateScale(units: number): tf.Tensor1D {
  return tf.concat([tf.ones([2 * units]), tf.fill([units], 2), tf.ones([units])]) as tf.Tensor1D;
}

/**
 * An LSTM over a whole sequence (zero initial state), with the Keras/tfjs `LSTM` maths (sigmoid gates, tanh
 * activations) and weight layout, done the fast way:
 * - the input projection `x W + b` of all time steps is one matMul before the loop;
 * - each step is one matMul `h U` for all four gates plus one sigmoid over all four (the cell candidate's
 *   columns are pre-scaled by 2 so that `tanh(z) = 2 sigmoid(2z) - 1` comes out of the same op);
 * - the backward pass through time is written by hand (`tf.customGrad`): per step one matMul `dz U^T` and a few
 *   element-wise ops, and the weight gradients are three matMuls over all steps after the loop, instead of
 *   tfjs's taped per-op gradients (slices, splits, concats) of every step.
 * Input `[batch, time, features]`; output `[batch, time, units]` (`returnSequences`) or `[batch, units]`.
 */
export function lstmSequence(x: tf.Tensor3D, weights: LstmWeights, returnSequences = false): tf.Tensor {
  checkTensor('lstmSequence: x', x, { rank: 3 });
  const { kernel, recurrentKernel, bias } = weights;
  const units = recurrentKernel.shape[0];
  if (
    kernel.shape[0] !== x.shape[2] ||
    kernel.shape[1] !== 4 * units ||
    recurrentKernel.shape[1] !== 4 * units ||
    bias.shape[0] !== 4 * units
  ) {
    throw new InputError(
      'lstmSequence: weights',
      `kernel [${x.shape[2]},${4 * units}], recurrentKernel [${units},${4 * units}], bias [${4 * units}]`,
      `[${kernel.shape}], [${recurrentKernel.shape}], [${bias.shape}]`,
    );
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, w, u, b] = args.slice(0, 4) as tf.Tensor[];
    const save = args[4] as tf.GradSaveFunc;
    const [batch, time, features] = xs.shape as [number, number, number];
    const scale = gateScale(units);
    const ws = tf.mul(w, scale);
    const us = tf.mul(u, scale);
    const bs = tf.mul(b, scale);
    // Time-major [time * batch, features]: one matMul for the input part of every step.
    const xt = tf.reshape(tf.transpose(xs, [1, 0, 2]), [time * batch, features]);
    // Rows t * batch .. (t + 1) * batch are step t: a contiguous slice per step (tf.unstack is pathologically
    // slow on wasm, 0.5 s for [100, 64, 512]).
    const proj = tf.add(tf.matMul(xt, ws), bs);
    let h = tf.zeros([batch, units]);
    let c = tf.zeros([batch, units]);
    const hs: tf.Tensor[] = [h];
    const cs: tf.Tensor[] = [c];
    const sig: tf.Tensor[] = [];
    const tcs: tf.Tensor[] = [];
    for (let t = 0; t < time; t++) {
      const s = tf.sigmoid(tf.add(tf.slice(proj, [t * batch, 0], [batch, 4 * units]), tf.matMul(h, us)));
      const [i, f, sg, o] = tf.split(s, 4, 1);
      const g = tf.sub(tf.mul(sg, 2), 1);
      c = tf.add(tf.mul(f, c), tf.mul(i, g));
      const tc = tf.tanh(c);
      h = tf.mul(o, tc);
      sig.push(s);
      tcs.push(tc);
      hs.push(h);
      cs.push(c);
    }
    save([xt, u, w, ...sig, ...tcs, ...hs, ...cs]);
    const value = returnSequences
      ? tf.transpose(tf.reshape(tf.concat(hs.slice(1), 0), [time, batch, units]), [1, 0, 2])
      : h;
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, su, sw] = saved;
        const S = saved.slice(3, 3 + time);
        const TC = saved.slice(3 + time, 3 + 2 * time);
        const H = saved.slice(3 + 2 * time, 4 + 3 * time);
        const C = saved.slice(4 + 3 * time, 5 + 4 * time);
        const gscale = tf.concat([tf.ones([2 * units]), tf.fill([units], 4), tf.ones([units])]);
        const dys = returnSequences ? tf.reshape(tf.transpose(dy, [1, 0, 2]), [time * batch, units]) : dy;
        const dyAt = (t: number) => tf.slice(dys, [t * batch, 0], [batch, units]);
        // XNNPACK multiplies by a pre-transposed U about twice as fast as with the transposeB flag.
        const uT = tf.transpose(su);
        let dh: tf.Tensor = returnSequences ? dyAt(time - 1) : dy;
        let dc: tf.Tensor = tf.zeros([batch, units]);
        const dzs: tf.Tensor[] = new Array(time);
        for (let t = time - 1; t >= 0; t--) {
          if (returnSequences && t < time - 1) dh = tf.add(dh, dyAt(t));
          const [i, f, sg, o] = tf.split(S[t], 4, 1);
          const g = tf.sub(tf.mul(sg, 2), 1);
          const tc = TC[t];
          const dO = tf.mul(dh, tc);
          dc = tf.add(dc, tf.mul(tf.mul(dh, o), tf.sub(1, tf.square(tc))));
          const dA = tf.concat([tf.mul(dc, g), tf.mul(dc, C[t]), tf.mul(dc, i), dO], 1);
          // d sigmoid = s (1 - s); the candidate g = 2 sigmoid(2z) - 1 has dg/dz = 4 s (1 - s).
          const dz = tf.mul(dA, tf.mul(tf.mul(S[t], tf.sub(1, S[t])), gscale));
          dzs[t] = dz;
          dc = tf.mul(dc, f);
          dh = tf.matMul(dz, uT);
        }
        const dZ = tf.concat(dzs, 0);
        const hPrev = tf.concat(H.slice(0, time), 0);
        const dW = tf.matMul(sx, dZ, true, false);
        const dU = tf.matMul(hPrev, dZ, true, false);
        const db = tf.sum(dZ, 0);
        const dX = tf.transpose(tf.reshape(tf.matMul(dZ, sw, false, true), [time, batch, features]), [1, 0, 2]);
        return [dX, dW, dU, db];
      },
    };
  });
  return op(x, kernel, recurrentKernel, bias);
}

/** Arguments of the {@link FusedLSTM} layer. */
export interface FusedLSTMArgs {
  /** State size. */
  units: number;
  /** Output every step's h (`[batch, time, units]`) instead of the last (`[batch, units]`); default false. */
  returnSequences?: boolean;
  /** Initialise the forget gate's bias to 1 (Jozefowicz et al. 2015; Keras's default); default true. */
  unitForgetBias?: boolean;
  /** Layer name (unique in a model). */
  name?: string;
  /** Input shape without the batch axis, when this is the first layer. */
  inputShape?: (number | null)[];
  /** Input shape with the batch axis, when this is the first layer. */
  batchInputShape?: (number | null)[];
  /** Whether the weights train; default true. */
  trainable?: boolean;
}

/**
 * A drop-in LSTM layer computed by {@link lstmSequence}: the maths and the weights of tfjs-layers'
 * `tf.layers.lstm({ units, recurrentActivation: 'sigmoid' })` (Keras's defaults: tanh, sigmoid gates, unit
 * forget bias), the same weight names (`kernel`, `recurrent_kernel`, `bias`) and shapes, so
 * `fused.setWeights(lstm.getWeights())` and back work both ways. Registered as `'FusedLSTM'` for
 * `model.save()` / `tf.loadLayersModel()`. Not supported (use `tf.layers.lstm`): masks, initial states,
 * stateful mode, dropout; {@link streamingModel} turns it into a stateful `LSTM` with the same weights.
 *
 * @example
 * const y = fusedLstm({ units: 128, returnSequences: true }).apply(x) as tfl.SymbolicTensor;
 */
export class FusedLSTM extends tfl.layers.Layer {
  /** Serialisation name (as in `model.json`). */
  static readonly className = 'FusedLSTM';
  /** State size. */
  readonly units: number;
  /** Whether every step is returned. */
  readonly returnSequences: boolean;
  /** Whether the forget bias starts at 1. */
  readonly unitForgetBias: boolean;
  private kernel?: tfl.LayerVariable;
  private recurrentKernel?: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;

  constructor(args: FusedLSTMArgs) {
    const { units, returnSequences = false, unitForgetBias = true, ...layerArgs } = args ?? ({} as FusedLSTMArgs);
    super(layerArgs);
    this.units = checkInt('FusedLSTM: units', units);
    this.returnSequences = checkBoolean('FusedLSTM: returnSequences', returnSequences);
    this.unitForgetBias = checkBoolean('FusedLSTM: unitForgetBias', unitForgetBias);
    this.supportsMasking = false;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const features = shape[shape.length - 1];
    if (shape.length !== 3 || features == null) {
      throw new InputError('FusedLSTM: input', 'shape [batch, time, features] with known features', `[${shape}]`);
    }
    const u = this.units;
    this.kernel = this.addWeight('kernel', [features, 4 * u], 'float32', tfl.initializers.glorotUniform({}));
    this.recurrentKernel = this.addWeight(
      'recurrent_kernel',
      [u, 4 * u],
      'float32',
      tfl.initializers.orthogonal({ gain: 1 }),
    );
    this.bias = this.addWeight('bias', [4 * u], 'float32', tfl.initializers.zeros());
    if (this.unitForgetBias) {
      const init = tf.tidy(() => tf.concat([tf.zeros([u]), tf.ones([u]), tf.zeros([2 * u])]));
      this.bias.write(init);
      init.dispose();
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return this.returnSequences ? [shape[0], shape[1], this.units] : [shape[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    if (kwargs?.mask != null)
      throw new InputError('FusedLSTM: mask', 'no mask (use tf.layers.lstm for masked input)', 'a mask');
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return lstmSequence(
      x as tf.Tensor3D,
      {
        kernel: this.kernel?.read() as tf.Tensor2D,
        recurrentKernel: this.recurrentKernel?.read() as tf.Tensor2D,
        bias: this.bias?.read() as tf.Tensor1D,
      },
      this.returnSequences,
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      returnSequences: this.returnSequences,
      unitForgetBias: this.unitForgetBias,
    };
  }
}

tf.serialization.registerClass(FusedLSTM);

/** Functional-API factory of {@link FusedLSTM}, named as tfjs-layers names its factories. */
export function fusedLstm(args: FusedLSTMArgs): FusedLSTM {
  return new FusedLSTM(args);
}
