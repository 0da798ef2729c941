/**
 * The encoder and decoder trunks shared by the autoencoders and the VAEs: dense (flatten, hidden dense layers)
 * or convolutional (3x3 stride-2 convolutions halving the size, mirrored by 3x3 stride-2 transposed convolutions).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOneOf, checkShape, InputError } from '@tiefe/core';
import { on, type Sym } from './internal.js';

/** `'dense'` (multilayer perceptron) or `'conv'` (strided convolutions; images `[H, W, C]`). */
export type NetworkKind = 'dense' | 'conv';

/** Architecture options shared by {@link autoencoder} and {@link vae}. */
export interface TrunkOptions {
  /** Shape of one example without the batch axis, e.g. `[28, 28, 1]`. */
  inputShape: number[];
  /** `'dense'` (default) or `'conv'`. */
  kind?: NetworkKind;
  /** Widths of the dense encoder's hidden layers (mirrored in the decoder). Default `[512, 256]`. */
  hidden?: number[];
  /** Channels of the conv encoder's stride-2 convolutions (mirrored in the decoder). Default `[32, 64]`. */
  filters?: number[];
}

/** Checked trunk options. */
export interface Trunk {
  inputShape: number[];
  kind: NetworkKind;
  hidden: number[];
  filters: number[];
}

export function checkTrunk(fn: string, options: TrunkOptions): Trunk {
  const kind = checkOneOf(`${fn}: kind`, options.kind ?? 'dense', ['dense', 'conv'] as const);
  const inputShape = checkShape(`${fn}: inputShape`, options.inputShape, kind === 'conv' ? 3 : undefined);
  const hidden = options.hidden ?? [512, 256];
  const filters = options.filters ?? [32, 64];
  if (!Array.isArray(hidden)) throw new InputError(`${fn}: hidden`, 'an array of layer widths', String(hidden));
  if (!Array.isArray(filters) || filters.length === 0)
    throw new InputError(`${fn}: filters`, 'a non-empty array of channel counts', String(filters));
  for (const [i, h] of hidden.entries()) checkInt(`${fn}: hidden[${i}]`, h);
  for (const [i, f] of filters.entries()) checkInt(`${fn}: filters[${i}]`, f);
  if (kind === 'conv') {
    const k = 2 ** filters.length;
    if (inputShape[0] % k !== 0 || inputShape[1] % k !== 0) {
      throw new InputError(
        `${fn}: inputShape`,
        `height and width divisible by 2^${filters.length} = ${k} (one halving per filters entry)`,
        `[${inputShape.join(',')}]`,
      );
    }
  }
  return { inputShape, kind, hidden, filters };
}

/** Encoder trunk: the input (and an optional extra vector, the condition) to a flat feature vector. */
export function encoderTrunk(input: Sym, t: Trunk, extra?: Sym): Sym {
  let x: Sym;
  if (t.kind === 'conv') {
    x = input;
    if (extra) {
      // The condition as constant extra channels (a label map), so the first convolution already sees it.
      const [h, w] = t.inputShape;
      let m = on(tfl.layers.repeatVector({ n: h * w }), extra);
      m = on(tfl.layers.reshape({ targetShape: [h, w, extra.shape[1] as number] }), m);
      x = on(tfl.layers.concatenate(), [x, m]);
    }
    for (const f of t.filters) {
      x = on(tfl.layers.conv2d({ filters: f, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), x);
    }
    x = on(tfl.layers.flatten(), x);
  } else {
    x = t.inputShape.length > 1 ? on(tfl.layers.flatten(), input) : input;
    if (extra) x = on(tfl.layers.concatenate(), [x, extra]);
    for (const h of t.hidden) x = on(tfl.layers.dense({ units: h, activation: 'relu' }), x);
  }
  return x;
}

/** Decoder trunk: a code vector to the output shape, ending in `outUnits` channels with `activation`. */
export function decoderTrunk(z: Sym, t: Trunk, activation: 'sigmoid' | 'linear'): Sym {
  const size = t.inputShape.reduce((a, b) => a * b, 1);
  if (t.kind === 'conv') {
    const k = 2 ** t.filters.length;
    const [h, w, c] = t.inputShape;
    const last = t.filters[t.filters.length - 1];
    let x = on(tfl.layers.dense({ units: (h / k) * (w / k) * last, activation: 'relu' }), z);
    x = on(tfl.layers.reshape({ targetShape: [h / k, w / k, last] }), x);
    for (const f of [...t.filters].reverse()) {
      x = on(
        tfl.layers.conv2dTranspose({ filters: f, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
        x,
      );
    }
    return on(tfl.layers.conv2d({ filters: c, kernelSize: 3, padding: 'same', activation }), x);
  }
  let x = z;
  for (const h of [...t.hidden].reverse()) x = on(tfl.layers.dense({ units: h, activation: 'relu' }), x);
  x = on(tfl.layers.dense({ units: size, activation }), x);
  return t.inputShape.length > 1 ? on(tfl.layers.reshape({ targetShape: t.inputShape }), x) : x;
}
