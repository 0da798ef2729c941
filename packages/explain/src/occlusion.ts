import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber } from '@tiefe/core';
import type { TargetOptions } from './gradients.js';
import { withPrepared } from './model/prepare.js';
import { scoreBatches, scoreInputs } from './model/score.js';
import { imageView, slidingWindows, windowAverage, windowSize } from './windows.js';

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
  return withPrepared('occlusion', model, x, options.target, async (p) => {
    const view = imageView(x, 'occlusion: x');
    const size = windowSize(options.size ?? 4, view, 'occlusion: size');
    const stride = checkInt('occlusion: stride', options.stride ?? 2);
    const fillValue = checkNumber('occlusion: fill', options.fill ?? 0);
    const batchSize = checkInt('occlusion: batchSize', options.batchSize ?? 128);
    const { windows } = slidingWindows(view, size, stride);
    const data = (await x.data()) as Float32Array;
    const per = view.h * view.w * view.c;
    const base = await scoreInputs(p, x, data, 'logit', batchSize);
    const nw = windows.length;
    const scores = await scoreBatches(
      p,
      x.shape.slice(1),
      view.n * nw,
      (i) => Math.floor(i / nw),
      (i, buf, o) => {
        const img = Math.floor(i / nw);
        buf.set(data.subarray(img * per, (img + 1) * per), o);
        for (const k of windows[i % nw]) buf[o + k] = fillValue;
      },
      'logit',
      batchSize,
    );
    const out = windowAverage(view.n, per, windows, (img, w) => base[img] - scores[img * nw + w]);
    return tf.tensor(out, x.shape);
  });
}
