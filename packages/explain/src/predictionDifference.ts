import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, createRng, InputError } from '@tiefe/core';
import { type ConditionalGaussian, conditionalGaussian } from './gaussian.js';
import type { TargetOptions } from './gradients.js';
import { checkInput, prepare } from './model/prepare.js';
import { scoreBatches, scoreInputs } from './model/score.js';
import { imageView, slidingWindows, windowAverage, windowSize } from './windows.js';

/** Options of {@link predictionDifference}. */
export interface PredictionDifferenceOptions extends TargetOptions {
  /**
   * Reference inputs [M, ...x's sample shape] (e.g. training images) that the samples are drawn from (marginal)
   * or the Gaussians are fitted to (conditional). Required.
   */
  data: tf.Tensor;
  /** 'conditional' (default; Gaussian of the window given the surrounding ring) or 'marginal'. */
  sampling?: 'marginal' | 'conditional';
  /** Window size k (k x k pixels, all channels; default 4). */
  windowSize?: number | [number, number];
  /** Step between windows (default 1: overlapping windows, as in the paper). */
  stride?: number;
  /** Width of the ring around the window that conditional sampling conditions on (default 2). */
  padding?: number;
  /** Samples per window (default 10). */
  samples?: number;
  /**
   * N of the Laplace correction p <- (p N + 1) / (N + K), K = number of classes; Zintgraf et al. use the size
   * of the training set. Default: the number of reference inputs M.
   */
  laplaceN?: number;
  /** Ridge added to the covariance diagonal, relative to the mean variance (default 0.01). */
  ridge?: number;
  /** Seed of the sampling (default 0). */
  seed?: number;
  /** Perturbed inputs per forward pass (default 256). */
  batchSize?: number;
}

/**
 * Prediction Difference Analysis (Zintgraf et al. 2017). For every window w (k x k pixels, overlapping with
 * stride 1 by default), the window is replaced by `samples` draws from p(x_w | x_\w) and
 * p(c | x_\w) = mean_s p(c | x with window sampled). The weight of evidence in bits is
 * WE_w = log2(odds(p(c | x))) - log2(odds(p(c | x_\w))), odds(p) = p / (1 - p), both probabilities Laplace-
 * corrected. A pixel's relevance is the mean WE of the windows that cover it: positive = evidence for c.
 *
 * Sampling: 'marginal' copies the window from a random reference input; 'conditional' fits, per window position,
 * a Gaussian to the reference inputs' (window + ring of width `padding`) values and samples the window from the
 * Gaussian conditioned on the ring's values in x. Probabilities are the softmax of the logits (sigmoid for a
 * one-unit output). All perturbed inputs go through the model in batches of `batchSize`.
 */
