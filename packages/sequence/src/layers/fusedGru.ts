import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  checkBoolean,
  checkOptions,
  checkTensor,
  GRU_CELL,
  GRU_CELL_GRAD,
  GRU_GATES,
  GRU_GATES_GRAD,
  GRU_STEP_CELL,
  GRU_STEP_CELL_GRAD,
  GRU_STEP_GATES,
  GRU_STEP_GATES_GRAD,
  InputError,
} from '@tiefe/core';
import { type FusedCallOptions, FusedRecurrent, type FusedRecurrentArgs, stepMask } from './fusedRecurrent.js';
import { stepMatMul } from './stepMatMul.js';

/** The GRU weights in the Keras / tfjs-layers layout (gate order z, r, h along the last axis). */
export interface GruWeights {
  /** `[features, 3 * units]`. */
  kernel: tf.Tensor2D;
  /** `[units, 3 * units]`. */
  recurrentKernel: tf.Tensor2D;
  /** `[3 * units]`. */
  bias: tf.Tensor1D;
}

/** Options of {@link gruSequence}. */
export interface GruSequenceOptions {
  /** Return every step's h as `output` (`[batch, time, units]`) instead of the last; default false. */
  returnSequences?: boolean;
  /** Run over the steps in reverse order; default false. */
  goBackwards?: boolean;
  /** `[batch, time]`, 0 at padded steps (the state is carried through them, as Keras does); default none. */
  mask?: tf.Tensor | null;
  /** `[h0]`, `[batch, units]`; default zeros. */
  initialState?: tf.Tensor[];
}

/** What {@link gruSequence} returns. */
export interface GruSequenceResult {
  /** `[batch, time, units]` with `returnSequences`, else the last h `[batch, units]`. */
  output: tf.Tensor;
  /** Final state `[batch, units]`. */
  h: tf.Tensor2D;
}

const runKernel = (name: string, inputs: tf.NamedTensorMap, step = 0) =>
  tf.engine().runKernel(name, inputs, { step }) as tf.Tensor[];

/**
 * The GRU recurrence over precomputed projections with its hand-written backward pass through time. Inputs
 * `proj` `[T * B, 3U]` (time-major), `u` `[U, 3U]`, `h0` `[B, U]`, `mask` `[T * B]`; output h of every step
 * `[T * B, U]`. Per step forward: matMul `h U_zr`, kernel {@link GRU_GATES}, matMul `(r h) U_h`, kernel
 * {@link GRU_CELL} (the reset gate acts before the second matMul, so a GRU step needs two); backward the
 * mirror image, and dU as two matMuls over all steps.
 */
