import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '../errors.js';
import type { Layer } from '../model/graph.js';
import type { CustomRelevance } from '../model/layers.js';
import { safeDivide, stabilize } from './rules.js';

interface RnnLike {
  cell: {
    units: number;
    kernel: { read(): tf.Tensor };
    recurrentKernel: { read(): tf.Tensor };
    bias: { read(): tf.Tensor } | null;
    useBias: boolean;
    activation: { apply(t: tf.Tensor): tf.Tensor };
    recurrentActivation: { apply(t: tf.Tensor): tf.Tensor };
  };
  returnSequences: boolean;
  goBackwards: boolean;
  returnState: boolean;
  stateful: boolean;
}

/** Stabiliser of the epsilon rule inside the LSTM (Arras et al. use 0.001). */
const EPS = 1e-3;

/**
 * What every RNN rule needs of `layer` (checked: not stateful, no returnState): the layer, its units, the input's
 * batch and steps, the input in the order the layer reads it (reversed in time with goBackwards), the weights,
 * with a zero bias of `gates * units` when it has none, `stepMask(t)` (the [N, 1] mask of step t in reading order, or
 * null without a mask: tfjs carries the state unchanged through masked steps) and `finish`, which stacks the
 * per-step input relevances back into the input's time order. With goBackwards a returned sequence is in reading
 * order (as tfjs returns it), so its relevance needs no reordering.
 */
function unrolled(
  method: string,
  layer: Layer,
  className: string,
  gates: number,
  input: tf.Tensor,
  mask: tf.Tensor | null,
) {
  const l = layer as unknown as RnnLike;
  if (l.stateful || l.returnState) {
    throw new UnsupportedLayerError(method, layer.name, className, 'stateful and returnState are not supported');
  }
  const { cell } = l;
  const u = cell.units;
  const [n, steps] = input.shape;
  const w = cell.kernel.read();
  const uk = cell.recurrentKernel.read();
  const b = cell.useBias && cell.bias ? cell.bias.read() : tf.zeros([gates * u]);
  const x = l.goBackwards ? tf.reverse(input, 1) : input;
  const m = mask ? tf.reshape(tf.cast(mask, 'float32'), [n, steps]) : null;
  const mr = m && l.goBackwards ? tf.reverse(m, 1) : m;
  const stepMask = (t: number) => (mr ? tf.slice(mr, [0, t], [-1, 1]) : null);
  const finish = (rx: tf.Tensor[]) => (l.goBackwards ? tf.reverse(tf.stack(rx, 1), 1) : tf.stack(rx, 1));
  return { l, cell, u, n, steps, w, uk, b, x, stepMask, finish };
}

/** m a + (1 - m) b: the new value where the step is kept, the carried one where it is masked (m null: a). */
const where = (m: tf.Tensor | null, a: tf.Tensor, b: tf.Tensor) =>
  m ? tf.add(tf.mul(m, a), tf.mul(tf.sub(1, m), b)) : a;

interface BidirectionalLike {
  forwardLayer: Layer;
  backwardLayer: Layer;
  mergeMode: 'concat' | 'sum' | 'ave' | 'mul' | null;
  returnSequences: boolean;
  returnState: boolean;
}

/**
 * LRP through a Bidirectional RNN wrapper: the relevance of the merged output is split between the forward and
 * the backward layer's outputs, and each layer's own rule (`ruleOf` its class: LSTM, GRU, SimpleRNN) takes its
 * share to the input; the two input relevances add. `concat`: each half of R goes to its layer. `sum` and `ave`
 * (y = y_f + y_b, or half of it): the z-rule, R_f = y_f / (y_f + y_b) R (eps 0.001), R_b the same. `mul`
 * (y = y_f y_b) is a product of two signals with no conservative split (signal-take-all needs a gate), so it is
 * refused. With returnSequences the backward output is aligned in time by the wrapper, so its relevance is
 * reversed back into the backward layer's reading order.
 */
