import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '@tiefe/core';
import type { ActivationName, Sym } from '../options.js';

/** Applies `layer` to one symbolic tensor (or a list, for merge layers) and returns the single result. */
export function on(layer: tfl.layers.Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

/** An L2 kernel regularizer (`loss += l2 * sum(W^2)`), or undefined when `l2` is 0. */
export function l2Reg(l2: number | undefined) {
  return l2 && l2 > 0 ? tfl.regularizers.l2({ l2 }) : undefined;
}

const BUILT_IN = new Set([
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'hardSigmoid',
  'tanh',
  'softplus',
  'softsign',
  'swish',
  'mish',
  'gelu',
  'gelu_new',
  'softmax',
]);

/**
 * Adds the activation `name` after `x` (nothing for `'linear'` or `null`). PReLU learns one slope per channel:
 * its `sharedAxes` are the spatial axes, so the layer has C parameters whatever the input size.
 */
export function activate(x: Sym, name: ActivationName | null | undefined): Sym {
  if (name == null || name === 'linear') return x;
  if (name === 'prelu') {
    const spatial = Array.from({ length: x.shape.length - 2 }, (_, i) => i + 1);
    return on(tfl.layers.prelu({ sharedAxes: spatial.length > 0 ? spatial : undefined }), x);
  }
  if (name === 'leakyRelu') return on(tfl.layers.leakyReLU({ alpha: 0.3 }), x);
  if (!BUILT_IN.has(name)) {
    throw new InputError(
      'activate: name',
      `a tfjs activation name, 'prelu', 'leakyRelu' or 'linear'`,
      JSON.stringify(name),
    );
  }
  return on(tfl.layers.activation({ activation: name as 'relu' }), x);
}

/**
 * Batch normalisation over the channel (last) axis for 2-D and 3-D feature maps. tfjs-layers'
 * `BatchNormalization` does not accept rank-5 input (and tfjs-core's batch-norm gradient assumes rank <= 4),
 * so a volume `[N, D, H, W, C]` is reshaped to `[N, D*H, W, C]` around a standard layer: the statistics are
 * taken over the same N*D*H*W positions, so the result is exactly 3-D batch normalisation, built only from
 * serialisable layers. Needs static spatial sizes for volumes.
 */
export function batchNorm(x: Sym, options: { momentum?: number; epsilon?: number } = {}): Sym {
  const bn = () =>
    tfl.layers.batchNormalization({ axis: -1, momentum: options.momentum ?? 0.99, epsilon: options.epsilon ?? 1e-3 });
  if (x.shape.length <= 4) return on(bn(), x);
  if (x.shape.length !== 5) throw new InputError('batchNorm: x', 'a rank-2 to rank-5 tensor', `shape [${x.shape}]`);
  const [, d, h, w, c] = x.shape;
  if ([d, h, w, c].some((v) => v == null)) {
    throw new InputError('batchNorm: x', 'static spatial sizes for a volume', `shape [${x.shape}]`);
  }
  const flat = on(tfl.layers.reshape({ targetShape: [(d as number) * (h as number), w as number, c as number] }), x);
  return on(tfl.layers.reshape({ targetShape: [d as number, h as number, w as number, c as number] }), on(bn(), flat));
}

/** Dropout with rate `rate`, or `x` itself when the rate is 0. */
export function dropout(x: Sym, rate: number | undefined): Sym {
  return rate && rate > 0 ? on(tfl.layers.dropout({ rate }), x) : x;
}
