import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, describeValue, InputError } from '@tiefe/core';
import type { LinearMap } from './linearMap.js';

/**
 * An LRP rule for a linear layer z_j = sum_i x_i w_ij + b_j: given the layer input x and the relevance R_j of
 * its outputs, returns the relevance R_i of its inputs (same shape as x). Rules are small objects in the style
 * of zennit: each evaluates the layer with modified inputs/weights and uses the vector-Jacobian product of the
 * linear map (the "gradient trick": sum_j w'_ij s_j = d/dx_i sum_j z'_j(x) s_j) so it works for Dense and every
 * convolution on every backend.
 */
export interface LrpRule {
  /** Name shown in errors and docs, e.g. 'epsilon(0.25)'. */
  readonly name: string;
  /** R_in from (map, x, R_out); called inside a tf.tidy. */
  relevance(map: LinearMap, x: tf.Tensor, rOut: tf.Tensor): tf.Tensor;
}

/** R / z where z != 0, and 0 where z == 0 (no NaN from empty neurons). */
export function safeDivide(r: tf.Tensor, z: tf.Tensor): tf.Tensor {
  const zero = tf.equal(z, 0);
  return tf.where(zero, tf.zerosLike(z), tf.div(r, tf.where(zero, tf.onesLike(z), z)));
}

/** z + eps sign(z), with sign(0) = +1 (zennit's stabilizer). */
export function stabilize(z: tf.Tensor, eps: number): tf.Tensor {
  if (eps === 0) return z;
  return tf.add(z, tf.mul(tf.where(tf.greaterEqual(z, 0), tf.onesLike(z), tf.neg(tf.onesLike(z))), eps));
}

/** sum_j w_ij s_j for every input i: the vector-Jacobian product of the linear map (bias does not matter). */
export function vjp(map: LinearMap, kernel: tf.Tensor, x: tf.Tensor, s: tf.Tensor): tf.Tensor {
  return tf.grad((xx: tf.Tensor) => map.apply(xx, kernel, null))(x, s);
}

const pos = (t: tf.Tensor) => tf.relu(t);
const neg = (t: tf.Tensor) => tf.minimum(t, 0);

/** Basic z-rule with stabilizer: R_i = x_i sum_j w'_ij R_j / (z'_j + eps sign(z'_j)), z' = x W' + b'. */
function zRule(
  map: LinearMap,
  x: tf.Tensor,
  rOut: tf.Tensor,
  eps: number,
  modW: (w: tf.Tensor) => tf.Tensor,
  modB: (b: tf.Tensor) => tf.Tensor | null,
): tf.Tensor {
  const k = modW(map.kernel);
  const b = map.bias ? modB(map.bias) : null;
  const z = map.apply(x, k, b);
  const s = safeDivide(rOut, stabilize(z, eps));
  return tf.mul(x, vjp(map, k, x, s));
}

/** LRP-0 (Bach et al. 2015): R_i = sum_j x_i w_ij / z_j R_j (z includes the bias; 0/0 := 0). */
export function zero(): LrpRule {
  return {
    name: 'zero',
    relevance: (m, x, r) =>
      zRule(
        m,
        x,
        r,
        0,
        (w) => w,
        (b) => b,
      ),
  };
}

/**
 * LRP-epsilon: R_i = sum_j x_i w_ij / (z_j + eps sign(z_j)) R_j. Default `epsilon` 1e-6. Absorbs weak or
 * contradictory relevance; larger eps gives sparser, less noisy maps.
 */
export function epsilon(options: { epsilon?: number } = {}): LrpRule {
  const eps = options.epsilon ?? 1e-6;
  checkNumber('rules.epsilon: epsilon', eps, 0);
  return {
    name: `epsilon(${eps})`,
    relevance: (m, x, r) =>
      zRule(
        m,
        x,
        r,
        eps,
        (w) => w,
        (b) => b,
      ),
  };
}

/**
 * LRP-gamma (Montavon et al. 2019): w' = w + gamma w^+, b' = b + gamma b^+, then the z-rule with stabilizer
 * `epsilon` (default 1e-6). Favours positive contributions; meant for layers with non-negative inputs (after
 * ReLU). Default `gamma` 0.25.
 */
export function gamma(options: { gamma?: number; epsilon?: number } = {}): LrpRule {
  const g = options.gamma ?? 0.25;
  const eps = options.epsilon ?? 1e-6;
  checkNumber('rules.gamma: gamma', g, 0);
  checkNumber('rules.gamma: epsilon', eps, 0);
  return {
    name: `gamma(${g})`,
    relevance: (m, x, r) =>
      zRule(
        m,
        x,
        r,
        eps,
        (w) => tf.add(w, tf.mul(pos(w), g)),
        (b) => tf.add(b, tf.mul(pos(b), g)),
      ),
  };
}

