import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, checkOptions, checkTensor, describeValue, InputError } from '@tiefe/core';

/**
 * Segmentation masks from a panel of raters: a tensor `[raters, ...mask shape]` or an array with one mask per
 * rater (each a flat array / typed array, all the same length). Binary masks hold 0 (background) and 1
 * (foreground); {@link meanProbabilityMask} also takes probabilities in [0, 1]. Tensors are read, never disposed.
 */
export type RaterMasks = tf.Tensor | readonly ArrayLike<number>[];

/** A consensus mask as plain data; `tf.tensor(probabilities, shape)` makes it a tensor again. */
export interface MaskConsensus {
  /** Foreground probability (or vote share) of every pixel, flat, row-major. */
  probabilities: Float32Array;
  /** The hard consensus mask, 0/1, flat, row-major. */
  mask: Uint8Array;
  /** Shape of one mask (the tensor's shape without the rater axis; `[pixels]` for flat arrays). */
  shape: number[];
}

/** The checked form of {@link RaterMasks}: `values[rater * pixels + pixel]`. */
export interface MaskPanel {
  raters: number;
  pixels: number;
  shape: number[];
  values: Float32Array;
}

/** Reads and checks a panel of masks; `binary` requires every value to be 0 or 1. */
export function readMasks(fn: string, masks: unknown, binary: boolean): MaskPanel {
  const name = `${fn}: masks`;
  let raters: number;
  let shape: number[];
  let values: Float32Array;
  if (masks instanceof tf.Tensor) {
    const t = checkTensor(name, masks);
    if (t.rank < 2)
      throw new InputError(name, 'a tensor [raters, ...mask shape] of rank >= 2', `shape [${t.shape.join(',')}]`);
    raters = t.shape[0];
    shape = t.shape.slice(1);
    values = Float32Array.from(t.dataSync());
  } else {
    if (!Array.isArray(masks) || masks.length === 0) {
      throw new InputError(
        name,
        'a tensor [raters, ...] or a non-empty array of masks (one per rater)',
        describeValue(masks),
      );
    }
    raters = masks.length;
    const len = (masks[0] as ArrayLike<number>)?.length;
    shape = [len];
    values = new Float32Array(raters * len);
    masks.forEach((m: ArrayLike<number>, r) => {
      if (m === null || typeof m !== 'object' || m.length !== len) {
        throw new InputError(name, `masks of equal length ${len}`, `${describeValue(m)} for rater ${r}`);
      }
      for (let p = 0; p < len; p++) values[r * len + p] = m[p];
    });
  }
  const pixels = shape.reduce((a, b) => a * b, 1);
  if (pixels === 0) throw new InputError(name, 'non-empty masks', `mask shape [${shape.join(',')}]`);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    const bad = binary ? v !== 0 && v !== 1 : !(v >= 0 && v <= 1);
    if (bad) {
      const r = Math.floor(k / pixels);
      throw new InputError(
        name,
        binary ? 'binary masks (0 or 1)' : 'probabilities in [0, 1]',
        `${v} in rater ${r}'s mask at pixel ${k - r * pixels}`,
      );
    }
  }
  return { raters, pixels, shape, values };
}

/** Per-pixel mean over raters. */
export function raterMean(panel: MaskPanel): Float32Array {
  const { raters, pixels, values } = panel;
  const mean = new Float32Array(pixels);
  for (let r = 0; r < raters; r++) for (let p = 0; p < pixels; p++) mean[p] += values[r * pixels + p];
  for (let p = 0; p < pixels; p++) mean[p] /= raters;
  return mean;
}

/**
 * Majority vote of binary masks: a pixel is foreground where more than half of the raters marked it (with an
 * even panel, a tie is background). `probabilities` holds each pixel's vote share.
 *
 * @example
 * majorityVoteMasks([[1, 1, 0], [1, 0, 0], [1, 1, 1]]).mask; // Uint8Array [1, 1, 0]
 */
export function majorityVoteMasks(masks: RaterMasks): MaskConsensus {
  const panel = readMasks('majorityVoteMasks', masks, true);
  const probabilities = raterMean(panel);
  const mask = new Uint8Array(panel.pixels);
  for (let p = 0; p < panel.pixels; p++) mask[p] = probabilities[p] > 0.5 ? 1 : 0;
  return { probabilities, mask, shape: panel.shape };
}

/** Options of {@link meanProbabilityMask}. */
export interface MeanProbabilityMaskOptions {
  /** A pixel is foreground where the mean probability is >= this. Default 0.5. */
  threshold?: number;
}

/**
 * Mean of the raters' masks (binary or soft, in [0, 1]) per pixel: a soft consensus, thresholded into `mask`.
 *
 * @example
 * meanProbabilityMask([[0.9, 0.2], [0.5, 0.4]]).probabilities; // Float32Array [0.7, 0.3]
 */
export function meanProbabilityMask(masks: RaterMasks, options: MeanProbabilityMaskOptions = {}): MaskConsensus {
  const o = checkOptions('meanProbabilityMask: options', options);
  const threshold = checkNumber('meanProbabilityMask: threshold', o.threshold ?? 0.5, 0, 1);
  const panel = readMasks('meanProbabilityMask', masks, false);
  const probabilities = raterMean(panel);
  const mask = new Uint8Array(panel.pixels);
  for (let p = 0; p < panel.pixels; p++) mask[p] = probabilities[p] >= threshold ? 1 : 0;
  return { probabilities, mask, shape: panel.shape };
}
