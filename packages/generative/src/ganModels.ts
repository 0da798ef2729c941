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
  /** Batch norm after every hidden layer (default: true for DCGAN, as the paper; false for dense). */
  batchNorm?: boolean;
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
  /**
   * How a conditional discriminator sees the class (default `'projection'`):
   * - `'projection'` (Miyato & Koyama 2018): logit = `w . phi(x) + embed(y) . phi(x)` on the last features
   *   phi(x), so the class enters as an inner product the discriminator cannot ignore;
   * - `'concat'` (Mirza & Osindero 2014): a class embedding joined to the input (dense: 50 values; DCGAN: one
   *   extra image channel). Weaker: a dense cGAN on MNIST trained this way (then with tfjs's small generator
   *   embedding) ignored the class: 7% of its digits had their conditioning class after 1,000 steps, against
   *   40-51% with projection and 60% with projection and `auxiliaryClassifier`.
   */
  conditioning?: GanConditioning;
  /**
   * AC-GAN (Odena et al. 2017): a second output, one logit per class from the last features, which
   * `GanTrainer` trains with a class cross-entropy (both networks; weight `classWeight`; the discriminator's on
   * the fakes too unless `classifyFakes: false`). Needs `classes`. Default false. The bench's conditional DCGAN
   * (projection, this head, `classifyFakes: false`) gives 99.3% of its digits their class after 300 steps.
   */
  auxiliaryClassifier?: boolean;
}

/** How a conditional discriminator takes its class: see {@link GanDiscriminatorOptions.conditioning}. */
export type GanConditioning = 'projection' | 'concat';

function checkList(fn: string, v: unknown, fallback: number[]): number[] {
  const list = v ?? fallback;
  if (!Array.isArray(list) || list.length === 0)
    throw new InputError(`${fn}: filters`, 'a non-empty array of widths', String(list));
  for (const [i, f] of list.entries()) checkInt(`${fn}: filters[${i}]`, f);
  return list;
}

/**
 * The class-id input and its embedding. `unitScale`: rows drawn from N(0, 1) (PyTorch's default) instead of
 * tfjs's U(-0.05, 0.05), so a class vector joined to z ~ N(0, 1) is as loud as the noise from the first step
 * (with tfjs's default the generator started out ignoring its class).
 */
function labelInput(classes: number, dim: number, unitScale: boolean): { input: Sym; embedded: Sym } {
  const input = tfl.input({ shape: [1], name: 'label' });
  const embeddingsInitializer = unitScale ? tfl.initializers.randomNormal({ mean: 0, stddev: 1 }) : undefined;
  const e = on(tfl.layers.embedding({ inputDim: classes, outputDim: dim, embeddingsInitializer }), input);
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
  const bn = checkBoolean('ganGenerator: batchNorm', options.batchNorm ?? kind === 'dcgan');
  const norm = (x: Sym) => (bn ? on(tfl.layers.batchNormalization({ momentum: 0.9 }), x) : x);
  const z = tfl.input({ shape: [latentDim], name: 'z' });
  const label = classes ? labelInput(classes, Math.min(50, latentDim), true) : undefined;
  let x: Sym = label ? on(tfl.layers.concatenate(), [z, label.embedded]) : z;
  const size = shape.reduce((a, b) => a * b, 1);
  if (kind === 'dense') {
    for (const f of filters) x = leaky(norm(on(tfl.layers.dense({ units: f, useBias: !bn }), x)));
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
    x = on(tfl.layers.dense({ units: (h / k) * (w / k) * filters[0], useBias: !bn }), x);
    x = on(tfl.layers.reLU(), norm(x));
    x = on(tfl.layers.reshape({ targetShape: [h / k, w / k, filters[0]] }), x);
    for (const f of filters.slice(1)) {
      x = on(tfl.layers.conv2dTranspose({ filters: f, kernelSize: 4, strides: 2, padding: 'same', useBias: !bn }), x);
      x = on(tfl.layers.reLU(), norm(x));
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
 * logit per example `[n, 1]` (no sigmoid: the losses work on logits, which is stable, and WGAN needs raw scores),
 * and with `auxiliaryClassifier` a second output of class logits `[n, classes]`.
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
  const conditioning = checkOneOf('ganDiscriminator: conditioning', options.conditioning ?? 'projection', [
    'projection',
    'concat',
  ] as const);
  const concat = classes > 0 && conditioning === 'concat';
  const auxiliary = checkBoolean('ganDiscriminator: auxiliaryClassifier', options.auxiliaryClassifier ?? false);
  if (auxiliary && !classes)
    throw new InputError('ganDiscriminator: auxiliaryClassifier', 'classes > 0 (an auxiliary classifier)', 'classes 0');
  const input = tfl.input({ shape, name: 'image' });
  let label: { input: Sym; embedded: Sym } | undefined;
  let x: Sym;
  if (kind === 'dense') {
    label = concat ? labelInput(classes, 50, true) : undefined;
    x = shape.length > 1 ? on(tfl.layers.flatten(), input) : input;
    if (label) x = on(tfl.layers.concatenate(), [x, label.embedded]);
    for (const f of filters) x = leaky(on(tfl.layers.dense({ units: f }), x));
  } else {
    const [h, w] = shape;
    x = input;
    if (concat) {
      // the class as one extra image channel (an embedding of H*W values), as in the Keras conditional GAN
      label = labelInput(classes, h * w, true);
      x = on(tfl.layers.concatenate(), [x, on(tfl.layers.reshape({ targetShape: [h, w, 1] }), label.embedded)]);
    }
    filters.forEach((f, i) => {
      x = on(tfl.layers.conv2d({ filters: f, kernelSize: 4, strides: 2, padding: 'same', useBias: !(bn && i > 0) }), x);
      if (bn && i > 0) x = on(tfl.layers.batchNormalization({ momentum: 0.9 }), x);
      x = leaky(x);
    });
    x = on(tfl.layers.flatten(), x);
  }
  let logit = on(tfl.layers.dense({ units: 1, name: 'logit' }), x);
  if (classes > 0 && !concat) {
    // projection: one embedding row per class, as wide as the features, dotted with them
    label = labelInput(classes, x.shape[1] as number, false);
    const projected = on(tfl.layers.dot({ axes: 1, name: 'projection' }), [label.embedded, x]);
    logit = on(tfl.layers.add({ name: 'conditional_logit' }), [logit, projected]);
  }
  const outputs = auxiliary ? [logit, on(tfl.layers.dense({ units: classes, name: 'class_logits' }), x)] : logit;
  return tfl.model({ inputs: label ? [input, label.input] : input, outputs, name: 'discriminator' });
}
