import { checkInt, checkNumber, checkOptions } from '@tiefe/core';
import { type MaskConsensus, type RaterMasks, raterMean, readMasks } from './masks.js';

/** Options of {@link staple}. */
export interface StapleOptions {
  /**
   * Prior probability of foreground, kept fixed during EM as in Warfield et al. Default: the mean of all
   * raters' masks (the fraction of foreground votes).
   */
  prior?: number;
  /** Starting sensitivity and specificity of every rater. Default 0.99 (raters assumed good, as in the paper). */
  initial?: number;
  /** Most EM iterations. Default 100. */
  maxIterations?: number;
  /** Stop when no sensitivity or specificity moves by more than this. Default 1e-7. */
  tolerance?: number;
  /** A pixel is foreground in `mask` where its posterior is >= this. Default 0.5. */
  threshold?: number;
}

/** Result of {@link staple}: the consensus (posteriors) and each rater's estimated quality. */
export interface StapleResult extends MaskConsensus {
  /** Per rater: P(rater marks foreground | true foreground). */
  sensitivity: number[];
  /** Per rater: P(rater marks background | true background). */
  specificity: number[];
  /** The foreground prior used. */
  prior: number;
  /** EM iterations run. */
  iterations: number;
  /** Whether EM stopped by `tolerance` (not by `maxIterations`). */
  converged: boolean;
}

/**
 * STAPLE (Simultaneous Truth And Performance Level Estimation, Warfield, Zou & Wells 2004) for binary masks:
 * EM over the hidden true segmentation. E-step: each pixel's posterior of foreground from the prior and every
 * rater's sensitivity p_j and specificity q_j; M-step: p_j = sum W D_j / sum W, q_j = sum (1-W)(1-D_j) / sum (1-W).
 * A rater who over- or under-segments is learnt as such and down-weighted, unlike in a majority vote. Note that
 * the background all raters agree on counts too, which pushes specificities towards 1 on mostly empty masks.
 *
 * @example
 * const { probabilities, sensitivity, specificity } = staple(masks); // masks: [raters, H, W] 0/1 tensor
 */
export function staple(masks: RaterMasks, options: StapleOptions = {}): StapleResult {
  const fn = 'staple';
  const o = checkOptions(`${fn}: options`, options);
  const panel = readMasks(fn, masks, true);
  const { raters, pixels, values } = panel;
  const initial = checkNumber(`${fn}: initial`, o.initial ?? 0.99, 0.5, 1 - 1e-9);
  const maxIterations = checkInt(`${fn}: maxIterations`, o.maxIterations ?? 100, 1);
  const tolerance = checkNumber(`${fn}: tolerance`, o.tolerance ?? 1e-7, 0);
  const threshold = checkNumber(`${fn}: threshold`, o.threshold ?? 0.5, 0, 1);
  let prior = o.prior;
  if (prior === undefined) {
    prior = raterMean(panel).reduce((a, b) => a + b, 0) / pixels;
    // An all-background or all-foreground panel: keep the logs finite.
    prior = Math.min(Math.max(prior, 1e-9), 1 - 1e-9);
  } else prior = checkNumber(`${fn}: prior`, prior, 1e-9, 1 - 1e-9);
  const p = new Array<number>(raters).fill(initial);
  const q = new Array<number>(raters).fill(initial);
  const w = new Float32Array(pixels);
  const eps = 1e-12; // keeps the logs finite when a rater is estimated perfect
  let iterations = 0;
  let converged = false;
  const logPrior = Math.log(prior);
  const logNotPrior = Math.log(1 - prior);
  while (iterations < maxIterations) {
    iterations++;
    // E-step in log space: a and b are log P(D, T=1) and log P(D, T=0) of a pixel.
    const lp1 = p.map((v) => Math.log(Math.max(v, eps)));
    const lp0 = p.map((v) => Math.log(Math.max(1 - v, eps)));
    const lq1 = q.map((v) => Math.log(Math.max(v, eps)));
    const lq0 = q.map((v) => Math.log(Math.max(1 - v, eps)));
    for (let i = 0; i < pixels; i++) {
      let a = logPrior;
      let b = logNotPrior;
      for (let j = 0; j < raters; j++) {
        if (values[j * pixels + i] === 1) {
          a += lp1[j];
          b += lq0[j];
        } else {
          a += lp0[j];
          b += lq1[j];
        }
      }
      w[i] = 1 / (1 + Math.exp(b - a));
    }
    // M-step.
    let sumW = 0;
    for (let i = 0; i < pixels; i++) sumW += w[i];
    const sumNotW = pixels - sumW;
    let change = 0;
    for (let j = 0; j < raters; j++) {
      let tp = 0;
      let tn = 0;
      for (let i = 0; i < pixels; i++) {
        if (values[j * pixels + i] === 1) tp += w[i];
        else tn += 1 - w[i];
      }
      const pj = sumW > 0 ? tp / sumW : p[j];
      const qj = sumNotW > 0 ? tn / sumNotW : q[j];
      change = Math.max(change, Math.abs(pj - p[j]), Math.abs(qj - q[j]));
      p[j] = pj;
      q[j] = qj;
    }
    if (change < tolerance) {
      converged = true;
      break;
    }
  }
  const mask = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) mask[i] = w[i] >= threshold ? 1 : 0;
  return { probabilities: w, mask, shape: panel.shape, sensitivity: p, specificity: q, prior, iterations, converged };
}
