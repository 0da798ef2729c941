import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt } from '@tiefe/core';
import type { ActivationName, Sym } from '../options.js';
import { spatialRank } from '../validate.js';
import { convUnit } from './convUnit.js';
import { activate, batchNorm, dropout, on } from './layersUtil.js';

/** Options shared by {@link residualBlock} and {@link bottleneckBlock}. */
export interface ResidualOptions {
  /** Width of the block: output channels of a basic block, inner width of a bottleneck (output = 4x). */
  filters: number;
  /** Stride of the block (default 1; 2 halves the resolution, with a projection shortcut). */
  strides?: number;
  /** Pre-activation ordering (He et al., "Identity Mappings", 2016): BN -> act -> conv (default false). */
  preActivation?: boolean;
  /** Batch normalisation after (or, pre-activation, before) every convolution (default true). */
  batchNorm?: boolean;
  /** Momentum of batch norm's moving statistics (default 0.99, as Keras; 0.9 suits short trainings). */
  bnMomentum?: number;
  /** Activation (default `'relu'`). */
  activation?: ActivationName;
  /** L2 weight decay on every kernel (default 0). */
  l2?: number;
  /** Bias in the convolutions (default false: batch norm follows). Keras' ResNet50 has biases (true). */
  useBias?: boolean;
  /** Dropout rate between the block's convolutions (default 0, as in the paper; wide ResNets use 0.3). */
  dropout?: number;
  /** Kernel initializer (default `'heNormal'`, as in He et al.). */
  kernelInitializer?: 'glorotUniform' | 'heNormal';
}

/** What both blocks read from their options (checked in this order, under the block's name `fn`). */
function blockSettings(fn: string, x: Sym, o: ResidualOptions) {
  spatialRank(`${fn}: x`, x);
  return {
    filters: checkInt(`${fn}: filters`, o.filters),
    strides: checkInt(`${fn}: strides`, o.strides ?? 1),
    bn: o.batchNorm ?? true,
    act: o.activation ?? 'relu',
  };
}

/** A bare convolution of a block (batch norm and activation, where they come, are the block's to add). */
function plainConv(o: ResidualOptions) {
  return {
    batchNorm: false,
    bnMomentum: o.bnMomentum,
    activation: null,
    l2: o.l2,
    useBias: o.useBias ?? false,
    kernelInitializer: o.kernelInitializer ?? 'heNormal',
  } as const;
}

/** Pre-activation's `act(BN(t))` (BN only when the block has batch norm). */
function preActivate(t: Sym, bn: boolean, act: ActivationName, o: ResidualOptions): Sym {
  return activate(bn ? batchNorm(t, { momentum: o.bnMomentum }) : t, act);
}

/**
 * Output of the shortcut: `x` itself when the shape stays, else a 1x1 projection conv (+ BN when `bnAfter`) of
 * `from` with the stride (`from` is `x`, or pre-activation's `act(BN(x))`).
 */
function shortcut(x: Sym, from: Sym, outChannels: number, strides: number, o: ResidualOptions, bnAfter: boolean): Sym {
  const inChannels = x.shape[x.shape.length - 1];
  if (strides === 1 && inChannels === outChannels) return x;
  return convUnit(from, { ...plainConv(o), filters: outChannels, kernelSize: 1, strides, batchNorm: bnAfter });
}

/**
 * Basic residual block (He et al. 2016, ResNet-18/34): `out = act(BN(conv3x3(act(BN(conv3x3_s(x))))) + sc(x))`
 * where `sc` is the identity, or a strided 1x1 convolution + BN when the stride or the width changes
 * (projection shortcut, option B of the paper). With `preActivation` (ResNet v2):
 * `p = act(BN(x)); out = conv3x3(act(BN(conv3x3_s(p)))) + sc'` where `sc'` is `x` or the projection of `p`.
 * Works for images and volumes (3x3x3 kernels), picked by the rank of `x`.
 * Parameters (post-activation, no bias, with projection): `9 C_in F + 9 F F + C_in F + 3 * 4F` (BN: 4 per channel).
 */
export function residualBlock(x: Sym, options: ResidualOptions): Sym {
  const o = options;
  const { filters: f, strides, bn, act } = blockSettings('residualBlock', x, o);
  const unit = plainConv(o);
  if (o.preActivation) {
    const p = preActivate(x, bn, act, o);
    let y = convUnit(p, { ...unit, filters: f, strides });
    y = dropout(preActivate(y, bn, act, o), o.dropout);
    y = convUnit(y, { ...unit, filters: f });
    return on(tfl.layers.add(), [y, shortcut(x, p, f, strides, o, false)]);
  }
  let y = convUnit(x, { ...unit, filters: f, strides, batchNorm: bn, activation: act });
  y = dropout(y, o.dropout);
  y = convUnit(y, { ...unit, filters: f, batchNorm: bn });
  const sc = shortcut(x, x, f, strides, o, bn);
  return activate(on(tfl.layers.add(), [y, sc]), act);
}

/**
 * Bottleneck residual block (He et al. 2016, ResNet-50/101/152): `1x1 (F) -> 3x3 (F, stride) -> 1x1 (4F)`, each
 * followed by BN, ReLU after the first two and after the addition; the shortcut is the identity or a strided
 * 1x1 projection to 4F + BN. The stride sits on the 3x3 convolution ("ResNet v1.5", as torchvision; Keras puts
 * it on the first 1x1: same parameter count). With `preActivation`, BN and activation come before each conv.
 * Parameters (no bias, with projection): `C_in F + 9 F F + 4 F F + 4 C_in F + BN (4 per channel)`.
 */
export function bottleneckBlock(x: Sym, options: ResidualOptions & { expansion?: number }): Sym {
  const o = options;
  const { filters: f, strides, bn, act } = blockSettings('bottleneckBlock', x, o);
  const out = f * checkInt('bottleneckBlock: expansion', o.expansion ?? 4);
  const unit = plainConv(o);
  if (o.preActivation) {
    const p = preActivate(x, bn, act, o);
    let y = convUnit(p, { ...unit, filters: f, kernelSize: 1 });
    y = convUnit(preActivate(y, bn, act, o), { ...unit, filters: f, strides });
    y = dropout(y, o.dropout);
    y = convUnit(preActivate(y, bn, act, o), { ...unit, filters: out, kernelSize: 1 });
    return on(tfl.layers.add(), [y, shortcut(x, p, out, strides, o, false)]);
  }
  let y = convUnit(x, { ...unit, filters: f, kernelSize: 1, batchNorm: bn, activation: act });
  y = convUnit(y, { ...unit, filters: f, strides, batchNorm: bn, activation: act });
  y = dropout(y, o.dropout);
  y = convUnit(y, { ...unit, filters: out, kernelSize: 1, batchNorm: bn });
  const sc = shortcut(x, x, out, strides, o, bn);
  return activate(on(tfl.layers.add(), [y, sc]), act);
}