export function bidirectionalRelevance(
  method: string,
  layer: Layer,
  [x]: tf.Tensor[],
  r: tf.Tensor,
  mask: tf.Tensor | null,
  ruleOf: (className: string) => CustomRelevance | undefined,
): tf.Tensor[] {
  const l = layer as unknown as BidirectionalLike;
  const unsupported = (detail: string) => new UnsupportedLayerError(method, layer.name, 'Bidirectional', detail);
  if (l.returnState) throw unsupported('returnState is not supported');
  if (l.mergeMode !== 'concat' && l.mergeMode !== 'sum' && l.mergeMode !== 'ave') {
    throw unsupported(
      `mergeMode '${l.mergeMode}': only concat, sum and ave split relevance conservatively (mul multiplies two signals)`,
    );
  }
  const parts = [l.forwardLayer, l.backwardLayer].map((inner) => {
    const cls = inner.getClassName();
    const rule = ruleOf(cls);
    if (!rule) throw unsupported(`the wrapped layer's class ${cls} has no custom LRP rule (LSTM, GRU, SimpleRNN do)`);
    // call, not apply: the wrapper built its layers already (apply would build them again).
    const y = inner.call(x, { training: false, ...(mask ? { mask } : {}) }) as tf.Tensor;
    return { inner, rule, y };
  });
  const [yf, yb] = parts.map((p, k) => (k === 1 && l.returnSequences ? tf.reverse(p.y, 1) : p.y));
  let rf: tf.Tensor;
  let rb: tf.Tensor;
  if (l.mergeMode === 'concat') {
    const u = yf.shape[yf.rank - 1];
    [rf, rb] = tf.split(r, [u, yb.shape[yb.rank - 1]], -1);
    if (rf.shape[rf.rank - 1] !== u) throw unsupported('unexpected output width');
  } else {
    const s = safeDivide(r, stabilize(tf.add(yf, yb), EPS)); // ave: y/2 and R share the same split
    rf = tf.mul(yf, s);
    rb = tf.mul(yb, s);
  }
  if (l.returnSequences) rb = tf.reverse(rb, 1);
  const [pf, pb] = parts;
  const rxf = pf.rule(method, pf.inner, [x], pf.y, rf, mask)[0];
  const rxb = pb.rule(method, pb.inner, [x], pb.y, rb, mask)[0];
  return [tf.add(rxf, rxb)];
}

/**
 * LRP through a tfjs LSTM layer (Arras et al. 2017, "Explaining recurrent neural network predictions in
 * sentiment analysis"): the layer is unrolled with its own weights (Keras gate order i, f, c, o); the
 * multiplicative gates take no relevance ("signal-take-all": h_t = o_t tanh(c_t) passes R(h_t) to c_t, and i_t g_t
 * passes its share to g_t), the sum c_t = f_t c_{t-1} + i_t g_t and the cell input g_t = tanh(x_t W_g + h_{t-1}
 * U_g + b_g) use the epsilon rule (eps 0.001; the bias and eps absorb their share). Returns the relevance of the layer input [N, T, in] from that of
 * its output ([N, units], or [N, T, units] with returnSequences).
 */