const recurrence = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [proj, u, h0, mask] = args as tf.Tensor[];
  const save = args[4] as tf.GradSaveFunc;
  const [batch, units] = h0.shape as [number, number];
  const time = proj.shape[0] / batch;
  const uzr = tf.slice(u, [0, 0], [units, 2 * units]);
  const uh = tf.slice(u, [0, 2 * units], [units, units]);
  let h = h0;
  const hs = [h0];
  const gs: tf.Tensor[] = [];
  const hhs: tf.Tensor[] = [];
  const rhs: tf.Tensor[] = [];
  for (let t = 0; t < time; t++) {
    const hu = stepMatMul(h, uzr);
    const [gates, rh] = runKernel(GRU_GATES, { proj, hu, hPrev: h }, t);
    const rhu = stepMatMul(rh, uh);
    const [hh, next] = runKernel(GRU_CELL, { proj, rhu, gates, hPrev: h, mask }, t);
    tf.dispose([hu, rhu]);
    h = next;
    hs.push(h);
    gs.push(gates);
    hhs.push(hh);
    rhs.push(rh);
  }
  save([u, mask, ...gs, ...hhs, ...rhs, ...hs.slice(0, time)]);
  return {
    value: tf.concat(hs.slice(1), 0),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [su, sm] = saved;
      const at = (k: number) => saved.slice(2 + k * time, 2 + (k + 1) * time);
      const [G, HH, RH, H] = [at(0), at(1), at(2), at(3)];
      // XNNPACK multiplies by pre-transposed matrices about twice as fast as with the transpose flags.
      const uzrT = tf.transpose(tf.slice(su, [0, 0], [units, 2 * units]));
      const uhT = tf.transpose(tf.slice(su, [0, 2 * units], [units, units]));
      let dhRec: tf.Tensor = tf.zeros([batch, units]);
      let carry: tf.Tensor = tf.zeros([batch, units]);
      const dzrs: tf.Tensor[] = new Array(time);
      const dhhs: tf.Tensor[] = new Array(time);
      for (let t = time - 1; t >= 0; t--) {
        const cell = { gates: G[t], hh: HH[t], hPrev: H[t], dhRec, dy, carry, mask: sm };
        const [dhh, aux] = runKernel(GRU_CELL_GRAD, cell, t);
        const drh = stepMatMul(dhh, uhT);
        const [dzr, next] = runKernel(GRU_GATES_GRAD, { drh, gates: G[t], hPrev: H[t], aux });
        tf.dispose([dhRec, carry, aux, drh]);
        carry = next;
        dhRec = stepMatMul(dzr, uzrT);
        dzrs[t] = dzr;
        dhhs[t] = dhh;
      }
      const dZr = tf.concat(dzrs, 0);
      const dHh = tf.concat(dhhs, 0);
      const dU = tf.concat(
        [tf.matMul(tf.concat(H, 0), dZr, true, false), tf.matMul(tf.concat(RH, 0), dHh, true, false)],
        1,
      );
      return [tf.concat([dZr, dHh], 1), dU, tf.add(dhRec, carry), tf.zerosLike(sm)];
    },
  };
});

/**
 * {@link recurrence} where the backend runs each half of a step in one kernel, its matMul included (webgpu:
 * {@link GRU_STEP_GATES}, {@link GRU_STEP_CELL} and their gradients): same inputs and output. Per step the
 * gates `[B, 3U]` (z, r, r h) and the cell `[B, 2U]` (hh, h); backward, each half's `[B, 3U]` output is the
 * next one's input, with a running sum of its part of dU, so dU needs no matMul over all steps. The h and
 * pre-activation gradients are sliced out of each step's outputs as they come (on lavapipe a concat of whole
 * packed outputs costs far more than small slices).
 */
const stepRecurrence = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [proj, u, h0, mask] = args as tf.Tensor[];
  const save = args[4] as tf.GradSaveFunc;
  const [batch, units] = h0.shape as [number, number];
  const time = proj.shape[0] / batch;
  let cell = tf.concat([tf.zeros([batch, units]), h0], 1);
  const cells = [cell];
  const gs: tf.Tensor[] = [];
  const hs = [h0];
  for (let t = 0; t < time; t++) {
    const [gates] = runKernel(GRU_STEP_GATES, { proj, u, prev: cell }, t);
    [cell] = runKernel(GRU_STEP_CELL, { proj, u, gates, prev: cell, mask }, t);
    gs.push(gates);
    cells.push(cell);
    hs.push(tf.slice(cell, [0, units], [batch, units]));
  }
  save([u, mask, h0, ...gs, ...cells]);
  return {
    value: tf.concat(hs.slice(1), 0),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [su, sm, sh0] = saved;
      const G = saved.slice(3, 3 + time);
      const C = saved.slice(3 + time);
      const uT = tf.transpose(su);
      // each backward output: [B, 3U], then U rows of the running dU (in U's layout)
      let next = tf.zeros([batch + units, 3 * units]);
      const dzrs: tf.Tensor[] = new Array(time);
      const dhhs: tf.Tensor[] = new Array(time);
      for (let t = time - 1; t >= 0; t--) {
        const inputs = { gates: G[t], cell: C[t + 1], prev: C[t], dy, next, uT, mask: sm };
        const [grad] = runKernel(GRU_STEP_CELL_GRAD, inputs, t);
        [next] = runKernel(GRU_STEP_GATES_GRAD, { grad, gates: G[t], prev: C[t], next, uT }, t);
        dhhs[t] = tf.slice(grad, [0, 0], [batch, units]);
        dzrs[t] = tf.slice(next, [0, 0], [batch, 2 * units]);
      }
      const dZr = tf.concat(dzrs, 0);
      const dHh = tf.concat(dhhs, 0);
      // the kernels summed h_t^T dzr_{t+1} and every (r h_{t-1})^T dhh_t; the first step's h_{t-1} is h0
      const first = tf.pad(tf.matMul(sh0, dzrs[0], true, false), [
        [0, 0],
        [0, units],
      ]);
      const dU = tf.add(tf.slice(next, [batch, 0], [units, 3 * units]), first);
      const uzrT = tf.slice(uT, [0, 0], [2 * units, units]);
      const dh0 = tf.add(stepMatMul(dzrs[0], uzrT), tf.slice(next, [0, 2 * units], [batch, units]));
      return [tf.concat([dZr, dHh], 1), dU, dh0, tf.zerosLike(sm)];
    },
  };
});

