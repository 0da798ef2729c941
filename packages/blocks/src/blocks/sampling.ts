import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOneOf, InputError } from '@tiefe/core';
import { upSampling3d } from '../layers/UpSampling3D.js';
import type { ActivationName, DownsampleMethod, Sym, UpsampleMethod } from '../options.js';
import { spatialRank } from '../validate.js';
import { convUnit } from './convUnit.js';
import { on } from './layersUtil.js';

/** Options of {@link downsample}. */
export interface DownsampleOptions {
  /** `'max'` pooling (default), `'average'` pooling, or a `'strided'` convolution (learned). */
  method?: DownsampleMethod;
  /** Reduction factor per spatial axis (default 2): pool size and stride, or conv kernel size and stride. */
  factor?: number;
  /** Output channels of the strided convolution (default: the input's). Ignored for pooling. */
  filters?: number;
  /** Batch norm after the strided convolution (default false). */
  batchNorm?: boolean;
  /** Activation after the strided convolution (default `'relu'`). */
  activation?: ActivationName | null;
  /** L2 weight decay of the strided convolution (default 0). */
  l2?: number;
}

/**
 * Halves (by `factor`) the resolution of an image (NHWC) or a volume (NDHWC) the ways the course names:
 * `max` / `average` pooling (`MaxPooling2D/3D`, `AveragePooling2D/3D`, window = stride = factor, no parameters)
 * or a `strided` convolution (kernel = stride = factor, as V-Net's 2x2x2 down-convolutions). Output spatial
 * size: floor(n / factor).
 */
export function downsample(x: Sym, options: DownsampleOptions = {}): Sym {
  const rank = spatialRank('downsample: x', x);
  const method = checkOneOf('downsample: method', options.method ?? 'max', ['max', 'average', 'strided'] as const);
  const f = checkInt('downsample: factor', options.factor ?? 2);
  if (method === 'strided') {
    return convUnit(x, {
      filters: options.filters ?? (x.shape[x.shape.length - 1] as number),
      kernelSize: f,
      strides: f,
      padding: 'valid',
      batchNorm: options.batchNorm,
      activation: options.activation === undefined ? 'relu' : options.activation,
      l2: options.l2,
    });
  }
  const args = { poolSize: f, strides: f, padding: 'valid' as const };
  if (method === 'max') return on(rank === 2 ? tfl.layers.maxPooling2d(args) : tfl.layers.maxPooling3d(args), x);
  return on(rank === 2 ? tfl.layers.averagePooling2d(args) : tfl.layers.averagePooling3d(args), x);
}

/** Options of {@link upsample}. */
export interface UpsampleOptions {
  /** `'transpose'` (learned transposed convolution, default) or `'upsample'` (nearest-neighbour repetition). */
  method?: UpsampleMethod;
  /** Enlargement factor per spatial axis (default 2). */
  factor?: number;
  /**
   * Output channels. For `'transpose'` the transposed convolution's width (default: the input's). For
   * `'upsample'`, when given, a `factor`-sized `'same'` convolution follows the repetition (Ronneberger's
   * "up-convolution": up-sampling then a 2x2 convolution that sets the channels); when absent, none.
   */
  filters?: number;
  /** Kernel size of the transposed convolution (default: `factor`, so windows do not overlap). */
  kernelSize?: number;
  /** Activation after the convolution (default `null`: linear, as U-Net's up-convolution). */
  activation?: ActivationName | null;
  /** Batch norm after the convolution (default false). */
  batchNorm?: boolean;
  /** L2 weight decay (default 0). */
  l2?: number;
  /** Interpolation of 2-D `'upsample'` (default `'nearest'`; `'bilinear'` also possible). Volumes: nearest. */
  interpolation?: 'nearest' | 'bilinear';
}

/**
 * Enlarges an image or volume by `factor`: `'upsample'` (`UpSampling2D`, or Tiefe's registered
 * {@link UpSampling3D} for volumes) or `'transpose'` (`Conv2DTranspose` / `Conv3DTranspose`, padding `'same'`,
 * output size n * factor). Registers the 3-D transposed-convolution gradient that tfjs lacks, so both train.
 */
export function upsample(x: Sym, options: UpsampleOptions = {}): Sym {
  const rank = spatialRank('upsample: x', x);
  const method = checkOneOf('upsample: method', options.method ?? 'transpose', ['transpose', 'upsample'] as const);
  const f = checkInt('upsample: factor', options.factor ?? 2);
  if (options.filters !== undefined) checkInt('upsample: filters', options.filters);
  const unit = {
    batchNorm: options.batchNorm,
    activation: options.activation === undefined ? null : options.activation,
    l2: options.l2,
  };
  if (method === 'transpose') {
    return convUnit(x, {
      ...unit,
      filters: options.filters ?? (x.shape[x.shape.length - 1] as number),
      kernelSize: options.kernelSize ?? f,
      strides: f,
      padding: 'same',
      transpose: true,
    });
  }
  if (options.interpolation === 'bilinear' && rank === 3) {
    throw new InputError('upsample: interpolation', "'nearest' for volumes", "'bilinear'");
  }
  const up = on(
    rank === 2
      ? tfl.layers.upSampling2d({ size: [f, f], interpolation: options.interpolation ?? 'nearest' })
      : upSampling3d({ size: f }),
    x,
  );
  return options.filters === undefined ? up : convUnit(up, { ...unit, filters: options.filters, kernelSize: f });
}
