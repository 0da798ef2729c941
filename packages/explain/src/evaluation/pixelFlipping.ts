import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, createRng, InputError } from '@tiefe/core';
import type { TargetOptions } from '../gradients.js';
import { checkInput, prepare, type ScoreKind } from '../model/prepare.js';
import { scoreBatches } from '../model/score.js';
import { gridRegions, imageView, randomOrders, regionOrders, windowSize } from '../windows.js';

/** Options of {@link pixelFlipping}. */
export interface PixelFlippingOptions extends TargetOptions {
  /** Side of the square regions (a non-overlapping grid; 1 = single pixels; default 1). */
  regionSize?: number | [number, number];
  /** Perturbation steps L (default: every region, capped at 100). */
  steps?: number;
  /** Regions perturbed per step (default 1). */
  regionsPerStep?: number;
  /**
   * What a region is replaced with: 'uniform' (default; noise uniform in [min(x), max(x)] of the batch, as
   * Samek et al. 2017), 'zero', or a number. The noise image of each input is drawn once, so every ordering
   * (and the random baseline) sees the same noise.
   */
  perturbation?: 'uniform' | 'zero' | number;
  /** Watch the target's logit (default) or its probability. */
  score?: ScoreKind;
  /** Seed of the noise and of the random order (default 0). */
  seed?: number;
  /** Perturbed inputs per forward pass (default 256). */
  batchSize?: number;
}

/** Result of {@link pixelFlipping}. */
export interface PixelFlippingResult {
  /** Mean score over the batch after k = 0..L perturbation steps (curve[0]: unperturbed). */
  curve: number[];
  /** AOPC = 1/(L+1) sum_{k=0}^{L} <f(x^(0)) - f(x^(k))>, averaged over the batch. */
  aopc: number;
  /** AOPC of each input. */
  aopcPerInput: number[];
}

/**
 * Region perturbation / pixel flipping with AOPC (Samek et al. 2017): regions are perturbed most relevant first
 * (MoRF; a region's relevance is the sum of its pixels' relevance over channels) and the target's score is
 * recorded after each step. A good explanation makes the score fall fast: higher AOPC. Pass
 * `relevance: 'random'` for the random-order baseline (seeded).
 */
export async function pixelFlipping(
  model: tfl.LayersModel,
  x: tf.Tensor,
  relevance: tf.Tensor | 'random',
  options: PixelFlippingOptions = {},
): Promise<PixelFlippingResult> {
  checkInput('pixelFlipping', model, x);
  if (relevance !== 'random') {
    if (!relevance || !('shape' in relevance) || relevance.shape.join() !== x.shape.join()) {
      throw new InputError(
        'pixelFlipping: relevance',
        `a tensor of shape [${x.shape}] or 'random'`,
        relevance && 'shape' in relevance ? `[${relevance.shape}]` : String(relevance),
      );
    }
  }
  const view = imageView(x, 'pixelFlipping: x');
  const size = windowSize(options.regionSize ?? 1, view, 'pixelFlipping: regionSize');
  const regions = gridRegions(view, size);
  const nr = regions.length;
  const steps = checkInt('pixelFlipping: steps', options.steps ?? Math.min(nr, 100));
  const perStep = checkInt('pixelFlipping: regionsPerStep', options.regionsPerStep ?? 1);
  if (steps * perStep > nr) {
    throw new InputError('pixelFlipping: steps', `steps x regionsPerStep <= ${nr} regions`, `${steps} x ${perStep}`);
  }
  const kind = options.score ?? 'logit';
  const batchSize = checkInt('pixelFlipping: batchSize', options.batchSize ?? 256);
  const seedValue = checkNumber('pixelFlipping: seed', options.seed ?? 0);
  const per = view.h * view.w * view.c;
  const data = (await x.data()) as Float32Array;
  const rel = relevance === 'random' ? null : ((await relevance.data()) as Float32Array);

  // Noise images, one per input.
  const p = options.perturbation ?? 'uniform';
  const noise = new Float32Array(data.length);
  if (p === 'uniform') {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const rng = createRng(seedValue);
    for (let i = 0; i < noise.length; i++) noise[i] = lo + (hi - lo) * rng.next();
  } else if (p === 'zero') noise.fill(0);
  else if (typeof p === 'number' && Number.isFinite(p)) noise.fill(p);
  else throw new InputError('pixelFlipping: perturbation', "'uniform', 'zero' or a number", String(p));

  // Order of the regions per input.
  const orders = rel ? regionOrders(regions, rel, view.n, per) : randomOrders(nr, view.n, seedValue + 1);

  const len = steps + 1;
  const prepared = await prepare('pixelFlipping', model, x, options.target);
  const scores = await scoreBatches(
    prepared,
    x.shape.slice(1),
    view.n * len,
    (i) => Math.floor(i / len),
    (i, buf, o) => {
      const img = Math.floor(i / len);
      const k = i % len;
      buf.set(data.subarray(img * per, (img + 1) * per), o);
      const order = orders[img];
      for (let r = 0; r < k * perStep; r++) {
        for (const idx of regions[order[r]]) buf[o + idx] = noise[img * per + idx];
      }
    },
    kind,
    batchSize,
  ).finally(() => prepared.dispose());
  const curve = new Array(len).fill(0);
  const aopcPerInput: number[] = [];
  for (let img = 0; img < view.n; img++) {
    let s = 0;
    for (let k = 0; k < len; k++) {
      const v = scores[img * len + k];
      curve[k] += v / view.n;
      s += scores[img * len] - v;
    }
    aopcPerInput.push(s / len);
  }
  return { curve, aopc: aopcPerInput.reduce((a, b) => a + b, 0) / view.n, aopcPerInput };
}
