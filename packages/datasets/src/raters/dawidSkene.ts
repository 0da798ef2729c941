import { checkInt, checkNumber, checkOptions } from '@tiefe/core';
import { argmax, type Ratings, readRatings, voteCounts } from './ratings.js';

/** Options of {@link dawidSkene}. */
export interface DawidSkeneOptions {
  /** Number of classes. Default: the largest label + 1. */
  numClasses?: number;
  /** Most EM iterations. Default 100. */
  maxIterations?: number;
  /** Stop when the log-likelihood improves by less than this. Default 1e-6. */
  tolerance?: number;
  /**
   * Pseudo-count added to every confusion-matrix cell and class count in the M-step, so that a rater who never
   * used a class does not get probability 0 for it (which would make one vote veto a class). Default 0.01.
   */
  smoothing?: number;
}

/** Result of {@link dawidSkene}: plain arrays. */
export interface DawidSkeneResult {
  /** The most probable true class of each item (argmax of `posteriors`). */
  labels: number[];
  /** Posterior `[item][class]` of each item's true class. */
  posteriors: number[][];
  /** Per rater `[rater][true class][given label]`: P(rater says l | true class k); rows sum to 1. */
  confusion: number[][][];
  /** Estimated class priors P(true class = k). */
  priors: number[];
  /** Log-likelihood of the ratings under the final parameters, after each iteration. */
  logLikelihood: number[];
  /** Whether EM stopped by `tolerance` (not by `maxIterations`). */
  converged: boolean;
}

/**
 * Dawid & Skene (1979): the true class of each item and each rater's confusion matrix, by EM, from the ratings
 * alone. Initialised with the majority vote's shares; the M-step re-estimates priors and confusion matrices
 * from the posteriors, the E-step the posteriors from them (in log space). Raters who are right more often get
 * more weight, and a rater's systematic confusions (always calling 7 a 1) are learnt and undone, which is why it
 * beats majority vote when the raters differ in quality. Missing ratings (`null`/-1) are allowed.
 *
 * @example
 * const { labels, confusion } = dawidSkene(ratings); // confusion[r][k][k]: rater r's accuracy on class k
 */
export function dawidSkene(ratings: Ratings, options: DawidSkeneOptions = {}): DawidSkeneResult {
  const fn = 'dawidSkene';
  const o = checkOptions(`${fn}: options`, options);
  const maxIterations = checkInt(`${fn}: maxIterations`, o.maxIterations ?? 100, 1);
  const tolerance = checkNumber(`${fn}: tolerance`, o.tolerance ?? 1e-6, 0);
  const smoothing = checkNumber(`${fn}: smoothing`, o.smoothing ?? 0.01, 0);
  const table = readRatings(fn, ratings, o.numClasses);
  const { items, raters, numClasses: K, labels } = table;
  // Initial posteriors: majority-vote shares (items nobody rated get the uniform distribution).
  let post = voteCounts(table).map((c) => {
    const total = c.reduce((a, b) => a + b, 0);
    return total === 0 ? c.map(() => 1 / K) : c.map((v) => v / total);
  });
  let priors: number[] = [];
  let confusion: number[][][] = [];
  const logLikelihood: number[] = [];
  let converged = false;
  for (let iter = 0; iter < maxIterations; iter++) {
    // M-step.
    priors = new Array<number>(K).fill(smoothing);
    for (const p of post) for (let k = 0; k < K; k++) priors[k] += p[k];
    const priorTotal = priors.reduce((a, b) => a + b, 0);
    priors = priors.map((v) => v / priorTotal);
    confusion = Array.from({ length: raters }, () =>
      Array.from({ length: K }, () => new Array<number>(K).fill(smoothing)),
    );
    for (let i = 0; i < items; i++) {
      for (let r = 0; r < raters; r++) {
        const l = labels[i * raters + r];
        if (l < 0) continue;
        for (let k = 0; k < K; k++) confusion[r][k][l] += post[i][k];
      }
    }
    for (const m of confusion) {
      for (const row of m) {
        const total = row.reduce((a, b) => a + b, 0);
        for (let l = 0; l < K; l++) row[l] = total > 0 ? row[l] / total : 1 / K;
      }
    }
    // E-step, in logs; the log-sum-exp of each item adds up to the log-likelihood.
    const logPriors = priors.map(Math.log);
    const logConf = confusion.map((m) => m.map((row) => row.map(Math.log)));
    let ll = 0;
    post = [];
    for (let i = 0; i < items; i++) {
      const lp = [...logPriors];
      for (let r = 0; r < raters; r++) {
        const l = labels[i * raters + r];
        if (l < 0) continue;
        for (let k = 0; k < K; k++) lp[k] += logConf[r][k][l];
      }
      const m = Math.max(...lp);
      const e = lp.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      ll += m + Math.log(s);
      post.push(e.map((v) => v / s));
    }
    logLikelihood.push(ll);
    if (iter > 0 && Math.abs(ll - logLikelihood[iter - 1]) < tolerance) {
      converged = true;
      break;
    }
  }
  return { labels: post.map(argmax), posteriors: post, confusion, priors, logLikelihood, converged };
}
