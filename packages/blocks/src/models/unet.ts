import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, checkOneOf, checkRate, checkShape, InputError } from '@tiefe/core';
import { convUnit } from '../blocks/convUnit.js';
import { dropout, on } from '../blocks/layersUtil.js';
import { downsample, upsample } from '../blocks/sampling.js';
import type { ActivationName, DownsampleMethod, Padding, Sym, UpsampleMethod } from '../options.js';
import { checkDivisible } from '../validate.js';

/** Options of {@link unet} (and, without `padding: 'valid'`, of {@link unet3d}). */
export interface UnetOptions {
  /** Input shape without batch: `[H, W, C]` for {@link unet} (default `[128, 128, 1]`), `[D, H, W, C]` for {@link unet3d}. */
  inputShape?: number[];
  /** Output classes (default 2): a per-pixel softmax; 1 gives a per-pixel sigmoid (binary masks). */
  classes?: number;
  /** Down-sampling steps (default 4, as Ronneberger's net; 3-D default 3). */
  depth?: number;
  /** Channels of the first level, doubled at each step down (default 64; 3-D default 16). */
  baseFilters?: number;
  /** `'same'` (default; output size = input size) or `'valid'` (Ronneberger's: 572x572 -> 388x388, 2-D only). */
  padding?: Padding;
  /** Batch norm after every 3x3 convolution (default false, as the paper; 3-D default true). */
  batchNorm?: boolean;
  /**
   * Momentum of batch norm's moving statistics (default 0.99, as Keras). Use 0.9 for trainings of a few hundred
   * steps: with 0.99 the statistics used at inference still lean on their initial values (0.99^200 = 13%).
   */
  bnMomentum?: number;
  /** Dropout rate at the end of the contracting path (deepest level and bottleneck), default 0. */
  dropout?: number;
  /** Decoder up-sampling: `'transpose'` (2x2 transposed conv, default) or `'upsample'` (repeat + 2x2 conv). */
  upsampling?: UpsampleMethod;
  /** Encoder down-sampling (default `'max'` 2x2 pooling, as the paper). */
  downsampling?: DownsampleMethod;
  /** Activation of the 3x3 convolutions (default `'relu'`). */
  activation?: ActivationName;
  /** L2 weight decay on every kernel (default 0). */
  l2?: number;
}

/**
 * U-Net (Ronneberger, Fischer, Brox 2015). Level l (0..depth-1) has `F_l = baseFilters * 2^l` channels: two
 * 3x3 convs (+BN) then 2x2 max pooling; the bottleneck has two 3x3 convs at `F_depth`; each decoder level
 * up-samples to `F_l` channels, concatenates the (cropped, for `'valid'`) skip connection and applies two 3x3
 * convs at `F_l`; a 1x1 convolution gives the classes. With `'same'` padding, H and W must divide by
 * 2^depth; with `'valid'` every level's size before pooling must be even (572 works for depth 4).
 * Parameters for depth 4, base 64, 1 input channel, 2 classes, 'same', transposed: 31,030,658 (tested by formula).
 *
 * @example
 * const model = unet({ inputShape: [64, 64, 1], classes: 1, depth: 3, baseFilters: 16, batchNorm: true });
 */
export function unet(options: UnetOptions = {}): tfl.LayersModel {
  const inputShape = checkShape('unet: inputShape', options.inputShape ?? [128, 128, 1], 3);
  return buildUnet(inputShape, options, { depth: 4, baseFilters: 64, batchNorm: false, name: 'unet' });
}

/**
 * 3-D U-Net (Çiçek et al. 2016) for volumes `[D, H, W, C]`: {@link unet}'s layout with 3x3x3 convolutions,
 * 2x2x2 pooling and 2x2x2 transposed convolutions (or Tiefe's {@link UpSampling3D} + 2x2x2 conv), batch norm
 * by default (as the paper). `'same'` padding only (tfjs-layers has no `Cropping3D`); D, H, W must divide by
 * 2^depth. Defaults: depth 3, base 16 filters.
 */
export function unet3d(options: UnetOptions = {}): tfl.LayersModel {
  const inputShape = checkShape('unet3d: inputShape', options.inputShape ?? [32, 32, 32, 1], 4);
  if ((options.padding ?? 'same') !== 'same')
    throw new InputError('unet3d: padding', "'same'", JSON.stringify(options.padding));
  return buildUnet(inputShape, options, { depth: 3, baseFilters: 16, batchNorm: true, name: 'unet3d' });
}