function alphaBetaRelevance(
  map: LinearMap,
  x: tf.Tensor,
  rOut: tf.Tensor,
  alpha: number,
  beta: number,
  useBias: boolean,
): tf.Tensor {
  // Positive part z+ = x+ w+ + x- w- (+ b+), negative part z- = x+ w- + x- w+ (+ b-).
  const xp = pos(x);
  const xn = neg(x);
  const wp = pos(map.kernel);
  const wn = neg(map.kernel);
  const b = useBias ? map.bias : null;
  const zp = tf.add(map.apply(xp, wp, b ? pos(b) : null), map.apply(xn, wn, null));
  const sp = safeDivide(tf.mul(rOut, alpha), zp);
  let out = tf.add(tf.mul(xp, vjp(map, wp, x, sp)), tf.mul(xn, vjp(map, wn, x, sp)));
  if (beta !== 0) {
    const zn = tf.add(map.apply(xp, wn, b ? neg(b) : null), map.apply(xn, wp, null));
    const sn = safeDivide(tf.mul(rOut, beta), zn);
    out = tf.sub(out, tf.add(tf.mul(xp, vjp(map, wn, x, sn)), tf.mul(xn, vjp(map, wp, x, sn))));
  }
  return out;
}

/**
 * LRP-alpha-beta (Bach et al. 2015): R_i = sum_j (alpha (x_i w_ij)^+ / z_j^+ - beta (x_i w_ij)^- / z_j^-) R_j,
 * with z^+ = sum_i (x_i w_ij)^+ + b_j^+ and z^- = sum_i (x_i w_ij)^- + b_j^-. Requires alpha - beta = 1
 * (conservation). Default alpha 2, beta 1.
 */
export function alphaBeta(options: { alpha?: number; beta?: number } = {}): LrpRule {
  const alpha = options.alpha ?? 2;
  const beta = options.beta ?? alpha - 1;
  if (!Number.isFinite(alpha) || !Number.isFinite(beta) || beta < 0 || Math.abs(alpha - beta - 1) > 1e-9) {
    throw new InputError('rules.alphaBeta: options', 'alpha - beta = 1 with beta >= 0', `alpha ${alpha}, beta ${beta}`);
  }
  return {
    name: `alphaBeta(${alpha},${beta})`,
    relevance: (m, x, r) => alphaBetaRelevance(m, x, r, alpha, beta, true),
  };
}

/**
 * LRP-z+ (Montavon et al. 2017): R_i = sum_j (x_i w_ij)^+ / sum_i (x_i w_ij)^+ R_j, biases ignored
 * (alpha = 1, beta = 0 without bias; for non-negative inputs only positive weights count).
 */
export function zPlus(): LrpRule {
  return { name: 'zPlus', relevance: (m, x, r) => alphaBetaRelevance(m, x, r, 1, 0, false) };
}

/** A bound for {@link rules.zBox}: a number for every input element or a tensor that broadcasts to one input. */
export type Bound = number | tf.Tensor;

/**
 * LRP-z^B for the input layer (Montavon et al. 2017), for inputs within [low, high] (e.g. pixel range):
 * R_i = sum_j (x_i w_ij - l_i w_ij^+ - h_i w_ij^-) / sum_i (x_i w_ij - l_i w_ij^+ - h_i w_ij^-) R_j (no bias).
 */
export function zBox(options: { low: Bound; high: Bound }): LrpRule {
  const { low, high } = options ?? ({} as { low: Bound; high: Bound });
  if (low === undefined || high === undefined)
    throw new InputError('rules.zBox: options', '{ low, high } bounds', describeValue(options));
  return {
    name: 'zBox',
    relevance: (m, x, r) => {
      const l = tf.mul(tf.onesLike(x), low);
      const h = tf.mul(tf.onesLike(x), high);
      const wp = pos(m.kernel);
      const wn = neg(m.kernel);
      const z = tf.sub(tf.sub(m.apply(x, m.kernel, null), m.apply(l, wp, null)), m.apply(h, wn, null));
      const s = safeDivide(r, stabilize(z, 1e-12));
      return tf.sub(
        tf.sub(tf.mul(x, vjp(m, m.kernel, x, s)), tf.mul(l, vjp(m, wp, x, s))),
        tf.mul(h, vjp(m, wn, x, s)),
      );
    },
  };
}

/** LRP-flat: every input in the receptive field gets an equal share: w' = 1, x' = 1, no bias. */
export function flat(): LrpRule {
  return {
    name: 'flat',
    relevance: (m, x, r) => {
      const ones = tf.onesLike(x);
      const k = tf.onesLike(m.kernel);
      const s = safeDivide(r, m.apply(ones, k, null));
      return vjp(m, k, x, s);
    },
  };
}

/** LRP-w^2 (Montavon et al. 2017): R_i = sum_j w_ij^2 / sum_i w_ij^2 R_j (input-independent, no bias). */
export function wSquare(): LrpRule {
  return {
    name: 'wSquare',
    relevance: (m, x, r) => {
      const k = tf.square(m.kernel);
      const s = safeDivide(r, m.apply(tf.onesLike(x), k, null));
      return vjp(m, k, x, s);
    },
  };
}

/** All rule factories, as a namespace: `rules.epsilon({ epsilon: 0.25 })`. */
export const rules = { zero, epsilon, gamma, alphaBeta, zPlus, zBox, flat, wSquare };