export function lstmRelevance(
  method: string,
  layer: Layer,
  [input]: tf.Tensor[],
  _y: tf.Tensor,
  r: tf.Tensor,
  mask: tf.Tensor | null = null,
): tf.Tensor[] {
  const { l, cell, u, n, steps, w, uk, b, x, stepMask, finish } = unrolled(method, layer, 'LSTM', 4, input, mask);
  const gate = (t: tf.Tensor, k: number) => tf.slice(t, [0, k * u], [-1, u]);
  const [wg, ug] = [tf.slice(w, [0, 2 * u], [-1, u]), tf.slice(uk, [0, 2 * u], [-1, u])];
  // Forward, keeping what the backward pass needs.
  const xs: tf.Tensor[] = [];
  const hs: tf.Tensor[] = [tf.zeros([n, u])];
  const cs: tf.Tensor[] = [tf.zeros([n, u])];
  const fc: tf.Tensor[] = [];
  const ig: tf.Tensor[] = [];
  const zg: tf.Tensor[] = [];
  const cNew: tf.Tensor[] = []; // the step's cell value before masking
  for (let t = 0; t < steps; t++) {
    const xt = tf.reshape(tf.slice(x, [0, t, 0], [-1, 1, -1]), [n, -1]);
    const z = tf.add(tf.add(tf.matMul(xt, w), tf.matMul(hs[t], uk)), b);
    const i = cell.recurrentActivation.apply(gate(z, 0));
    const f = cell.recurrentActivation.apply(gate(z, 1));
    const g = cell.activation.apply(gate(z, 2));
    const o = cell.recurrentActivation.apply(gate(z, 3));
    xs.push(xt);
    zg.push(gate(z, 2));
    fc.push(tf.mul(f, cs[t]));
    ig.push(tf.mul(i, g));
    cNew.push(tf.add(fc[t], ig[t]));
    cs.push(where(stepMask(t), cNew[t], cs[t]));
    hs.push(where(stepMask(t), tf.mul(o, cell.activation.apply(cNew[t])), hs[t]));
  }
  // Backward through time; a masked step passes R(h_t) and R(c_t) on to h_{t-1} and c_{t-1} as they are.
  let rh = l.returnSequences ? tf.zerosLike(hs[0]) : r;
  let rc = tf.zerosLike(hs[0]);
  const rx: tf.Tensor[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    if (l.returnSequences) rh = tf.add(rh, tf.reshape(tf.slice(r, [0, t, 0], [-1, 1, -1]), [n, u]));
    const rct = tf.add(rc, rh); // h_t = o_t tanh(c_t): all of R(h_t) goes to c_t
    const s = safeDivide(rct, stabilize(cNew[t], EPS));
    const rg = tf.mul(ig[t], s); // to g_t (the gate i_t takes none)
    // g_t = tanh(z_g), z_g = x_t W_g + h_{t-1} U_g + b_g: epsilon rule on the linear part.
    const sg = safeDivide(rg, stabilize(zg[t], EPS));
    const m = stepMask(t);
    const rxt = tf.mul(xs[t], tf.matMul(sg, wg, false, true));
    rx[t] = m ? tf.mul(m, rxt) : rxt;
    [rc, rh] = [where(m, tf.mul(fc[t], s), rc), where(m, tf.mul(hs[t], tf.matMul(sg, ug, false, true)), rh)];
  }
  return [finish(rx)];
}

interface FusedLstmLike {
  name: string;
  units: number;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  kernel: { read(): tf.Tensor };
  recurrentKernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor };
}

/**
 * LRP through @tiefe/sequence's `FusedLSTM` (registered by class name: sequence depends on explain, not the other
 * way round): the same maths and Keras weight layout as tfjs's LSTM with sigmoid gates and tanh, so the LSTM rule
 * runs on a view of its weights.
 */
export function fusedLstmRelevance(
  method: string,
  layer: Layer,
  inputs: tf.Tensor[],
  y: tf.Tensor,
  r: tf.Tensor,
  mask: tf.Tensor | null = null,
): tf.Tensor[] {
  const f = layer as unknown as FusedLstmLike;
  const view = {
    name: f.name,
    returnSequences: f.returnSequences,
    returnState: f.returnState,
    goBackwards: f.goBackwards,
    stateful: false,
    cell: {
      units: f.units,
      kernel: f.kernel,
      recurrentKernel: f.recurrentKernel,
      bias: f.bias,
      useBias: true,
      activation: { apply: (t: tf.Tensor) => tf.tanh(t) },
      recurrentActivation: { apply: (t: tf.Tensor) => tf.sigmoid(t) },
    },
  };
  return lstmRelevance(method, view as unknown as Layer, inputs, y, r, mask);
}

/**
 * LRP through a tfjs GRU layer (reset before the recurrent product, tfjs's only mode), in the spirit of Arras et
 * al. 2017: h_t = z_t h_{t-1} + (1 - z_t) hh_t splits R(h_t) by the epsilon rule between h_{t-1} and hh_t (the
 * gate z_t takes none), and hh_t = tanh(x_t W_h + (r_t h_{t-1}) U_h + b_h) passes its share to x_t and, through
 * r_t h_{t-1} (signal-take-all: the reset gate takes none), to h_{t-1}; eps 0.001. Gate order z, r, h.
 */
