/**
 * Independent plain-array references for the tests: loops over pixels, no tfjs. Berman et al.'s
 * lovasz_grad / lovasz_hinge / lovasz_softmax are ported line by line from the reference PyTorch code
 * (github.com/bermanmaxim/LovaszSoftmax, pytorch/lovasz_losses.py).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export function softmaxRow(x: number[]): number[] {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Deterministic pseudo-random numbers (mulberry32) for fixed test inputs. */
export function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Asserts that `fn` leaves the number of live tensors unchanged (its result disposed by the caller). */
export async function expectNoLeak<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  if (out instanceof tf.Tensor) {
    const v = out;
    expect(tf.memory().numTensors).toBe(before + 1);
    v.dispose();
  } else {
    expect(tf.memory().numTensors).toBe(before);
  }
  return out;
}

/** Value of a scalar-valued loss, disposing the result. */
export function value(f: (a: tf.Tensor, b: tf.Tensor) => tf.Scalar, yTrue: tf.Tensor, yPred: tf.Tensor): number {
  const before = tf.memory().numTensors;
  const s = f(yTrue, yPred);
  const v = s.dataSync()[0];
  s.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return v;
}

/** Analytic gradient (tf.grad) and central finite differences of f(yTrue, x) at x, all elements. */
export function gradients(
  f: (a: tf.Tensor, b: tf.Tensor) => tf.Scalar,
  yTrue: tf.Tensor,
  x: number[],
  shape: number[],
  h = 1e-2,
): { analytic: number[]; numeric: number[] } {
  const before = tf.memory().numTensors;
  const xt = tf.tensor(x, shape);
  const g = tf.grad((v: tf.Tensor) => f(yTrue, v))(xt);
  const analytic = Array.from(g.dataSync());
  tf.dispose([xt, g]);
  const numeric: number[] = [];
  // float64 perturbation of a float32 input: the step is what float32 can represent.
  for (let i = 0; i < x.length; i++) {
    const plus = x.slice();
    const minus = x.slice();
    plus[i] += h;
    minus[i] -= h;
    const tp = tf.tensor(plus, shape);
    const tm = tf.tensor(minus, shape);
    const dp = Math.fround(plus[i]) - Math.fround(minus[i]);
    numeric.push((value(f, yTrue, tp) - value(f, yTrue, tm)) / dp);
    tf.dispose([tp, tm]);
  }
  expect(tf.memory().numTensors).toBe(before);
  return { analytic, numeric };
}

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol = 0): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = atol + rtol * Math.abs(want[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      throw new Error(
        `element ${i}: got ${got[i]}, want ${want[i]} (tolerance ${tol})\n got ${Array.from(got)}\nwant ${Array.from(want)}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Overlap scores (segmentation_models.pytorch conventions, written as loops).

export interface OverlapRefOptions {
  kind: 'dice' | 'jaccard' | 'tversky' | 'focalTversky';
  smooth?: number;
  eps?: number;
  classes?: 'present' | 'all';
  perImage?: boolean;
  includeBackground?: boolean;
  classWeights?: number[];
  squared?: boolean;
  logLoss?: boolean;
  alpha?: number;
  beta?: number;
  gamma?: number;
}

/**
 * probs[n][p][c], target[n][p][c] (already one-hot, ignored pixels: valid[n][p] = 0).
 */
export function overlapRef(probs: number[][][], target: number[][][], valid: number[][], o: OverlapRefOptions): number {
  const c = probs[0][0].length;
  const s = o.smooth ?? 0;
  const eps = o.eps ?? 1e-7;
  const first = o.includeBackground === false && c > 1 ? 1 : 0;
  const groups = o.perImage ? probs.map((_, i) => [i]) : [probs.map((_, i) => i)];
  const groupLosses: number[] = [];
  for (const g of groups) {
    let num = 0;
    let den = 0;
    for (let k = first; k < c; k++) {
      let tp = 0;
      let sp = 0;
      let sg = 0;
      let present = 0;
      for (const b of g) {
        for (let i = 0; i < probs[b].length; i++) {
          const v = valid[b][i];
          const p = probs[b][i][k] * v;
          const t = target[b][i][k] * v;
          tp += p * t;
          sp += o.squared ? p * p : p;
          sg += o.squared ? t * t : t;
          present += t;
        }
      }
      let score: number;
      if (o.kind === 'dice') score = (2 * tp + s) / Math.max(sp + sg + s, eps);
      else if (o.kind === 'jaccard') score = (tp + s) / Math.max(sp + sg - tp + s, eps);
      else {
        const a = o.alpha ?? 0.5;
        const bb = o.beta ?? 0.5;
        score = (tp + s) / Math.max(tp + a * (sp - tp) + bb * (sg - tp) + s, eps);
      }
      let loss = o.logLoss ? -Math.log(Math.max(score, eps)) : 1 - score;
      if (o.kind === 'focalTversky') loss = Math.max(1 - score, eps) ** (o.gamma ?? 0.75);
      const w = (o.classes === 'all' || present > 0 ? 1 : 0) * (o.classWeights ? o.classWeights[k] : 1);
      num += w * loss;
      den += w;
    }
    if (den > 0) groupLosses.push(num / den);
  }
  return groupLosses.length ? groupLosses.reduce((a, b) => a + b, 0) / groupLosses.length : 0;
}

// ---------------------------------------------------------------------------------------------------------
// Berman et al., pytorch/lovasz_losses.py, ported to plain arrays.

/** def lovasz_grad(gt_sorted) */
export function lovaszGrad(gtSorted: number[]): number[] {
  const p = gtSorted.length;
  const gts = gtSorted.reduce((a, b) => a + b, 0);
  let cg = 0;
  let cn = 0;
  const jaccard: number[] = [];
  for (let i = 0; i < p; i++) {
    cg += gtSorted[i];
    cn += 1 - gtSorted[i];
    jaccard.push(1 - (gts - cg) / (gts + cn));
  }
  if (p > 1) for (let i = p - 1; i >= 1; i--) jaccard[i] = jaccard[i] - jaccard[i - 1];
  return jaccard;
}

/** torch.sort(errors, descending=True): indices (ties keep the earlier index first; tests use distinct values). */
function argsortDesc(errors: number[]): number[] {
  return errors.map((_, i) => i).sort((a, b) => errors[b] - errors[a] || a - b);
}

/** lovasz_hinge_flat with its gradient with respect to the logits (the sort held constant, as autograd does). */
export function lovaszHingeFlat(logits: number[], labels: number[]): { loss: number; grad: number[] } {
  if (labels.length === 0) return { loss: 0, grad: [] };
  const signs = labels.map((l) => 2 * l - 1);
  const errors = logits.map((x, i) => 1 - x * signs[i]);
  const perm = argsortDesc(errors);
  const grad = lovaszGrad(perm.map((i) => labels[i]));
  let loss = 0;
  const dx = new Array(logits.length).fill(0);
  perm.forEach((j, i) => {
    loss += Math.max(errors[j], 0) * grad[i];
    if (errors[j] > 0) dx[j] = grad[i] * -signs[j];
  });
  return { loss, grad: dx };
}

/** lovasz_hinge(logits [N][P], labels [N][P], per_image, ignore): loss and d loss / d logits [N][P]. */
export function lovaszHinge(
  logits: number[][],
  labels: number[][],
  perImage: boolean,
  ignore?: number,
): { loss: number; grad: number[][] } {
  const grad = logits.map((r) => r.map(() => 0));
  const run = (imgs: number[]): number => {
    const xs: number[] = [];
    const ls: number[] = [];
    const where: Array<[number, number]> = [];
    for (const b of imgs) {
      labels[b].forEach((l, i) => {
        if (l !== ignore) {
          xs.push(logits[b][i]);
          ls.push(l);
          where.push([b, i]);
        }
      });
    }
    const r = lovaszHingeFlat(xs, ls);
    const scale = perImage ? 1 / logits.length : 1;
    r.grad.forEach((g, k) => {
      grad[where[k][0]][where[k][1]] += g * scale;
    });
    return r.loss;
  };
  if (perImage) {
    const losses = logits.map((_, b) => run([b]));
    return { loss: losses.reduce((a, b) => a + b, 0) / losses.length, grad };
  }
  return { loss: run(logits.map((_, b) => b)), grad };
}

/** lovasz_softmax_flat(probas [P][C], labels [P], classes): loss and d loss / d probas. */
export function lovaszSoftmaxFlat(
  probas: number[][],
  labels: number[],
  classes: 'present' | 'all' | number[],
): { loss: number; grad: number[][] } {
  const grad = probas.map((r) => r.map(() => 0));
  if (probas.length === 0) return { loss: 0, grad };
  const c = probas[0].length;
  const toSum = classes === 'all' || classes === 'present' ? [...Array(c).keys()] : classes;
  const losses: number[] = [];
  const grads: Array<{ k: number; d: number[] }> = [];
  for (const cls of toSum) {
    const fg = labels.map((l) => (l === cls ? 1 : 0));
    if (classes === 'present' && fg.reduce<number>((a, b) => a + b, 0) === 0) continue;
    const k = c === 1 ? 0 : cls;
    const pred = probas.map((r) => r[k]);
    const errors = fg.map((f, i) => Math.abs(f - pred[i]));
    const perm = argsortDesc(errors);
    const g = lovaszGrad(perm.map((i) => fg[i]));
    let loss = 0;
    const d = new Array(pred.length).fill(0);
    perm.forEach((j, i) => {
      loss += errors[j] * g[i];
      d[j] = g[i] * Math.sign(pred[j] - fg[j]);
    });
    losses.push(loss);
    grads.push({ k, d });
  }
  if (losses.length === 0) return { loss: 0, grad };
  for (const { k, d } of grads)
    d.forEach((v, i) => {
      grad[i][k] += v / losses.length;
    });
  return { loss: losses.reduce((a, b) => a + b, 0) / losses.length, grad };
}

/** lovasz_softmax(probas [N][P][C], labels [N][P], classes, per_image, ignore): loss and d loss / d probas. */
export function lovaszSoftmax(
  probas: number[][][],
  labels: number[][],
  classes: 'present' | 'all' | number[],
  perImage: boolean,
  ignore?: number,
): { loss: number; grad: number[][][] } {
  const grad = probas.map((img) => img.map((r) => r.map(() => 0)));
  const run = (imgs: number[], scale: number): number => {
    const ps: number[][] = [];
    const ls: number[] = [];
    const where: Array<[number, number]> = [];
    for (const b of imgs) {
      labels[b].forEach((l, i) => {
        if (l !== ignore) {
          ps.push(probas[b][i]);
          ls.push(l);
          where.push([b, i]);
        }
      });
    }
    const r = lovaszSoftmaxFlat(ps, ls, classes);
    r.grad.forEach((row, k) => {
      row.forEach((v, ch) => {
        grad[where[k][0]][where[k][1]][ch] += v * scale;
      });
    });
    return r.loss;
  };
  if (perImage) {
    const losses = probas.map((_, b) => run([b], 1 / probas.length));
    return { loss: losses.reduce((a, b) => a + b, 0) / losses.length, grad };
  }
  return {
    loss: run(
      probas.map((_, b) => b),
      1,
    ),
    grad,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Distances by brute force.

function coords(i: number, shape: readonly number[]): number[] {
  const out: number[] = [];
  for (let a = shape.length - 1; a >= 0; a--) {
    out.unshift(i % shape[a]);
    i = Math.floor(i / shape[a]);
  }
  return out;
}

/** For every element, the Euclidean distance to the nearest site (brute force, O(n^2)). */
export function bruteDistance(
  sites: ArrayLike<number>,
  shape: readonly number[],
  spacing?: readonly number[],
): number[] {
  const sp = spacing ?? shape.map(() => 1);
  const pts: number[][] = [];
  for (let i = 0; i < sites.length; i++) if (sites[i]) pts.push(coords(i, shape));
  const out: number[] = [];
  for (let i = 0; i < sites.length; i++) {
    const c = coords(i, shape);
    let best = Number.POSITIVE_INFINITY;
    for (const p of pts) {
      let d = 0;
      for (let a = 0; a < c.length; a++) d += ((c[a] - p[a]) * sp[a]) ** 2;
      if (d < best) best = d;
    }
    out.push(Math.sqrt(best));
  }
  return out;
}

/** Boundary by brute force: foreground with a face neighbour outside the mask or the image. */
export function bruteSurface(mask: ArrayLike<number>, shape: readonly number[]): number[] {
  const out: number[] = [];
  const at = (c: number[]): number => {
    let i = 0;
    for (let a = 0; a < shape.length; a++) {
      if (c[a] < 0 || c[a] >= shape[a]) return 0;
      i = i * shape[a] + c[a];
    }
    return mask[i];
  };
  for (let i = 0; i < mask.length; i++) {
    const c = coords(i, shape);
    let edge = false;
    if (mask[i]) {
      for (let a = 0; a < shape.length; a++) {
        for (const d of [-1, 1]) {
          const n = c.slice();
          n[a] += d;
          if (!at(n)) edge = true;
        }
      }
    }
    out.push(mask[i] && edge ? 1 : 0);
  }
  return out;
}

/** Hausdorff distance between two point sets given as masks, brute force; percentile as numpy (linear). */
export function bruteHausdorff(a: number[], b: number[], shape: number[], spacing?: number[], q?: number): number {
  const da = bruteDistance(b, shape, spacing);
  const db = bruteDistance(a, shape, spacing);
  const ab = a.map((v, i) => (v ? da[i] : -1)).filter((v) => v >= 0);
  const ba = b.map((v, i) => (v ? db[i] : -1)).filter((v) => v >= 0);
  const agg = (d: number[]): number => {
    if (q === undefined) return Math.max(...d);
    const s = d.slice().sort((x, y) => x - y);
    const pos = ((s.length - 1) * q) / 100;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  };
  return Math.max(agg(ab), agg(ba));
}
