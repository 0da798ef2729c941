import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt } from '@tiefe/core';
import type { ActivationName, Sym } from '../options.js';
import { spatialRank } from '../validate.js';
import { convUnit } from './convUnit.js';
import { on } from './layersUtil.js';

/** Branch widths of an {@link inceptionModule} (GoogLeNet v1 naming). */
export interface InceptionOptions {
  /** Width of the 1x1 branch. */
  f1x1: number;
  /** 1x1 reduction before the 3x3 convolution. */
  f3x3Reduce: number;
  /** Width of the 3x3 branch. */
  f3x3: number;
  /** 1x1 reduction before the 5x5 convolution. */
  f5x5Reduce: number;
  /** Width of the 5x5 branch. */
  f5x5: number;
  /** 1x1 projection after the 3x3/stride-1 max pooling. */
  poolProj: number;
  /** Batch normalisation after each convolution (default false, as GoogLeNet v1; true for BN-Inception). */
  batchNorm?: boolean;
  /** Activation (default `'relu'`). */
  activation?: ActivationName;
  /** L2 weight decay on every kernel (default 0). */
  l2?: number;
}

/**
 * Inception module (Szegedy et al. 2015, GoogLeNet v1): four parallel branches concatenated along channels:
 * `1x1`, `1x1 -> 3x3`, `1x1 -> 5x5`, `maxpool 3x3/1 -> 1x1`, all with `'same'` padding, so the output has the
 * input's spatial size and `f1x1 + f3x3 + f5x5 + poolProj` channels. Parameters (with biases):
 * `(C+1) f1 + (C+1) r3 + (9 r3 + 1) f3 + (C+1) r5 + (25 r5 + 1) f5 + (C+1) pp`.
 *
 * @example
 * // GoogLeNet's inception (3a) on a 28x28x192 map: 256 output channels.
 * const y = inceptionModule(x, { f1x1: 64, f3x3Reduce: 96, f3x3: 128, f5x5Reduce: 16, f5x5: 32, poolProj: 32 });
 */
export function inceptionModule(x: Sym, options: InceptionOptions): Sym {
  const rank = spatialRank('inceptionModule: x', x);
  const o = options;
  for (const k of ['f1x1', 'f3x3Reduce', 'f3x3', 'f5x5Reduce', 'f5x5', 'poolProj'] as const)
    checkInt(`inceptionModule: ${k}`, o[k]);
  const unit = { batchNorm: o.batchNorm ?? false, activation: o.activation ?? 'relu', l2: o.l2 } as const;
  const b1 = convUnit(x, { ...unit, filters: o.f1x1, kernelSize: 1 });
  const b3 = convUnit(convUnit(x, { ...unit, filters: o.f3x3Reduce, kernelSize: 1 }), {
    ...unit,
    filters: o.f3x3,
    kernelSize: 3,
  });
  const b5 = convUnit(convUnit(x, { ...unit, filters: o.f5x5Reduce, kernelSize: 1 }), {
    ...unit,
    filters: o.f5x5,
    kernelSize: 5,
  });
  const pooled = on(
    rank === 2
      ? tfl.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' })
      : tfl.layers.maxPooling3d({ poolSize: 3, strides: 1, padding: 'same' }),
    x,
  );
  const bp = convUnit(pooled, { ...unit, filters: o.poolProj, kernelSize: 1 });
  return on(tfl.layers.concatenate({ axis: -1 }), [b1, b3, b5, bp]);
}