export function gruRelevance(
  method: string,
  layer: Layer,
  [input]: tf.Tensor[],
  _y: tf.Tensor,
  r: tf.Tensor,
  mask: tf.Tensor | null = null,
): tf.Tensor[] {
  const { l, cell, u, n, steps, w, uk, b, x, stepMask, finish } = unrolled(method, layer, 'GRU', 3, input, mask);
  const wh = tf.slice(w, [0, 2 * u], [-1, u]);
  const uh = tf.slice(uk, [0, 2 * u], [-1, u]);
  const xs: tf.Tensor[] = [];
  const hs: tf.Tensor[] = [tf.zeros([n, u])];
  const keep: tf.Tensor[] = []; // z h_{t-1}
  const cand: tf.Tensor[] = []; // (1 - z) hh
  const rh: tf.Tensor[] = []; // r h_{t-1}
  const zh: tf.Tensor[] = []; // pre-activation of hh
  const hNew: tf.Tensor[] = []; // the step's state before masking
  for (let t = 0; t < steps; t++) {
    const xt = tf.reshape(tf.slice(x, [0, t, 0], [-1, 1, -1]), [n, -1]);
    const mx = tf.add(tf.matMul(xt, w), b);
    const inner = tf.matMul(hs[t], tf.slice(uk, [0, 0], [-1, 2 * u]));
    const z = cell.recurrentActivation.apply(tf.add(tf.slice(mx, [0, 0], [-1, u]), tf.slice(inner, [0, 0], [-1, u])));
    const rg = cell.recurrentActivation.apply(tf.add(tf.slice(mx, [0, u], [-1, u]), tf.slice(inner, [0, u], [-1, u])));
    rh.push(tf.mul(rg, hs[t]));
    zh.push(tf.add(tf.slice(mx, [0, 2 * u], [-1, u]), tf.matMul(rh[t], uh)));
    const hh = cell.activation.apply(zh[t]);
    xs.push(xt);
    keep.push(tf.mul(z, hs[t]));
    cand.push(tf.mul(tf.sub(1, z), hh));
    hNew.push(tf.add(keep[t], cand[t]));
    hs.push(where(stepMask(t), hNew[t], hs[t]));
  }
  let rH = l.returnSequences ? tf.zerosLike(hs[0]) : r;
  const rx: tf.Tensor[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    if (l.returnSequences) rH = tf.add(rH, tf.reshape(tf.slice(r, [0, t, 0], [-1, 1, -1]), [n, u]));
    const s = safeDivide(rH, stabilize(hNew[t], EPS));
    const rPrev = tf.mul(keep[t], s);
    const sh = safeDivide(tf.mul(cand[t], s), stabilize(zh[t], EPS));
    const m = stepMask(t);
    const rxt = tf.mul(xs[t], tf.matMul(sh, wh, false, true));
    rx[t] = m ? tf.mul(m, rxt) : rxt;
    // r h_{t-1} is one signal: its relevance goes to h_{t-1} as it is (the reset gate takes none).
    rH = where(m, tf.add(rPrev, tf.mul(rh[t], tf.matMul(sh, uh, false, true))), rH);
  }
  return [finish(rx)];
}

/**
 * LRP through a tfjs SimpleRNN layer: h_t = f(x_t W + h_{t-1} U + b) passes R(h_t) to the pre-activation
 * (as activations do) and splits it over x_t and h_{t-1} by the epsilon rule (eps 0.001).
 */
export function simpleRnnRelevance(
  method: string,
  layer: Layer,
  [input]: tf.Tensor[],
  _y: tf.Tensor,
  r: tf.Tensor,
  mask: tf.Tensor | null = null,
): tf.Tensor[] {
  const { l, cell, u, n, steps, w, uk, b, x, stepMask, finish } = unrolled(method, layer, 'SimpleRNN', 1, input, mask);
  const xs: tf.Tensor[] = [];
  const hs: tf.Tensor[] = [tf.zeros([n, u])];
  const zs: tf.Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    xs.push(tf.reshape(tf.slice(x, [0, t, 0], [-1, 1, -1]), [n, -1]));
    zs.push(tf.add(tf.add(tf.matMul(xs[t], w), tf.matMul(hs[t], uk)), b));
    hs.push(where(stepMask(t), cell.activation.apply(zs[t]), hs[t]));
  }
  let rH = l.returnSequences ? tf.zerosLike(hs[0]) : r;
  const rx: tf.Tensor[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    if (l.returnSequences) rH = tf.add(rH, tf.reshape(tf.slice(r, [0, t, 0], [-1, 1, -1]), [n, u]));
    const s = safeDivide(rH, stabilize(zs[t], EPS));
    const m = stepMask(t);
    const rxt = tf.mul(xs[t], tf.matMul(s, w, false, true));
    rx[t] = m ? tf.mul(m, rxt) : rxt;
    rH = where(m, tf.mul(hs[t], tf.matMul(s, uk, false, true)), rH);
  }
  return [finish(rx)];
}
