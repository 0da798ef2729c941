/**
 * Generators and discriminators of the GAN family: a dense GAN (Goodfellow et al. 2014) and DCGAN (Radford et
 * al. 2015: strided (transposed) convolutions, batch norm, ReLU in G, LeakyReLU 0.2 in D, tanh output), each
 * optionally conditional (Mirza & Osindero 2014: the class id embedded into both networks).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkInt, checkOneOf, checkOptions, checkShape, InputError } from '@tiefe/core';
import { on, type Sym } from './internal.js';

/** `'dense'` (MLP GAN) or `'dcgan'` (convolutional, images `[H, W, C]`). */
export type GanKind = 'dense' | 'dcgan';

/** Options of {@link ganGenerator}. */
export interface GanGeneratorOptions {
  /** Shape of a generated example, e.g. `[28, 28, 1]`. */
  outputShape: number[];
  /** Size of the noise vector z (default 100). */
  latentDim?: number;
  /** Architecture (default `'dcgan'`). */
  kind?: GanKind;
  /** Classes of a conditional generator (second input: class ids `[n, 1]`); default 0: unconditional. */
  classes?: number;
  /** Dense: hidden widths (default `[256, 512]`). DCGAN: channels from the smallest resolution up, each entry one
   * 2x up-sampling (default `[128, 64]`: 7x7x128 -> 14x14x64 -> 28x28xC). */
  filters?: number[];
}

/** Options of {@link ganDiscriminator}. */
export interface GanDiscriminatorOptions {
  /** Shape of one example, e.g. `[28, 28, 1]`. */
  inputShape: number[];
  /** Architecture (default `'dcgan'`). */
  kind?: GanKind;
  /** Classes of a conditional discriminator (second input: class ids `[n, 1]`); default 0. */
  classes?: number;
  /** Dense: hidden widths (default `[512, 256]`). DCGAN: channels of the stride-2 convolutions (default `[64, 128]`). */
  filters?: number[];
  /** Batch norm after every convolution but the first (DCGAN; default true). Use false for WGAN-GP critics. */
  batchNorm?: boolean;
}

function checkList(fn: string, v: unknown, fallback: number[]): number[] {
  const list = v ?? fallback;
  if (!Array.isArray(list) || list.length === 0)
    throw new InputError(`${fn}: filters`, 'a non-empty array of widths', String(list));
  for (const [i, f] of list.entries()) checkInt(`${fn}: filters[${i}]`, f);
  return list;
}

function labelInput(classes: number, dim: number): { input: Sym; embedded: Sym } {
  const input = tfl.input({ shape: [1], name: 'label' });
  const e = on(tfl.layers.embedding({ inputDim: classes, outputDim: dim }), input);
  return { input, embedded: on(tfl.layers.flatten(), e) };
}

const leaky = (x: Sym) => on(tfl.layers.leakyReLU({ alpha: 0.2 }), x);

/**
 * A GAN generator: z `[n, latentDim]` (and class ids `[n, 1]` when conditional) -> examples in [-1, 1] (tanh).
 *
 * @example
 * const g = ganGenerator({ outputShape: [28, 28, 1], latentDim: 64, classes: 10 });
 */
