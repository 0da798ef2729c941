import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOneOf, checkRate, checkShape, InputError } from '@tiefe/core';
import { convUnit } from '../blocks/convUnit.js';
import { dropout, on } from '../blocks/layersUtil.js';
import type { Sym } from '../options.js';
import { checkDivisible } from '../validate.js';

/** Options of {@link fcn}. */
export interface FcnOptions {
  /** `'32s'`: upsample the pool5 scores x32; `'16s'`: fuse pool4 scores, x16; `'8s'`: also pool3, x8. */
  variant: '32s' | '16s' | '8s';
  /** Input shape (default `[224, 224, 3]`); height and width must be multiples of 32. */
  inputShape?: [number, number, number];
  /** Classes (default 21, PASCAL VOC); the output is a per-pixel softmax `[N, H, W, classes]`. */
  classes?: number;
  /** Widths of the five VGG stages (default VGG-16's `[64, 128, 256, 512, 512]`). */
  filters?: [number, number, number, number, number];
  /** 3x3 convs per stage (default VGG-16's `[2, 2, 3, 3, 3]`). */
  convsPerStage?: [number, number, number, number, number];
  /** Width of the convolutionalised fc6/fc7 (default 4096). */
  headFilters?: number;
  /** Kernel of fc6 (default 7, as VGG's fc6 turned into a 7x7 convolution). */
  headKernel?: number;
  /** Dropout after fc6 and fc7 (default 0.5). */
  dropout?: number;
  /** Batch norm in the encoder convolutions (default false, as VGG). */
  batchNorm?: boolean;
  /** L2 weight decay (default 0). */
  l2?: number;
}

/**
 * Fully convolutional network (Long, Shelhamer, Darrell 2015) on a VGG-style encoder: five stages of 3x3 convs
 * + 2x2 max pooling (stride 32 in all), fc6/fc7 as convolutions, a 1x1 convolution head giving class scores,
 * and learned up-sampling by transposed convolutions (kernel 2f, stride f, `'same'`): `32s` up-samples the
 * pool5 scores x32; `16s` up-samples them x2, adds 1x1 scores of pool4, then x16; `8s` continues with pool3
 * and x8. The upsampling kernels start from tfjs' default initialiser rather than the paper's bilinear one.
 */
export function fcn(options: FcnOptions): tfl.LayersModel {
  const variant = checkOneOf('fcn: variant', options.variant, ['32s', '16s', '8s'] as const);
  const inputShape = checkShape('fcn: inputShape', options.inputShape ?? [224, 224, 3], 3);
  checkDivisible('fcn: inputShape', inputShape.slice(0, 2), 5);
  const classes = checkInt('fcn: classes', options.classes ?? 21);
  const filters = options.filters ?? [64, 128, 256, 512, 512];
  const convs = options.convsPerStage ?? [2, 2, 3, 3, 3];
  if (filters.length !== 5 || convs.length !== 5) {
    throw new InputError('fcn: filters/convsPerStage', '5 entries each', `${filters.length} and ${convs.length}`);
  }
  const head = checkInt('fcn: headFilters', options.headFilters ?? 4096);
  const rate = checkRate('fcn: dropout', options.dropout ?? 0.5);
  const unit = { batchNorm: options.batchNorm ?? false, l2: options.l2 };
  const input = tfl.input({ shape: inputShape });
  let x: Sym = input;
  const pools: Sym[] = [];
  for (let s = 0; s < 5; s++) {
    for (let i = 0; i < checkInt(`fcn: convsPerStage[${s}]`, convs[s]); i++)
      x = convUnit(x, { ...unit, filters: checkInt(`fcn: filters[${s}]`, filters[s]) });
    x = on(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }), x);
    pools.push(x);
  }
  x = dropout(
    convUnit(x, { filters: head, kernelSize: checkInt('fcn: headKernel', options.headKernel ?? 7), l2: options.l2 }),
    rate,
  );
  x = dropout(convUnit(x, { filters: head, kernelSize: 1, l2: options.l2 }), rate);
  const score = (t: Sym) => convUnit(t, { filters: classes, kernelSize: 1, activation: null, l2: options.l2 });
  const up = (t: Sym, f: number) =>
    convUnit(t, {
      filters: classes,
      kernelSize: 2 * f,
      strides: f,
      transpose: true,
      activation: null,
      useBias: false,
      l2: options.l2,
    });
  let y = score(x);
  if (variant === '32s') {
    y = up(y, 32);
  } else {
    y = on(tfl.layers.add(), [up(y, 2), score(pools[3])]);
    if (variant === '16s') {
      y = up(y, 16);
    } else {
      y = on(tfl.layers.add(), [up(y, 2), score(pools[2])]);
      y = up(y, 8);
    }
  }
  y = on(tfl.layers.activation({ activation: classes === 1 ? 'sigmoid' : 'softmax' }), y);
  return tfl.model({ inputs: input, outputs: y, name: `fcn${variant}` });
}
