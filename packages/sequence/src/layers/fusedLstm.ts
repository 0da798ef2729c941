import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  checkBoolean,
  checkOptions,
  checkTensor,
  InputError,
  LSTM_CELL,
  LSTM_CELL_GRAD,
  LSTM_STEP,
  LSTM_STEP_GRAD,
} from '@tiefe/core';
import { type FusedCallOptions, FusedRecurrent, type FusedRecurrentArgs, stepMask } from './fusedRecurrent.js';
import { stepMatMul } from './stepMatMul.js';

/** The LSTM weights in the Keras / tfjs-layers layout (gate order i, f, c, o along the last axis). */
export interface LstmWeights {
  /** `[features, 4 * units]`. */
  kernel: tf.Tensor2D;
  /** `[units, 4 * units]`. */
  recurrentKernel: tf.Tensor2D;
  /** `[4 * units]`. */
  bias: tf.Tensor1D;
}

/** Options of {@link lstmSequence}. */
export interface LstmSequenceOptions {
  /** Return every step's h as `output` (`[batch, time, units]`) instead of the last; default false. */
  returnSequences?: boolean;
  /** Run over the steps in reverse order; default false. */
  goBackwards?: boolean;
  /** `[batch, time]`, 0 at padded steps (the state is carried through them, as Keras does); default none. */
  mask?: tf.Tensor | null;
  /** `[h0, c0]`, each `[batch, units]`; default zeros. */
  initialState?: tf.Tensor[];
}

/** What {@link lstmSequence} returns. */
export interface LstmSequenceResult {
  /** `[batch, time, units]` with `returnSequences`, else the last h `[batch, units]`. */
  output: tf.Tensor;
  /** Final hidden state `[batch, units]`. */
  h: tf.Tensor2D;
  /** Final cell state `[batch, units]`. */
  c: tf.Tensor2D;
}

const runKernel = (name: string, inputs: tf.NamedTensorMap, step: number) =>
  tf.engine().runKernel(name, inputs, { step }) as tf.Tensor[];

/**
 * The recurrence over precomputed projections, with its hand-written backward pass through time.
 * Inputs: `proj` `[T * B, 4U]` (time-major), `u` `[U, 4U]`, `h0`, `c0` `[B, U]`, `mask` `[T * B]`.
 * Output `[T * B + B, U]`: h of every step (time-major), then the final c (one tensor, so that one custom
 * gradient covers every output; the slices taken from it route their gradients back in).
 * Per step forward: one matMul `h U` for all four gates and one fused element-wise kernel ({@link LSTM_CELL});
 * backward: one fused kernel ({@link LSTM_CELL_GRAD}) and one matMul `dz U^T`; dU is one matMul over all steps.
 */
const recurrence = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [proj, u, h0, c0, mask] = args as tf.Tensor[];
  const save = args[5] as tf.GradSaveFunc;
  const [batch, units] = h0.shape as [number, number];
  const time = proj.shape[0] / batch;
  // The packed state [i, f, g, o, c, tanh c] of 'step -1': only its c is read.
  let state = tf.concat([tf.zeros([batch, 4 * units]), c0, tf.zeros([batch, units])], 1);
  let h = h0;
  const states = [state];
  const hs = [h0];
  for (let t = 0; t < time; t++) {
    const hu = stepMatMul(h, u);
    [state, h] = runKernel(LSTM_CELL, { proj, hu, prev: state, hPrev: h, mask }, t);
    hu.dispose();
    states.push(state);
    hs.push(h);
  }
  save([u, mask, ...states, ...hs.slice(0, time)]);
  const value = tf.concat([...hs.slice(1), tf.slice(state, [0, 4 * units], [batch, units])], 0);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [su, sm] = saved;
      const S = saved.slice(2, 3 + time);
      const H = saved.slice(3 + time);
      const dys = tf.slice(dy, [0, 0], [time * batch, units]);
      let carry = tf.concat([tf.slice(dy, [time * batch, 0], [batch, units]), tf.zeros([batch, units])], 1);
      // XNNPACK multiplies by a pre-transposed U about twice as fast as with the transposeB flag.
      const uT = tf.transpose(su);
      let dhRec: tf.Tensor = tf.zeros([batch, units]);
      const dzs: tf.Tensor[] = new Array(time);
      for (let t = time - 1; t >= 0; t--) {
        const [dz, next] = runKernel(
          LSTM_CELL_GRAD,
          { state: S[t + 1], prev: S[t], dhRec, dy: dys, carry, mask: sm },
          t,
        );
        tf.dispose([dhRec, carry]);
        dzs[t] = dz;
        carry = next;
        dhRec = stepMatMul(dz, uT);
      }
      const dProj = tf.concat(dzs, 0);
      const dU = tf.matMul(tf.concat(H, 0), dProj, true, false);
      const dh0 = tf.add(dhRec, tf.slice(carry, [0, units], [batch, units]));
      const dc0 = tf.slice(carry, [0, 0], [batch, units]);
      return [dProj, dU, dh0, dc0, tf.zerosLike(sm)];
    },
  };
});

