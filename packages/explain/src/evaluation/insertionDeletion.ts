import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOneOf, InputError } from '@tiefe/core';
import type { TargetOptions } from '../gradients.js';
import { checkInput, prepare, type ScoreKind } from '../model/prepare.js';
import { scoreBatches } from '../model/score.js';
import { gridRegions, imageView, regionOrders, windowSize } from '../windows.js';

/** Options of {@link insertionDeletion}. */
export interface InsertionDeletionOptions extends TargetOptions {
  /** 'deletion' (default): most relevant regions replaced by the baseline first; 'insertion': the baseline gets x's most relevant regions first. */
  mode?: 'deletion' | 'insertion';
  /** Side of the square regions (default 1: pixels). */
  regionSize?: number | [number, number];
  /** Steps of the curve (default: every region, capped at 50); the regions are spread evenly over the steps. */
  steps?: number;
  /**
   * The "removed" image: a number for every element (default 0) or a tensor of x's shape, e.g. a blurred copy
   * of x as Petsiuk et al. use for insertion.
   */
  baseline?: number | tf.Tensor;
  /** Watch the target's probability (default, as Petsiuk et al.) or its logit. */
  score?: ScoreKind;
  /** Perturbed inputs per forward pass (default 256). */
  batchSize?: number;
}

/** Result of {@link insertionDeletion}. */
export interface InsertionDeletionResult {
  /** Mean score over the batch at fractions 0, 1/steps, ..., 1 of the regions removed (or inserted). */
  curve: number[];
  /** Area under the mean curve on [0, 1] (trapezoids): lower is better for deletion, higher for insertion. */
  auc: number;
  /** Area under each input's curve. */
  aucPerInput: number[];
}

/**
 * Deletion and insertion curves (Petsiuk et al. 2018, RISE): regions are ordered by relevance (sum over their
 * pixels and channels), most relevant first. Deletion replaces them by the baseline step by step, insertion
 * copies them from x into the baseline; the curve is the target's score after each step and its area under the
 * curve (AUC) the summary: a faithful map makes the deletion curve fall and the insertion curve rise fast.
 */
export async function insertionDeletion(
  model: tfl.LayersModel,
  x: tf.Tensor,
  relevance: tf.Tensor,
  options: InsertionDeletionOptions = {},
): Promise<InsertionDeletionResult> {
  const fn = 'insertionDeletion';
  checkInput(fn, model, x);
  if (!(relevance instanceof tf.Tensor) || relevance.shape.join() !== x.shape.join()) {
    const got = relevance instanceof tf.Tensor ? `[${relevance.shape}]` : String(relevance);
    throw new InputError(`${fn}: relevance`, `a tensor of shape [${x.shape}]`, got);
  }
  const mode = checkOneOf(`${fn}: mode`, options.mode ?? 'deletion', ['deletion', 'insertion']);
  const kind = checkOneOf(`${fn}: score`, options.score ?? 'probability', ['probability', 'logit']);
  const view = imageView(x, `${fn}: x`);
  const regions = gridRegions(view, windowSize(options.regionSize ?? 1, view, `${fn}: regionSize`));
  const nr = regions.length;
  const steps = checkInt(`${fn}: steps`, options.steps ?? Math.min(nr, 50), 1, nr);
  const batchSize = checkInt(`${fn}: batchSize`, options.batchSize ?? 256);
  const base = options.baseline ?? 0;
  const per = view.h * view.w * view.c;
  const data = (await x.data()) as Float32Array;
  let baseData: Float32Array;
  if (typeof base === 'number') {
    if (!Number.isFinite(base)) throw new InputError(`${fn}: baseline`, 'a finite number or a tensor', String(base));
    baseData = new Float32Array(data.length).fill(base);
  } else if (base instanceof tf.Tensor && base.shape.join() === x.shape.join()) {
    baseData = (await base.data()) as Float32Array;
  } else {
    throw new InputError(`${fn}: baseline`, `a number or a tensor of shape [${x.shape}]`, String(base));
  }
  const orders = regionOrders(regions, (await relevance.data()) as Float32Array, view.n, per);
  // Regions changed after step k: round(k * nr / steps).
  const changed = (k: number) => Math.round((k * nr) / steps);
  const [start, end] = mode === 'deletion' ? [data, baseData] : [baseData, data];
  const len = steps + 1;
  const p = await prepare(fn, model, x, options.target);
  const scores = await scoreBatches(
    p,
    x.shape.slice(1),
    view.n * len,
    (i) => Math.floor(i / len),
    (i, buf, o) => {
      const img = Math.floor(i / len);
      buf.set(start.subarray(img * per, (img + 1) * per), o);
      const order = orders[img];
      for (let r = 0; r < changed(i % len); r++) {
        for (const idx of regions[order[r]]) buf[o + idx] = end[img * per + idx];
      }
    },
    kind,
    batchSize,
  ).finally(() => p.dispose());
  const curve = new Array(len).fill(0);
  const aucPerInput: number[] = [];
  for (let img = 0; img < view.n; img++) {
    let a = 0;
    for (let k = 0; k < len; k++) {
      const v = scores[img * len + k];
      curve[k] += v / view.n;
      if (k > 0) a += (scores[img * len + k - 1] + v) / (2 * steps);
    }
    aucPerInput.push(a);
  }
  return { curve, auc: aucPerInput.reduce((s, v) => s + v, 0) / view.n, aucPerInput };
}