function buildUnet(
  inputShape: number[],
  o: UnetOptions,
  defaults: { depth: number; baseFilters: number; batchNorm: boolean; name: string },
): tfl.LayersModel {
  const n = defaults.name;
  const depth = checkInt(`${n}: depth`, o.depth ?? defaults.depth, 1, 8);
  const base = checkInt(`${n}: baseFilters`, o.baseFilters ?? defaults.baseFilters);
  const classes = checkInt(`${n}: classes`, o.classes ?? 2);
  const padding = checkOneOf(`${n}: padding`, o.padding ?? 'same', ['same', 'valid'] as const);
  const rate = checkRate(`${n}: dropout`, o.dropout ?? 0);
  const upsampling = checkOneOf(`${n}: upsampling`, o.upsampling ?? 'transpose', ['transpose', 'upsample'] as const);
  const downsampling = checkOneOf(`${n}: downsampling`, o.downsampling ?? 'max', [
    'max',
    'average',
    'strided',
  ] as const);
  if (o.l2 !== undefined) checkNumber(`${n}: l2`, o.l2, 0);
  const spatial = inputShape.slice(0, -1);
  if (padding === 'same') checkDivisible(`${n}: inputShape`, spatial, depth);
  else checkValidSizes(`${n} inputShape`, spatial, depth);
  const unit = {
    batchNorm: o.batchNorm ?? defaults.batchNorm,
    bnMomentum: o.bnMomentum,
    activation: o.activation ?? 'relu',
    l2: o.l2,
    padding,
    kernelInitializer: 'heNormal',
  } as const;
  const block = (t: Sym, filters: number) => convUnit(convUnit(t, { ...unit, filters }), { ...unit, filters });

  const input = tfl.input({ shape: inputShape });
  let x: Sym = input;
  const skips: Sym[] = [];
  for (let l = 0; l < depth; l++) {
    x = block(x, base * 2 ** l);
    if (l === depth - 1) x = dropout(x, rate);
    skips.push(x);
    x = downsample(x, { method: downsampling, filters: base * 2 ** l });
  }
  x = dropout(block(x, base * 2 ** depth), rate);
  for (let l = depth - 1; l >= 0; l--) {
    const f = base * 2 ** l;
    x = upsample(x, { method: upsampling, filters: f, l2: o.l2 });
    x = on(tfl.layers.concatenate({ axis: -1 }), [cropTo(skips[l], x), x]);
    x = block(x, f);
  }
  const out = convUnit(x, {
    filters: classes,
    kernelSize: 1,
    activation: classes === 1 ? 'sigmoid' : 'softmax',
    l2: o.l2,
  });
  return tfl.model({ inputs: input, outputs: out, name: n });
}

/** Centre-crops a 2-D skip connection to the decoder's size (for `'valid'` padding); identity when equal. */
function cropTo(skip: Sym, target: Sym): Sym {
  const s = skip.shape.slice(1, -1) as number[];
  const t = target.shape.slice(1, -1) as number[];
  if (s.every((v, i) => v === t[i])) return skip;
  const crop = s.map((v, i) => {
    const d = v - t[i];
    return [Math.floor(d / 2), d - Math.floor(d / 2)] as [number, number];
  });
  return on(tfl.layers.cropping2D({ cropping: crop as [[number, number], [number, number]] }), skip);
}

/** With unpadded 3x3 convs every level loses 4 pixels; each pooled size must be even and stay positive. */
function checkValidSizes(name: string, spatial: number[], depth: number): void {
  for (const size of spatial) {
    let s = size;
    for (let l = 0; l < depth; l++) {
      s -= 4;
      if (s <= 0 || s % 2 !== 0) {
        throw new InputError(
          name,
          `sizes that stay even and positive through ${depth} levels of two unpadded 3x3 convs + 2x2 pooling (e.g. 572 for depth 4)`,
          JSON.stringify(spatial),
        );
      }
      s /= 2;
    }
    if (s - 4 <= 0)
      throw new InputError(name, 'sizes large enough for the bottleneck convolutions', JSON.stringify(spatial));
  }
}
