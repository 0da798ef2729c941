import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '../errors.js';
import type { Layer } from '../model/graph.js';
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
 * What every RNN rule needs of `layer` (checked: no goBackwards, stateful or returnState): the layer, its
 * units, the input's batch and steps, and the weights, with a zero bias of `gates * units` when it has none.
 */
function unrolled(method: string, layer: Layer, className: string, gates: number, x: tf.Tensor) {
  const l = layer as unknown as RnnLike;
  if (l.goBackwards || l.stateful || l.returnState) {
    throw new UnsupportedLayerError(
      method,
      layer.name,
      className,
      'goBackwards, stateful and returnState are not supported',
    );
  }
  const { cell } = l;
  const u = cell.units;
  const [n, steps] = x.shape;
  const w = cell.kernel.read();
  const uk = cell.recurrentKernel.read();
  const b = cell.useBias && cell.bias ? cell.bias.read() : tf.zeros([gates * u]);
  return { l, cell, u, n, steps, w, uk, b };
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
  [x]: tf.Tensor[],
  _y: tf.Tensor,
  r: tf.Tensor,
): tf.Tensor[] {
  const { l, cell, u, n, steps, w, uk, b } = unrolled(method, layer, 'LSTM', 4, x);
  const gate = (t: tf.Tensor, k: number) => tf.slice(t, [0, k * u], [-1, u]);
  const [wg, ug] = [tf.slice(w, [0, 2 * u], [-1, u]), tf.slice(uk, [0, 2 * u], [-1, u])];
  // Forward, keeping what the backward pass needs.
  const xs: tf.Tensor[] = [];
  const hs: tf.Tensor[] = [tf.zeros([n, u])];
  const cs: tf.Tensor[] = [tf.zeros([n, u])];
  const fc: tf.Tensor[] = [];
  const ig: tf.Tensor[] = [];
  const zg: tf.Tensor[] = [];
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
    cs.push(tf.add(fc[t], ig[t]));
    hs.push(tf.mul(o, cell.activation.apply(cs[t + 1])));
  }
  // Backward through time.
  let rh = l.returnSequences ? tf.zerosLike(hs[0]) : r;
  let rc = tf.zerosLike(hs[0]);
  const rx: tf.Tensor[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    if (l.returnSequences) rh = tf.add(rh, tf.reshape(tf.slice(r, [0, t, 0], [-1, 1, -1]), [n, u]));
    const rct = tf.add(rc, rh); // h_t = o_t tanh(c_t): all of R(h_t) goes to c_t
    const s = safeDivide(rct, stabilize(cs[t + 1], EPS));
    rc = tf.mul(fc[t], s); // to c_{t-1}
    const rg = tf.mul(ig[t], s); // to g_t (the gate i_t takes none)
    // g_t = tanh(z_g), z_g = x_t W_g + h_{t-1} U_g + b_g: epsilon rule on the linear part.
    const sg = safeDivide(rg, stabilize(zg[t], EPS));
    rx[t] = tf.mul(xs[t], tf.matMul(sg, wg, false, true));
    rh = tf.mul(hs[t], tf.matMul(sg, ug, false, true));
  }
  return [tf.stack(rx, 1)];
}

/**
 * LRP through a tfjs GRU layer (reset before the recurrent product, tfjs's only mode), in the spirit of Arras et
 * al. 2017: h_t = z_t h_{t-1} + (1 - z_t) hh_t splits R(h_t) by the epsilon rule between h_{t-1} and hh_t (the
 * gate z_t takes none), and hh_t = tanh(x_t W_h + (r_t h_{t-1}) U_h + b_h) passes its share to x_t and, through
 * r_t h_{t-1} (signal-take-all: the reset gate takes none), to h_{t-1}; eps 0.001. Gate order z, r, h.
 */
export function gruRelevance(method: string, layer: Layer, [x]: tf.Tensor[], _y: tf.Tensor, r: tf.Tensor): tf.Tensor[] {
  const { l, cell, u, n, steps, w, uk, b } = unrolled(method, layer, 'GRU', 3, x);
  const wh = tf.slice(w, [0, 2 * u], [-1, u]);
  const uh = tf.slice(uk, [0, 2 * u], [-1, u]);
  const xs: tf.Tensor[] = [];
  const hs: tf.Tensor[] = [tf.zeros([n, u])];
  const keep: tf.Tensor[] = []; // z h_{t-1}
  const cand: tf.Tensor[] = []; // (1 - z) hh
  const rh: tf.Tensor[] = []; // r h_{t-1}
  const zh: tf.Tensor[] = []; // pre-activation of hh
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
    hs.push(tf.add(keep[t], cand[t]));
  }
  let rH = l.returnSequences ? tf.zerosLike(hs[0]) : r;
  const rx: tf.Tensor[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    if (l.returnSequences) rH = tf.add(rH, tf.reshape(tf.slice(r, [0, t, 0], [-1, 1, -1]), [n, u]));
    const s = safeDivide(rH, stabilize(hs[t + 1], EPS));
    const rPrev = tf.mul(keep[t], s);
    const sh = safeDivide(tf.mul(cand[t], s), stabilize(zh[t], EPS));
    rx[t] = tf.mul(xs[t], tf.matMul(sh, wh, false, true));
    // r h_{t-1} is one signal: its relevance goes to h_{t-1} as it is (the reset gate takes none).
    rH = tf.add(rPrev, tf.mul(rh[t], tf.matMul(sh, uh, false, true)));
  }
  return [tf.stack(rx, 1)];
}

/**
 * LRP through a tfjs SimpleRNN layer: h_t = f(x_t W + h_{t-1} U + b) passes R(h_t) to the pre-activation
 * (as activations do) and splits it over x_t and h_{t-1} by the epsilon rule (eps 0.001).
 */
export function simpleRnnRelevance(
  method: string,
  layer: Layer,
  [x]: tf.Tensor[],
  _y: tf.Tensor,
  r: tf.Tensor,
): tf.Tensor[] {
  const { l, cell, u, n, steps, w, uk, b } = unrolled(method, layer, 'SimpleRNN', 1, x);
  const xs: tf.Tensor[] = [];
  const hs: tf.Tensor[] = [tf.zeros([n, u])];
  const zs: tf.Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    xs.push(tf.reshape(tf.slice(x, [0, t, 0], [-1, 1, -1]), [n, -1]));
    zs.push(tf.add(tf.add(tf.matMul(xs[t], w), tf.matMul(hs[t], uk)), b));
    hs.push(cell.activation.apply(zs[t]));
  }
  let rH = l.returnSequences ? tf.zerosLike(hs[0]) : r;
  const rx: tf.Tensor[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    if (l.returnSequences) rH = tf.add(rH, tf.reshape(tf.slice(r, [0, t, 0], [-1, 1, -1]), [n, u]));
    const s = safeDivide(rH, stabilize(zs[t], EPS));
    rx[t] = tf.mul(xs[t], tf.matMul(s, w, false, true));
    rH = tf.mul(hs[t], tf.matMul(s, uk, false, true));
  }
  return [tf.stack(rx, 1)];
}