/**
 * {@link recurrence} where the backend runs a whole step in one kernel, matMul included (webgpu:
 * {@link LSTM_STEP}, {@link LSTM_STEP_GRAD}): same inputs and output. The packed state `[B, 7U]` holds h too
 * (i, f, g, o, c, tanh c, h), so that each step reads only the previous one's; backward, each step's output
 * (dz, the carried dc and dh, and the running sum of dU) is the next one's input, so dU needs no matMul over
 * all steps. The h and dz of each step are sliced out as they come: on lavapipe a concat of all packed states
 * and a slice of it cost 0.5-0.9 s (of 100 steps), 100 small slices and a concat of the h alone a tenth of that.
 */
const stepRecurrence = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [proj, u, h0, c0, mask] = args as tf.Tensor[];
  const save = args[5] as tf.GradSaveFunc;
  const [batch, units] = h0.shape as [number, number];
  const time = proj.shape[0] / batch;
  let state = tf.concat([tf.zeros([batch, 4 * units]), c0, tf.zeros([batch, units]), h0], 1);
  const states = [state];
  const hs: tf.Tensor[] = [];
  for (let t = 0; t < time; t++) {
    [state] = runKernel(LSTM_STEP, { proj, u, prev: state, mask }, t);
    states.push(state);
    hs.push(tf.slice(state, [0, 6 * units], [batch, units]));
  }
  save([u, mask, h0, ...states]);
  const value = tf.concat([...hs, tf.slice(state, [0, 4 * units], [batch, units])], 0);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [su, sm, sh0] = saved;
      const S = saved.slice(3);
      const dys = tf.slice(dy, [0, 0], [time * batch, units]);
      const dcLast = tf.slice(dy, [time * batch, 0], [batch, units]);
      const [dzSize, carrySize] = [batch * 4 * units, batch * 2 * units];
      // flat: dz, the carry (dc, dh), the running dU
      let next = tf.concat([
        tf.zeros([dzSize]),
        tf.reshape(tf.concat([dcLast, tf.zeros([batch, units])], 1), [carrySize]),
        tf.zeros([4 * units * units]),
      ]);
      const uT = tf.transpose(su);
      const dzs: tf.Tensor[] = new Array(time);
      for (let t = time - 1; t >= 0; t--) {
        [next] = runKernel(LSTM_STEP_GRAD, { state: S[t + 1], prev: S[t], dy: dys, next, uT, mask: sm }, t);
        dzs[t] = tf.reshape(tf.slice(next, [0], [dzSize]), [batch, 4 * units]);
      }
      const dProj = tf.concat(dzs, 0);
      // the kernels summed h_t^T dz_{t+1}; the first step's h_{t-1} is h0
      const dURest = tf.reshape(tf.slice(next, [dzSize + carrySize], [4 * units * units]), [units, 4 * units]);
      const dU = tf.add(dURest, tf.matMul(sh0, dzs[0], true, false));
      const carry = tf.reshape(tf.slice(next, [dzSize], [carrySize]), [batch, 2 * units]);
      const dh0 = tf.add(stepMatMul(dzs[0], uT), tf.slice(carry, [0, units], [batch, units]));
      const dc0 = tf.slice(carry, [0, 0], [batch, units]);
      return [dProj, dU, dh0, dc0, tf.zerosLike(sm)];
    },
  };
});

