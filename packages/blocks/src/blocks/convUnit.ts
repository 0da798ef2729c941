import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, checkOneOf, checkRate, InputError } from '@tiefe/core';
import type { ActivationName, Padding, Sym } from '../options.js';
import { spatialRank } from '../validate.js';
import { activate, batchNorm, dropout, l2Reg, on } from './layersUtil.js';

/** Options of {@link convUnit}. */
export interface ConvUnitOptions {
  /** Output channels. */
  filters: number;
  /** Kernel size, one number for all spatial axes or one per axis (default 3). */
  kernelSize?: number | number[];
  /** Stride (default 1). */
  strides?: number | number[];
  /** `'same'` (default) or `'valid'`. */
  padding?: Padding;
  /** Dilation rate (default 1; with strides 1 only, as in tfjs). */
  dilation?: number;
  /** Batch normalisation after the convolution (default false). */
  batchNorm?: boolean;
  /** Momentum of batch norm's moving mean/variance (default 0.99, as Keras; 0.9 suits short trainings). */
  bnMomentum?: number;
  /** Activation after the (normalised) convolution (default `'relu'`; `null` or `'linear'` for none). */
  activation?: ActivationName | null;
  /** Dropout rate after the activation (default 0: no dropout layer). */
  dropout?: number;
  /** L2 weight decay on the kernel: adds `l2 * sum(W^2)` to the loss (default 0). */
  l2?: number;
  /** Bias in the convolution (default: `!batchNorm`, because batch norm's beta makes a bias redundant). */
  useBias?: boolean;
  /** A transposed convolution instead (learned up-sampling by `strides`). Default false. */
  transpose?: boolean;
  /** Kernel initializer (default `'glorotUniform'` as Keras; `'heNormal'` suits ReLU nets). */
  kernelInitializer?: 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform' | 'leCunNormal';
}

/**
 * The course's convolution unit: `conv (or transposed conv) -> [batch norm] -> [activation] -> [dropout]`,
 * for images (NHWC, `Conv2D`) and volumes (NDHWC, `Conv3D`), picked by the rank of `x`.
 * Output size per spatial axis: `same`: ceil(n / s); `valid`: floor((n - (k - 1) d - 1) / s) + 1; transposed
 * `same`: n * s. Parameters: `prod(k) * C_in * filters (+ filters if bias) (+ 4 * filters with batch norm)`.
 *
 * @example
 * const y = convUnit(x, { filters: 32, kernelSize: 3, batchNorm: true, activation: 'relu', l2: 1e-4 });
 */
export function convUnit(x: Sym, options: ConvUnitOptions): Sym {
  const rank = spatialRank('convUnit: x', x);
  const o = options;
  checkInt('convUnit: filters', o.filters);
  const padding = checkOneOf('convUnit: padding', o.padding ?? 'same', ['same', 'valid'] as const);
  const dilation = checkInt('convUnit: dilation', o.dilation ?? 1);
  if (o.dropout !== undefined) checkRate('convUnit: dropout', o.dropout);
  if (o.l2 !== undefined) checkNumber('convUnit: l2', o.l2, 0);
  if (o.bnMomentum !== undefined) checkNumber('convUnit: bnMomentum', o.bnMomentum, 0, 1);
  const kernelSize = tuple('convUnit: kernelSize', o.kernelSize ?? 3, rank);
  const strides = tuple('convUnit: strides', o.strides ?? 1, rank);
  const bn = o.batchNorm ?? false;
  const args = {
    filters: o.filters,
    kernelSize,
    strides,
    padding,
    useBias: o.useBias ?? !bn,
    kernelRegularizer: l2Reg(o.l2),
    kernelInitializer: o.kernelInitializer ?? 'glorotUniform',
  };
  let layer: tfl.layers.Layer;
  if (o.transpose) {
    if (dilation !== 1) throw new InputError('convUnit: dilation', '1 for a transposed convolution', String(dilation));
    layer = rank === 2 ? tfl.layers.conv2dTranspose(args) : tfl.layers.conv3dTranspose(args);
  } else {
    const dilationRate = rank === 2 ? [dilation, dilation] : [dilation, dilation, dilation];
    layer =
      rank === 2
        ? tfl.layers.conv2d({ ...args, dilationRate: dilationRate as [number, number] })
        : tfl.layers.conv3d({ ...args, dilationRate: dilationRate as [number, number, number] });
  }
  let y = on(layer, x);
  if (bn) y = batchNorm(y, { momentum: o.bnMomentum });
  y = activate(y, o.activation === undefined ? 'relu' : o.activation);
  return dropout(y, o.dropout);
}

function tuple(name: string, v: number | number[], rank: number): number[] {
  const arr = typeof v === 'number' ? new Array(rank).fill(v) : v;
  if (!Array.isArray(arr) || arr.length !== rank || arr.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new InputError(name, `a positive integer or ${rank} of them`, JSON.stringify(v));
  }
  return arr;
}
