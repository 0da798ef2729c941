import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, checkRate, checkShape, InputError } from '@tiefe/core';
import { convUnit } from '../blocks/convUnit.js';
import { activate, dropout, on } from '../blocks/layersUtil.js';
import type { ActivationName, Sym } from '../options.js';
import { checkDivisible } from '../validate.js';

/** Options of {@link vnet}. */
export interface VnetOptions {
  /** Volume shape `[D, H, W, C]` (default `[32, 32, 32, 1]`); D, H, W must divide by 2^depth. */
  inputShape?: [number, number, number, number];
  /** Output classes (default 2): per-voxel softmax; 1 gives a per-voxel sigmoid. */
  classes?: number;
  /** Down-sampling steps (default 4, as Milletari's net). */
  depth?: number;
  /** Channels of the first stage, doubled at each step down (default 16). */
  baseFilters?: number;
  /** Convolution kernel size (default 5: 5x5x5 convolutions). */
  kernelSize?: number;
  /** Convolutions per stage, from the top stage down to the bottom one (default `[1, 2, 3, 3, 3]`). */
  convsPerStage?: number[];
  /** Activation (default `'prelu'`, as the paper). */
  activation?: ActivationName;
  /** Batch norm after every convolution (default false, as the paper). */
  batchNorm?: boolean;
  /** Dropout after the bottom stage (default 0). */
  dropout?: number;
  /** L2 weight decay (default 0). */
  l2?: number;
}

/**
 * V-Net (Milletari, Navab, Ahmadi 2016) for volumetric segmentation. Every stage learns a residual:
 * `out = act(convs(x) + x)` with n `k x k x k` convolutions (`'same'`); going down is a 2x2x2 convolution with
 * stride 2 that doubles the channels, going up a 2x2x2 transposed convolution with stride 2 to the skip's
 * width, concatenated with the skip (so decoder stages run at twice the encoder's width, as in the paper's
 * 32-channel last stage); a 1x1x1 convolution gives the classes. The first stage's residual is the input
 * repeated across the channels (as the paper) when the widths divide, else a 1x1x1 projection.
 */
export function vnet(options: VnetOptions = {}): tfl.LayersModel {
  const inputShape = checkShape('vnet: inputShape', options.inputShape ?? [32, 32, 32, 1], 4);
  const depth = checkInt('vnet: depth', options.depth ?? 4, 1, 6);
  checkDivisible('vnet: inputShape', inputShape.slice(0, 3), depth);
  const base = checkInt('vnet: baseFilters', options.baseFilters ?? 16);
  const classes = checkInt('vnet: classes', options.classes ?? 2);
  const k = checkInt('vnet: kernelSize', options.kernelSize ?? 5);
  const convs = options.convsPerStage ?? [1, 2, 3, 3, 3, 3, 3].slice(0, depth + 1);
  if (convs.length !== depth + 1)
    throw new InputError('vnet: convsPerStage', `${depth + 1} entries (depth + 1)`, JSON.stringify(convs));
  convs.forEach((c, i) => {
    checkInt(`vnet: convsPerStage[${i}]`, c);
  });
  const rate = checkRate('vnet: dropout', options.dropout ?? 0);
  if (options.l2 !== undefined) checkNumber('vnet: l2', options.l2, 0);
  const act = options.activation ?? 'prelu';
  const unit = { batchNorm: options.batchNorm ?? false, l2: options.l2, kernelInitializer: 'heNormal' } as const;

  /** n convolutions at `filters` channels, the last one linear, plus the residual, then the activation. */
  const stage = (x: Sym, residual: Sym, filters: number, n: number): Sym => {
    let y = x;
    for (let i = 0; i < n; i++)
      y = convUnit(y, { ...unit, filters, kernelSize: k, activation: i === n - 1 ? null : act });
    return activate(on(tfl.layers.add(), [y, residual]), act);
  };

  const input = tfl.input({ shape: inputShape });
  const inC = inputShape[3];
  const firstResidual =
    base % inC === 0
      ? base === inC
        ? input
        : on(tfl.layers.concatenate({ axis: -1 }), new Array(base / inC).fill(input))
      : convUnit(input, { ...unit, filters: base, kernelSize: 1, activation: null });
  let x = stage(input, firstResidual, base, convs[0]);
  const skips: Sym[] = [x];
  for (let l = 1; l <= depth; l++) {
    const f = base * 2 ** l;
    const down = convUnit(x, { ...unit, filters: f, kernelSize: 2, strides: 2, padding: 'valid', activation: act });
    x = stage(down, down, f, convs[l]);
    if (l < depth) skips.push(x);
  }
  x = dropout(x, rate);
  for (let l = depth - 1; l >= 0; l--) {
    const f = base * 2 ** l;
    const up = convUnit(x, { ...unit, filters: f, kernelSize: 2, strides: 2, transpose: true, activation: act });
    const cat = on(tfl.layers.concatenate({ axis: -1 }), [up, skips[l]]);
    x = stage(cat, cat, 2 * f, convs[l]);
  }
  const out = convUnit(x, {
    filters: classes,
    kernelSize: 1,
    activation: classes === 1 ? 'sigmoid' : 'softmax',
    l2: options.l2,
  });
  return tfl.model({ inputs: input, outputs: out, name: 'vnet' });
}