/**
 * An LSTM over a whole sequence with the Keras/tfjs `LSTM` maths (sigmoid gates, tanh activations) and
 * weight layout, done the fast way: the input projection `x W + b` of all steps is one matMul before the
 * loop (its gradients dW, db, dx are matMuls over all steps too), then per step one matMul `h U` for all four
 * gates plus ONE fused element-wise kernel (`TiefeLstmCell`, registered by `@tiefe/core` on cpu and wasm),
 * and a hand-written backward pass through time (one fused kernel `TiefeLstmCellGrad` and one matMul per
 * step); on webgpu one kernel per step each way with the matMul inside (`TiefeLstmStep`, `TiefeLstmStepGrad`,
 * the latter also summing dU). Masked steps carry h and c through unchanged and repeat the previous output, as tfjs and Keras do.
 * Input `[batch, time, features]`.
 *
 * @example
 * const { output, h, c } = lstmSequence(x, { kernel, recurrentKernel, bias }, { returnSequences: true });
 */
export function lstmSequence(
  x: tf.Tensor3D,
  weights: LstmWeights,
  options: LstmSequenceOptions = {},
): LstmSequenceResult {
  checkTensor('lstmSequence: x', x, { rank: 3 });
  const o = checkOptions('lstmSequence: options', options);
  const returnSequences = checkBoolean('lstmSequence: returnSequences', o.returnSequences ?? false);
  const goBackwards = checkBoolean('lstmSequence: goBackwards', o.goBackwards ?? false);
  const { kernel, recurrentKernel, bias } = weights;
  const units = recurrentKernel.shape[0];
  const [batch, time, features] = x.shape;
  if (
    kernel.shape[0] !== features ||
    kernel.shape[1] !== 4 * units ||
    recurrentKernel.shape[1] !== 4 * units ||
    bias.shape[0] !== 4 * units
  ) {
    throw new InputError(
      'lstmSequence: weights',
      `kernel [${features},${4 * units}], recurrentKernel [${units},${4 * units}], bias [${4 * units}]`,
      `[${kernel.shape}], [${recurrentKernel.shape}], [${bias.shape}]`,
    );
  }
  if (time < 1) throw new InputError('lstmSequence: x', 'at least one time step', `[${x.shape}]`);
  const initial = o.initialState ?? [];
  if (o.initialState != null) {
    if (initial.length !== 2) {
      throw new InputError('lstmSequence: initialState', '[h0, c0]', `${initial.length} tensor(s)`);
    }
    initial.forEach((s: tf.Tensor, i: number) => {
      checkTensor(`lstmSequence: initialState[${i}]`, s, { rank: 2 });
      if (s.shape[0] !== batch || s.shape[1] !== units) {
        throw new InputError(`lstmSequence: initialState[${i}]`, `shape [${batch},${units}]`, `[${s.shape}]`);
      }
    });
  }
  const backend = tf.getBackend();
  const wholeStep = tf.getKernel(LSTM_STEP, backend) != null;
  if (!wholeStep && !tf.getKernel(LSTM_CELL, backend)) {
    throw new InputError(
      'lstmSequence: backend',
      "cpu, wasm or webgpu with @tiefe/core's kernels registered (initBackend or registerKernels)",
      backend,
    );
  }
  return tf.tidy(() => {
    const mask = stepMask('lstmSequence', o.mask, batch, time, goBackwards);
    const xs = goBackwards ? tf.reverse(x, 1) : x;
    // Time-major [time * batch, features]: rows t * batch .. (t + 1) * batch are step t.
    const xt = tf.reshape(tf.transpose(xs, [1, 0, 2]), [time * batch, features]);
    const proj = tf.add(tf.matMul(xt, kernel), bias);
    const h0 = initial[0] ?? tf.zeros([batch, units]);
    const c0 = initial[1] ?? tf.zeros([batch, units]);
    const y = (wholeStep ? stepRecurrence : recurrence)(proj, recurrentKernel, h0, c0, mask);
    const h = tf.slice(y, [(time - 1) * batch, 0], [batch, units]) as tf.Tensor2D;
    const c = tf.slice(y, [time * batch, 0], [batch, units]) as tf.Tensor2D;
    const output = returnSequences
      ? tf.transpose(tf.reshape(tf.slice(y, [0, 0], [time * batch, units]), [time, batch, units]), [1, 0, 2])
      : h;
    return { output, h, c };
  });
}