export function ganGenerator(options: GanGeneratorOptions): tfl.LayersModel {
  checkOptions('ganGenerator: options', options);
  const kind = checkOneOf('ganGenerator: kind', options.kind ?? 'dcgan', ['dense', 'dcgan'] as const);
  const shape = checkShape('ganGenerator: outputShape', options.outputShape, kind === 'dcgan' ? 3 : undefined);
  const latentDim = checkInt('ganGenerator: latentDim', options.latentDim ?? 100);
  const classes = checkInt('ganGenerator: classes', options.classes ?? 0, 0);
  const filters = checkList('ganGenerator', options.filters, kind === 'dcgan' ? [128, 64] : [256, 512]);
  const z = tfl.input({ shape: [latentDim], name: 'z' });
  const label = classes ? labelInput(classes, Math.min(50, latentDim)) : undefined;
  let x: Sym = label ? on(tfl.layers.concatenate(), [z, label.embedded]) : z;
  const size = shape.reduce((a, b) => a * b, 1);
  if (kind === 'dense') {
    for (const f of filters) x = leaky(on(tfl.layers.dense({ units: f }), x));
    x = on(tfl.layers.dense({ units: size, activation: 'tanh' }), x);
    x = on(tfl.layers.reshape({ targetShape: shape }), x);
  } else {
    const k = 2 ** filters.length;
    const [h, w, c] = shape;
    if (h % k !== 0 || w % k !== 0)
      throw new InputError(
        'ganGenerator: outputShape',
        `height and width divisible by 2^${filters.length}`,
        `[${shape.join(',')}]`,
      );
    x = on(tfl.layers.dense({ units: (h / k) * (w / k) * filters[0], useBias: false }), x);
    x = on(tfl.layers.batchNormalization({ momentum: 0.9 }), x);
    x = on(tfl.layers.reLU(), x);
    x = on(tfl.layers.reshape({ targetShape: [h / k, w / k, filters[0]] }), x);
    for (const f of filters.slice(1)) {
      x = on(tfl.layers.conv2dTranspose({ filters: f, kernelSize: 4, strides: 2, padding: 'same', useBias: false }), x);
      x = on(tfl.layers.batchNormalization({ momentum: 0.9 }), x);
      x = on(tfl.layers.reLU(), x);
    }
    x = on(
      tfl.layers.conv2dTranspose({ filters: c, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh' }),
      x,
    );
  }
  return tfl.model({ inputs: label ? [z, label.input] : z, outputs: x, name: 'generator' });
}

/**
 * A GAN discriminator (critic): examples `[n, ...inputShape]` (and class ids `[n, 1]` when conditional) -> one
 * logit per example `[n, 1]` (no sigmoid: the losses work on logits, which is stable, and WGAN needs raw scores).
 *
 * @example
 * const d = ganDiscriminator({ inputShape: [28, 28, 1], classes: 10 });
 */
export function ganDiscriminator(options: GanDiscriminatorOptions): tfl.LayersModel {
  checkOptions('ganDiscriminator: options', options);
  const kind = checkOneOf('ganDiscriminator: kind', options.kind ?? 'dcgan', ['dense', 'dcgan'] as const);
  const shape = checkShape('ganDiscriminator: inputShape', options.inputShape, kind === 'dcgan' ? 3 : undefined);
  const classes = checkInt('ganDiscriminator: classes', options.classes ?? 0, 0);
  const filters = checkList('ganDiscriminator', options.filters, kind === 'dcgan' ? [64, 128] : [512, 256]);
  const bn = checkBoolean('ganDiscriminator: batchNorm', options.batchNorm ?? true);
  const input = tfl.input({ shape, name: 'image' });
  let label: { input: Sym; embedded: Sym } | undefined;
  let x: Sym;
  if (kind === 'dense') {
    label = classes ? labelInput(classes, 50) : undefined;
    x = shape.length > 1 ? on(tfl.layers.flatten(), input) : input;
    if (label) x = on(tfl.layers.concatenate(), [x, label.embedded]);
    for (const f of filters) x = leaky(on(tfl.layers.dense({ units: f }), x));
  } else {
    const [h, w] = shape;
    x = input;
    if (classes) {
      // the class as one extra image channel (an embedding of H*W values), as in the Keras conditional GAN
      label = labelInput(classes, h * w);
      x = on(tfl.layers.concatenate(), [x, on(tfl.layers.reshape({ targetShape: [h, w, 1] }), label.embedded)]);
    }
    filters.forEach((f, i) => {
      x = on(tfl.layers.conv2d({ filters: f, kernelSize: 4, strides: 2, padding: 'same', useBias: !(bn && i > 0) }), x);
      if (bn && i > 0) x = on(tfl.layers.batchNormalization({ momentum: 0.9 }), x);
      x = leaky(x);
    });
    x = on(tfl.layers.flatten(), x);
  }
  const logit = on(tfl.layers.dense({ units: 1, name: 'logit' }), x);
  return tfl.model({ inputs: label ? [input, label.input] : input, outputs: logit, name: 'discriminator' });
}
