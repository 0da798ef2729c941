import * as tfl from '@tensorflow/tfjs-layers';
import type { ActivationName, Sym } from '../options.js';
import { checkInt, spatialRank } from '../validate.js';
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

/** Output of the shortcut: identity when the shape stays, else a 1x1 projection conv (+ BN) with the stride. */
function shortcut(x: Sym, from: Sym, outChannels: number, strides: number, o: ResidualOptions, bnAfter: boolean): Sym {
  const inChannels = x.shape[x.shape.length - 1];
  if (strides === 1 && inChannels === outChannels) return x;
  const s = convUnit(from, {
    filters: outChannels,
    kernelSize: 1,
    strides,
    batchNorm: bnAfter,
    bnMomentum: o.bnMomentum,
    activation: null,
    l2: o.l2,
    useBias: o.useBias ?? false,
    kernelInitializer: o.kernelInitializer ?? 'heNormal',
  });
  return s;
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
  spatialRank('residualBlock x', x);
  const o = options;
  const f = checkInt('residualBlock filters', o.filters);
  const strides = checkInt('residualBlock strides', o.strides ?? 1);
  const bn = o.batchNorm ?? true;
  const act = o.activation ?? 'relu';
  const unit = {
    batchNorm: false,
    bnMomentum: o.bnMomentum,
    activation: null,
    l2: o.l2,
    useBias: o.useBias ?? false,
    kernelInitializer: o.kernelInitializer ?? 'heNormal',
  } as const;
  if (o.preActivation) {
    let p = x;
    if (bn) p = batchNorm(p, { momentum: o.bnMomentum });
    p = activate(p, act);
    let y = convUnit(p, { ...unit, filters: f, strides });
    if (bn) y = batchNorm(y, { momentum: o.bnMomentum });
    y = dropout(activate(y, act), o.dropout);
    y = convUnit(y, { ...unit, filters: f });
    const sc = x.shape[x.shape.length - 1] === f && strides === 1 ? x : shortcut(x, p, f, strides, o, false);
    return on(tfl.layers.add(), [y, sc]);
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
  spatialRank('bottleneckBlock x', x);
  const o = options;
  const f = checkInt('bottleneckBlock filters', o.filters);
  const strides = checkInt('bottleneckBlock strides', o.strides ?? 1);
  const out = f * checkInt('bottleneckBlock expansion', o.expansion ?? 4);
  const bn = o.batchNorm ?? true;
  const act = o.activation ?? 'relu';
  const unit = {
    batchNorm: false,
    bnMomentum: o.bnMomentum,
    activation: null,
    l2: o.l2,
    useBias: o.useBias ?? false,
    kernelInitializer: o.kernelInitializer ?? 'heNormal',
  } as const;
  if (o.preActivation) {
    const pre = (t: Sym) => activate(bn ? batchNorm(t, { momentum: o.bnMomentum }) : t, act);
    const p = pre(x);
    let y = convUnit(p, { ...unit, filters: f, kernelSize: 1 });
    y = convUnit(pre(y), { ...unit, filters: f, strides });
    y = dropout(y, o.dropout);
    y = convUnit(pre(y), { ...unit, filters: out, kernelSize: 1 });
    const sc = x.shape[x.shape.length - 1] === out && strides === 1 ? x : shortcut(x, p, out, strides, o, false);
    return on(tfl.layers.add(), [y, sc]);
  }
  let y = convUnit(x, { ...unit, filters: f, kernelSize: 1, batchNorm: bn, activation: act });
  y = convUnit(y, { ...unit, filters: f, strides, batchNorm: bn, activation: act });
  y = dropout(y, o.dropout);
  y = convUnit(y, { ...unit, filters: out, kernelSize: 1, batchNorm: bn });
  const sc = shortcut(x, x, out, strides, o, bn);
  return activate(on(tfl.layers.add(), [y, sc]), act);
}