/**
 * A GRU over a whole sequence with the tfjs-layers `GRU` maths (Keras's `reset_after: false`, the only GRU
 * tfjs implements: the reset gate scales h before its matMul; sigmoid gates, tanh candidate) and weight
 * layout, done the fast way: the input projection of all steps in one matMul before the loop, per step two
 * matMuls (`h U_zr`, then `(r h) U_h`) and two fused element-wise kernels (`TiefeGruGates`, `TiefeGruCell`,
 * registered by `@tiefe/core` on cpu and wasm; on webgpu each matMul is inside its kernel, `TiefeGruStepGates`,
 * `TiefeGruStepCell`), and a hand-written backward pass through time (the mirror image). Masked steps carry h through and repeat the previous output. Input `[batch, time, features]`.
 *
 * @example
 * const { output, h } = gruSequence(x, { kernel, recurrentKernel, bias }, { returnSequences: true });
 */
export function gruSequence(x: tf.Tensor3D, weights: GruWeights, options: GruSequenceOptions = {}): GruSequenceResult {
  checkTensor('gruSequence: x', x, { rank: 3 });
  const o = checkOptions('gruSequence: options', options);
  const returnSequences = checkBoolean('gruSequence: returnSequences', o.returnSequences ?? false);
  const goBackwards = checkBoolean('gruSequence: goBackwards', o.goBackwards ?? false);
  const { kernel, recurrentKernel, bias } = weights;
  const units = recurrentKernel.shape[0];
  const [batch, time, features] = x.shape;
  if (
    kernel.shape[0] !== features ||
    kernel.shape[1] !== 3 * units ||
    recurrentKernel.shape[1] !== 3 * units ||
    bias.shape[0] !== 3 * units
  ) {
    throw new InputError(
      'gruSequence: weights',
      `kernel [${features},${3 * units}], recurrentKernel [${units},${3 * units}], bias [${3 * units}]`,
      `[${kernel.shape}], [${recurrentKernel.shape}], [${bias.shape}]`,
    );
  }
  if (time < 1) throw new InputError('gruSequence: x', 'at least one time step', `[${x.shape}]`);
  if (o.initialState != null) {
    const [h0] = o.initialState;
    if (o.initialState.length !== 1) {
      throw new InputError('gruSequence: initialState', '[h0]', `${o.initialState.length} tensor(s)`);
    }
    checkTensor('gruSequence: initialState[0]', h0, { rank: 2 });
    if (h0.shape[0] !== batch || h0.shape[1] !== units) {
      throw new InputError('gruSequence: initialState[0]', `shape [${batch},${units}]`, `[${h0.shape}]`);
    }
  }
  const backend = tf.getBackend();
  const wholeSteps = tf.getKernel(GRU_STEP_CELL, backend) != null;
  if (!wholeSteps && !tf.getKernel(GRU_CELL, backend)) {
    throw new InputError(
      'gruSequence: backend',
      "cpu, wasm or webgpu with @tiefe/core's kernels registered (initBackend or registerKernels)",
      backend,
    );
  }
  return tf.tidy(() => {
    const mask = stepMask('gruSequence', o.mask, batch, time, goBackwards);
    const xs = goBackwards ? tf.reverse(x, 1) : x;
    const xt = tf.reshape(tf.transpose(xs, [1, 0, 2]), [time * batch, features]);
    const proj = tf.add(tf.matMul(xt, kernel), bias);
    const h0 = o.initialState?.[0] ?? tf.zeros([batch, units]);
    const y = (wholeSteps ? stepRecurrence : recurrence)(proj, recurrentKernel, h0, mask);
    const h = tf.slice(y, [(time - 1) * batch, 0], [batch, units]) as tf.Tensor2D;
    const output = returnSequences ? tf.transpose(tf.reshape(y, [time, batch, units]), [1, 0, 2]) : h;
    return { output, h };
  });
}