export async function predictionDifference(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: PredictionDifferenceOptions,
): Promise<tf.Tensor> {
  checkInput('predictionDifference', model, x);
  const ref = options?.data;
  if (!ref || typeof ref !== 'object' || !('shape' in ref)) {
    throw new InputError('predictionDifference: data', 'reference inputs as a tensor [M, ...]', String(ref));
  }
  checkInput('predictionDifference', model, ref, 'data');
  const sampling = options.sampling ?? 'conditional';
  if (sampling !== 'marginal' && sampling !== 'conditional') {
    throw new InputError('predictionDifference: sampling', "'marginal' or 'conditional'", String(sampling));
  }
  const view = imageView(x, 'predictionDifference: x');
  const size = windowSize(options.windowSize ?? 4, view, 'predictionDifference: windowSize');
  const stride = checkInt('predictionDifference: stride', options.stride ?? 1);
  const padding = checkInt('predictionDifference: padding', options.padding ?? 2, 0);
  const samples = checkInt('predictionDifference: samples', options.samples ?? 10);
  const m = ref.shape[0];
  const laplaceN = checkNumber('predictionDifference: laplaceN', options.laplaceN ?? m, 0);
  const ridge = checkNumber('predictionDifference: ridge', options.ridge ?? 0.01, 0);
  const batchSize = checkInt('predictionDifference: batchSize', options.batchSize ?? 256);
  const rng = createRng(checkNumber('predictionDifference: seed', options.seed ?? 0));
  const p = await prepare('predictionDifference', model, x, options.target);
  try {
    // Weights of evidence need a probability: a class of a classifier or of one output pixel, not a region's sum.
    const total = tf.tidy(() => tf.max(tf.sum(tf.reshape(p.mask, [p.n, -1]), 1)));
    const most = (await total.data())[0];
    total.dispose();
    if (most > 1 + 1e-6) {
      throw new InputError(
        'predictionDifference: target',
        'a class of a classifier or of one output pixel ({ class, pixel })',
        'a target summed over several output pixels',
      );
    }
    const numClasses = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
    const k = numClasses === 1 ? 2 : numClasses;

    const per = view.h * view.w * view.c;
    const data = (await x.data()) as Float32Array;
    const refData = (await ref.data()) as Float32Array;
    const { positions, windows } = slidingWindows(view, size, stride);
    const nw = windows.length;
    const sampleShape = x.shape.slice(1);

    // Conditional Gaussians, one per window position (shared by every input).
    let gaussians: Array<{ g: ConditionalGaussian; outer: Int32Array }> = [];
    if (sampling === 'conditional') {
      gaussians = positions.map(([t, l], w) => {
        const outer = ringIndices(view, t, l, size, padding);
        return { g: conditionalGaussian(refData, m, per, windows[w], outer, ridge), outer };
      });
    }

    const correct = (p: number) => (p * laplaceN + 1) / (laplaceN + k);
    const log2odds = (p: number) => Math.log2(p / (1 - p));
    const base = await scoreInputs(p, x, data, 'probability', batchSize);

    const evidence = new Float64Array(view.n * nw); // WE of window w for input img at img * nw + w
    const z = new Float64Array(size[0] * size[1] * view.c);
    for (let img = 0; img < view.n; img++) {
      const image = data.subarray(img * per, (img + 1) * per);
      const probs = await scoreBatches(
        p,
        sampleShape,
        nw * samples,
        () => img,
        (i, buf, o) => {
          const w = Math.floor(i / samples);
          const win = windows[w];
          buf.set(image, o);
          if (sampling === 'marginal') {
            const r = rng.int(m) * per;
            for (const idx of win) buf[o + idx] = refData[r + idx];
          } else {
            const { g, outer } = gaussians[w];
            for (let a = 0; a < g.inner; a++) z[a] = rng.normal();
            for (let a = 0; a < g.inner; a++) {
              let v = g.offset[a];
              for (let b = 0; b < g.outer; b++) v += g.gain[a * g.outer + b] * image[outer[b]];
              for (let b = 0; b <= a; b++) v += g.chol[a * g.inner + b] * z[b];
              buf[o + win[a]] = v;
            }
          }
        },
        'probability',
        batchSize,
      );
      const full = log2odds(correct(base[img]));
      for (let w = 0; w < nw; w++) {
        let p = 0;
        for (let s = 0; s < samples; s++) p += probs[w * samples + s];
        evidence[img * nw + w] = full - log2odds(correct(p / samples));
      }
    }
    return tf.tensor(
      windowAverage(view.n, per, windows, (img, w) => evidence[img * nw + w]),
      x.shape,
    );
  } finally {
    p.dispose();
  }
}

/** Indices of the ring of width `padding` around a window (clipped to the image), all channels. */
function ringIndices(
  view: { h: number; w: number; c: number },
  top: number,
  left: number,
  size: [number, number],
  padding: number,
): Int32Array {
  const out: number[] = [];
  for (let i = Math.max(0, top - padding); i < Math.min(view.h, top + size[0] + padding); i++) {
    for (let j = Math.max(0, left - padding); j < Math.min(view.w, left + size[1] + padding); j++) {
      if (i >= top && i < top + size[0] && j >= left && j < left + size[1]) continue;
      for (let ch = 0; ch < view.c; ch++) out.push((i * view.w + j) * view.c + ch);
    }
  }
  return Int32Array.from(out);
}
