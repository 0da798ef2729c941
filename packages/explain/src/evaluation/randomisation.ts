import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkNumber, checkOneOf, createRng, InputError } from '@tiefe/core';
import { checkInput } from '../model/prepare.js';

/** An explanation method with its options fixed: `(model, x) => lrp(model, x, { target })`. */
export type Explainer = (model: tfl.LayersModel, x: tf.Tensor) => Promise<tf.Tensor>;

/** Options of {@link randomisationCheck}. */
export interface RandomisationOptions {
  /** 'cascading' (default: randomise from the output layer down, keeping the layers above random) or 'independent' (one layer at a time). */
  mode?: 'cascading' | 'independent';
  /** Compare the absolute maps (default true, as Adebayo et al.'s main figures). */
  absolute?: boolean;
  /** Seed of the weight shuffles (default 0). */
  seed?: number;
}

/** Result of {@link randomisationCheck}. */
export interface RandomisationResult {
  /** Names of the layers randomised, output layer first. */
  layers: string[];
  /** Spearman rank correlation between the original map and the map after randomising up to layer k, mean over the batch. */
  rankCorrelation: number[];
  /** The same per input: `perInput[k][n]`. */
  perInput: number[][];
}

/** Spearman's rank correlation of two equally long arrays (average ranks for ties). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ranks = (v: ArrayLike<number>) => {
    const idx = Array.from({ length: v.length }, (_, i) => i).sort((i, j) => v[i] - v[j]);
    const r = new Float64Array(v.length);
    for (let s = 0; s < idx.length; ) {
      let e = s;
      while (e + 1 < idx.length && v[idx[e + 1]] === v[idx[s]]) e++;
      for (let k = s; k <= e; k++) r[idx[k]] = (s + e) / 2;
      s = e + 1;
    }
    return r;
  };
  const [ra, rb] = [ranks(a), ranks(b)];
  const n = ra.length;
  const ma = ra.reduce((s, v) => s + v, 0) / n;
  const mb = rb.reduce((s, v) => s + v, 0) / n;
  let [num, da, db] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) ** 2;
    db += (rb[i] - mb) ** 2;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

/**
 * The model-parameter randomisation test (Adebayo et al. 2018, "Sanity checks for saliency maps"): the layers
 * with weights are randomised from the output down (each weight tensor's values shuffled, which keeps their
 * distribution and keeps BatchNorm variances valid) and the explanation recomputed; a method that explains the
 * model gives maps whose rank correlation with the original falls, one that ignores the model (an edge
 * detector) stays at 1. The model's weights are restored afterwards, also on errors.
 */
export async function randomisationCheck(
  model: tfl.LayersModel,
  x: tf.Tensor,
  explain: Explainer,
  options: RandomisationOptions = {},
): Promise<RandomisationResult> {
  const fn = 'randomisationCheck';
  checkInput(fn, model, x);
  if (typeof explain !== 'function')
    throw new InputError(`${fn}: explain`, 'a function (model, x) => Promise<tf.Tensor>', String(explain));
  const mode = checkOneOf(`${fn}: mode`, options.mode ?? 'cascading', ['cascading', 'independent']);
  const absolute = checkBoolean(`${fn}: absolute`, options.absolute ?? true);
  const rng = createRng(checkNumber(`${fn}: seed`, options.seed ?? 0));
  const n = x.shape[0];
  const flat = async (t: tf.Tensor) => {
    const a = absolute ? tf.tidy(() => tf.abs(t)) : t;
    const d = (await a.data()) as Float32Array;
    const per = d.length / n;
    tf.dispose([a, t]);
    return Array.from({ length: n }, (_, i) => d.subarray(i * per, (i + 1) * per));
  };
  const original = await flat(await explain(model, x));
  const layers = model.layers.filter((l) => l.getWeights().length > 0).reverse();
  const saved = layers.map((l) => l.getWeights().map((w) => tf.clone(w)));
  const result: RandomisationResult = { layers: layers.map((l) => l.name), rankCorrelation: [], perInput: [] };
  try {
    for (let k = 0; k < layers.length; k++) {
      const shuffled = saved[k].map((w) => {
        const v = Float32Array.from(w.dataSync());
        rng.shuffle(v);
        return tf.tensor(v, w.shape, w.dtype);
      });
      layers[k].setWeights(shuffled);
      tf.dispose(shuffled);
      const maps = await flat(await explain(model, x));
      const rho = maps.map((m, i) => spearman(original[i], m));
      result.perInput.push(rho);
      result.rankCorrelation.push(rho.reduce((s, v) => s + v, 0) / n);
      if (mode === 'independent') layers[k].setWeights(saved[k]);
    }
  } finally {
    layers.forEach((l, k) => {
      l.setWeights(saved[k]);
    });
    for (const s of saved) tf.dispose(s);
  }
  return result;
}