/** Arguments of the {@link FusedGRU} layer. */
export type FusedGRUArgs = FusedRecurrentArgs;

/**
 * A drop-in GRU layer computed by {@link gruSequence}: the maths and the weights of tfjs-layers'
 * `tf.layers.gru({ units, recurrentActivation: 'sigmoid' })` (tanh candidate, sigmoid gates, reset before the
 * matMul as tfjs implements it), the same weight names (`kernel`, `recurrent_kernel`, `bias`) and shapes, so
 * `fused.setWeights(gru.getWeights())` and back work both ways. Registered as `'FusedGRU'` for
 * `model.save()` / `tf.loadLayersModel()`. Supports `returnSequences`, `returnState`, `goBackwards`, an initial
 * state (`apply(x, { initialState: [h0] })`) and masks; refuses dropout, recurrent dropout and stateful mode
 * ({@link streamingModel} turns it into a stateful `GRU`).
 *
 * @example
 * const y = fusedGru({ units: 128, returnSequences: true }).apply(x) as tfl.SymbolicTensor;
 */
export class FusedGRU extends FusedRecurrent {
  /** Serialisation name (as in `model.json`). */
  static readonly className = 'FusedGRU';
  protected readonly stateCount = 1;
  private kernel?: tfl.LayerVariable;
  private recurrentKernel?: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;

  constructor(args: FusedGRUArgs) {
    super('FusedGRU', args);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const features = this.features(inputShape, 'FusedGRU');
    const u = this.units;
    this.kernel = this.addWeight('kernel', [features, 3 * u], 'float32', tfl.initializers.glorotUniform({}));
    this.recurrentKernel = this.addWeight(
      'recurrent_kernel',
      [u, 3 * u],
      'float32',
      tfl.initializers.orthogonal({ gain: 1 }),
    );
    this.bias = this.addWeight('bias', [3 * u], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const { x, options } = this.callInputs(inputs, kwargs, 'FusedGRU');
    const r = gruSequence(
      x,
      {
        kernel: this.kernel?.read() as tf.Tensor2D,
        recurrentKernel: this.recurrentKernel?.read() as tf.Tensor2D,
        bias: this.bias?.read() as tf.Tensor1D,
      },
      { ...(options as FusedCallOptions), returnSequences: this.returnSequences, goBackwards: this.goBackwards },
    );
    return this.outputs(r.output, [r.h]);
  }
}

tf.serialization.registerClass(FusedGRU);

/** Functional-API factory of {@link FusedGRU}, named as tfjs-layers names its factories. */
export function fusedGru(args: FusedGRUArgs): FusedGRU {
  return new FusedGRU(args);
}
