import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type TargetOptions, targetClasses } from './gradients.js';
import { scoreBatches } from './score.js';
import { checkInput, checkInt, checkNumber } from './validate.js';
import { imageView, windowIndices, windowPositions, windowSize } from './windows.js';

/** Options of {@link occlusion}. */
export interface OcclusionOptions extends TargetOptions {
  /** Patch size in pixels, a number or [height, width] (default 4). */
  size?: number | [number, number];
  /** Step between patches (default 2). */
  stride?: number;
  /** Value the patch is filled with (default 0). */
  fill?: number;
  /** Occluded inputs per forward pass (default 128). */
  batchSize?: number;
}

/**
 * Occlusion (Zeiler and Fergus 2014): slides a patch filled with `fill` over each input and records the drop of
 * the target logit, d_w = f_c(x) - f_c(x with patch w filled). A pixel's attribution is the mean of d_w over the
 * patches that cover it (all channels get the same value). Inputs of rank 2 and 3 are treated as one-row images.
 */
export async function occlusion(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: OcclusionOptions = {},
): Promise<tf.Tensor> {
  checkInput(model, x);
  const view = imageView(x);
  const size = windowSize(options.size ?? 4, view, 'size');
  const stride = checkInt('stride', options.stride ?? 2);
  const fillValue = checkNumber('fill', options.fill ?? 0);
  const batchSize = checkInt('batchSize', options.batchSize ?? 128);
  const classes = await targetClasses(model, x, options.target);
  const positions = windowPositions(view, size, stride);
  const windows = positions.map(([t, l]) => windowIndices(view, t, l, size));
  const data = (await x.data()) as Float32Array;
  const per = view.h * view.w * view.c;
  const sampleShape = x.shape.slice(1);
  const base = await scoreBatches(
    model,
    sampleShape,
    view.n,
    (i) => classes[i],
    (i, buf, o) => buf.set(data.subarray(i * per, (i + 1) * per), o),
    'logit',
    batchSize,
  );
  const nw = windows.length;
  const scores = await scoreBatches(
    model,
    sampleShape,
    view.n * nw,
    (i) => classes[Math.floor(i / nw)],
    (i, buf, o) => {
      const img = Math.floor(i / nw);
      buf.set(data.subarray(img * per, (img + 1) * per), o);
      for (const k of windows[i % nw]) buf[o + k] = fillValue;
    },
    'logit',
    batchSize,
  );
  const out = new Float32Array(view.n * per);
  const count = new Float32Array(per);
  for (const win of windows) for (const k of win) count[k]++;
  for (let img = 0; img < view.n; img++) {
    for (let w = 0; w < nw; w++) {
      const d = base[img] - scores[img * nw + w];
      for (const k of windows[w]) out[img * per + k] += d;
    }
    for (let k = 0; k < per; k++) if (count[k] > 0) out[img * per + k] /= count[k];
  }
  return tf.tensor(out, x.shape);
}