/** Arguments of the {@link FusedLSTM} layer. */
export interface FusedLSTMArgs extends FusedRecurrentArgs {
  /** Initialise the forget gate's bias to 1 (Jozefowicz et al. 2015; Keras's default); default true. */
  unitForgetBias?: boolean;
}

/**
 * A drop-in LSTM layer computed by {@link lstmSequence}: the maths and the weights of tfjs-layers'
 * `tf.layers.lstm({ units, recurrentActivation: 'sigmoid' })` (Keras's defaults: tanh, sigmoid gates, unit
 * forget bias), the same weight names (`kernel`, `recurrent_kernel`, `bias`) and shapes, so
 * `fused.setWeights(lstm.getWeights())` and back work both ways. Registered as `'FusedLSTM'` for
 * `model.save()` / `tf.loadLayersModel()`. Supports `returnSequences`, `returnState`, `goBackwards`, initial
 * states (`apply(x, { initialState: [h0, c0] })`) and masks (Embedding `maskZero`, Masking); refuses dropout,
 * recurrent dropout and stateful mode ({@link streamingModel} turns it into a stateful `LSTM`).
 *
 * @example
 * const y = fusedLstm({ units: 128, returnSequences: true }).apply(x) as tfl.SymbolicTensor;
 */
export class FusedLSTM extends FusedRecurrent {
  /** Serialisation name (as in `model.json`). */
  static readonly className = 'FusedLSTM';
  /** Whether the forget bias starts at 1. */
  readonly unitForgetBias: boolean;
  protected readonly stateCount = 2;
  private kernel?: tfl.LayerVariable;
  private recurrentKernel?: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;

  constructor(args: FusedLSTMArgs) {
    const { unitForgetBias = true, ...rest } = args ?? ({} as FusedLSTMArgs);
    super('FusedLSTM', rest);
    this.unitForgetBias = checkBoolean('FusedLSTM: unitForgetBias', unitForgetBias);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const features = this.features(inputShape, 'FusedLSTM');
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

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const { x, options } = this.callInputs(inputs, kwargs, 'FusedLSTM');
    const r = lstmSequence(
      x,
      {
        kernel: this.kernel?.read() as tf.Tensor2D,
        recurrentKernel: this.recurrentKernel?.read() as tf.Tensor2D,
        bias: this.bias?.read() as tf.Tensor1D,
      },
      { ...(options as FusedCallOptions), returnSequences: this.returnSequences, goBackwards: this.goBackwards },
    );
    return this.outputs(r.output, [r.h, r.c]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), unitForgetBias: this.unitForgetBias };
  }
}

tf.serialization.registerClass(FusedLSTM);

/** Functional-API factory of {@link FusedLSTM}, named as tfjs-layers names its factories. */
export function fusedLstm(args: FusedLSTMArgs): FusedLSTM {
  return new FusedLSTM(args);
}
