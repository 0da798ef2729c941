/**
 * pix2pix (Isola et al. 2017): a U-Net generator (from @tiefe/blocks) maps an input image to a target image; a
 * PatchGAN discriminator scores overlapping patches of (input, target) pairs; the generator minimises the
 * adversarial loss plus `l1Weight` (100) times the L1 distance to the paired target.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { unet } from '@tiefe/blocks';
import { checkInt, checkNumber, checkOptions, checkShape, InputError, type ProgressBarCallback } from '@tiefe/core';
import { saveAdversarialCheckpoint, sigmoidCrossEntropy } from './adversarial.js';
import {
  checkExamples,
  checkFinite,
  keepStatistics,
  minimizeOver,
  on,
  readScalar,
  rows,
  shuffled,
  trainableVariables,
} from './internal.js';

/** Options of {@link pix2pixGenerator}. */
export interface Pix2PixGeneratorOptions {
  /** Input image shape `[H, W, C]` (H and W divisible by 2^depth). */
  inputShape: number[];
  /** Channels of the target image (default 1). */
  targetChannels?: number;
  /** U-Net depth (default 3). */
  depth?: number;
  /** U-Net channels of the first level (default 32). */
  baseFilters?: number;
}

/**
 * The pix2pix generator: @tiefe/blocks' `unet` (batch norm, 'same' padding) with its 1x1 head replaced by a
 * 1x1 convolution to `targetChannels` with tanh, so outputs lie in [-1, 1] as the paper's.
 */
export function pix2pixGenerator(options: Pix2PixGeneratorOptions): tfl.LayersModel {
  checkOptions('pix2pixGenerator: options', options);
  const inputShape = checkShape('pix2pixGenerator: inputShape', options.inputShape, 3);
  const channels = checkInt('pix2pixGenerator: targetChannels', options.targetChannels ?? 1);
  const body = unet({
    inputShape,
    classes: 2,
    depth: options.depth ?? 3,
    baseFilters: options.baseFilters ?? 32,
    batchNorm: true,
    bnMomentum: 0.9,
  });
  const head = body.layers[body.layers.length - 1];
  const features = head.input as tfl.SymbolicTensor;
  const out = on(
    tfl.layers.conv2d({ filters: channels, kernelSize: 1, activation: 'tanh', name: 'to_image' }),
    features,
  );
  return tfl.model({ inputs: body.inputs, outputs: out, name: 'pix2pix_generator' });
}

/** Options of {@link patchGan}. */
export interface PatchGanOptions {
  /** Input image shape `[H, W, C]`. */
  inputShape: number[];
  /** Channels of the target image (default 1). */
  targetChannels?: number;
  /**
   * Channels of the 4x4 convolutions (default `[64, 128, 256, 512]`, the paper's 70x70 PatchGAN: all but the last
   * with stride 2, then a stride-1 4x4 convolution to one logit per patch).
   */
  filters?: number[];
}

/**
 * PatchGAN discriminator: the input and target images concatenated on channels -> a map of patch logits
 * `[n, h', w', 1]`. 4x4 convolutions, LeakyReLU 0.2, batch norm on all but the first (C64-C128-C256-C512).
 */
export function patchGan(options: PatchGanOptions): tfl.LayersModel {
  checkOptions('patchGan: options', options);
  const inputShape = checkShape('patchGan: inputShape', options.inputShape, 3);
  const channels = checkInt('patchGan: targetChannels', options.targetChannels ?? 1);
  const filters = options.filters ?? [64, 128, 256, 512];
  if (!Array.isArray(filters) || filters.length === 0)
    throw new InputError('patchGan: filters', 'a non-empty array', String(filters));
  for (const [i, f] of filters.entries()) checkInt(`patchGan: filters[${i}]`, f);
  const a = tfl.input({ shape: inputShape, name: 'input_image' });
  const b = tfl.input({ shape: [inputShape[0], inputShape[1], channels], name: 'target_image' });
  let x = on(tfl.layers.concatenate(), [a, b]);
  filters.forEach((f, i) => {
    const last = i === filters.length - 1;
    x = on(
      tfl.layers.conv2d({ filters: f, kernelSize: 4, strides: last ? 1 : 2, padding: 'same', useBias: i === 0 }),
      x,
    );
    if (i > 0) x = on(tfl.layers.batchNormalization({ momentum: 0.9 }), x);
    x = on(tfl.layers.leakyReLU({ alpha: 0.2 }), x);
  });
  const logits = on(tfl.layers.conv2d({ filters: 1, kernelSize: 4, padding: 'same', name: 'patch_logits' }), x);
  return tfl.model({ inputs: [a, b], outputs: logits, name: 'patchgan' });
}

/** Options of {@link Pix2PixTrainer}. */
export interface Pix2PixTrainerOptions {
  /** Input image -> target image in [-1, 1] (e.g. {@link pix2pixGenerator}). */
  generator: tfl.LayersModel;
  /** [input, target] -> patch logits (e.g. {@link patchGan}). */
  discriminator: tfl.LayersModel;
  /** Weight of the L1 term (default 100, as the paper). */
  l1Weight?: number;
  /** Generator optimizer (default Adam(2e-4, beta1 0.5)). */
  generatorOptimizer?: tf.Optimizer;
  /** Discriminator optimizer (default Adam(2e-4, beta1 0.5)). */
  discriminatorOptimizer?: tf.Optimizer;
  /** Steps already done (resuming). */
  step?: number;
}

/**
 * Trains pix2pix with custom steps over each network's own variables (as `GanTrainer`): D minimises
 * `(BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)) / 2` over patches; G minimises `BCE(D(x, G(x)), 1) + l1Weight * |y - G(x)|`.
 * Images (inputs and targets) in [-1, 1].
 */
export class Pix2PixTrainer {
  /** The U-Net generator. */
  readonly generator: tfl.LayersModel;
  /** The PatchGAN discriminator. */
  readonly discriminator: tfl.LayersModel;
  /** The generator's optimizer (freed by `dispose`). */
  readonly generatorOptimizer: tf.Optimizer;
  /** The discriminator's optimizer (freed by `dispose`). */
  readonly discriminatorOptimizer: tf.Optimizer;
  /** Weight of the L1 term. */
  readonly l1Weight: number;
  /** Steps done. */
  step: number;
  private readonly gVars: tf.Variable[];
  private readonly dVars: tf.Variable[];

  constructor(options: Pix2PixTrainerOptions) {
    checkOptions('Pix2PixTrainer: options', options);
    const { generator: g, discriminator: d } = options;
    if (!g?.outputs || !d?.inputs)
      throw new InputError('Pix2PixTrainer: generator', 'a generator and a discriminator model', String(g));
    const gOut = g.outputs[0].shape.slice(1).join();
    const dTarget = d.inputs[1]?.shape.slice(1).join();
    if (d.inputs.length !== 2 || gOut !== dTarget)
      throw new InputError(
        'Pix2PixTrainer: generator',
        `an output shape matching the discriminator's target input [${dTarget}]`,
        `[${gOut}]`,
      );
    this.generator = g;
    this.discriminator = d;
    this.l1Weight = checkNumber('Pix2PixTrainer: l1Weight', options.l1Weight ?? 100, 0);
    this.generatorOptimizer = options.generatorOptimizer ?? tf.train.adam(2e-4, 0.5);
    this.discriminatorOptimizer = options.discriminatorOptimizer ?? tf.train.adam(2e-4, 0.5);
    this.step = checkInt('Pix2PixTrainer: step', options.step ?? 0, 0);
    this.gVars = trainableVariables(g);
    this.dVars = trainableVariables(d);
  }

  /** One D step then one G step on a batch of pairs; returns both losses and the batch's L1. */
  async trainStep(inputs: tf.Tensor, targets: tf.Tensor): Promise<{ dLoss: number; gLoss: number; l1: number }> {
    const G = this.generator;
    const D = this.discriminator;
    const fake = await keepStatistics(G, async () => tf.tidy(() => G.apply(inputs, { training: true }) as tf.Tensor));
    const dLoss = await keepStatistics(
      D,
      () =>
        minimizeOver(
          this.discriminatorOptimizer,
          this.dVars,
          () =>
            tf.tidy(() => {
              const real = D.apply([inputs, targets], { training: true }) as tf.Tensor;
              const gen = D.apply([inputs, fake], { training: true }) as tf.Tensor;
              return tf.mul(0.5, tf.add(sigmoidCrossEntropy(real, 1), sigmoidCrossEntropy(gen, 0))) as tf.Scalar;
            }),
          'discriminator loss',
          this.step,
        ),
      true,
    ).finally(() => fake.dispose());
    let l1T: tf.Tensor | undefined;
    const gLoss = await keepStatistics(D, () =>
      keepStatistics(
        G,
        () =>
          minimizeOver(
            this.generatorOptimizer,
            this.gVars,
            () =>
              tf.tidy(() => {
                const out = G.apply(inputs, { training: true }) as tf.Tensor;
                const adv = sigmoidCrossEntropy(D.apply([inputs, out], { training: true }) as tf.Tensor, 1);
                const dist = tf.mean(tf.abs(tf.sub(targets, out)));
                l1T = tf.keep(tf.clone(dist));
                return tf.add(adv, tf.mul(this.l1Weight, dist)) as tf.Scalar;
              }),
            'generator loss',
            this.step,
          ),
        true,
      ),
    );
    this.step++;
    const l1 = l1T ? await readScalar(l1T) : Number.NaN;
    return { dLoss, gLoss, l1 };
  }

  /** Mean absolute error between `G(inputs)` (inference mode) and `targets`, in batches. */
  async l1(inputs: tf.Tensor, targets: tf.Tensor, batchSize = 32): Promise<number> {
    let sum = 0;
    for (let i = 0; i < inputs.shape[0]; i += batchSize) {
      const k = Math.min(batchSize, inputs.shape[0] - i);
      sum += await readScalar(
        tf.tidy(() => {
          const out = this.generator.predict(tf.slice(inputs, i, k)) as tf.Tensor;
          return tf.sum(tf.abs(tf.sub(tf.slice(targets, i, k), out)));
        }),
      );
    }
    return sum / targets.size;
  }

  /** Trains for `steps` steps on shuffled batches of the pairs; returns the per-step losses. */
  async train(
    inputs: tf.Tensor,
    targets: tf.Tensor,
    options: {
      steps?: number;
      batchSize?: number;
      progress?: ProgressBarCallback | null;
      checkpointEvery?: number;
      checkpointDir?: string;
    } = {},
  ): Promise<{ dLoss: number; gLoss: number; l1: number }[]> {
    checkOptions('Pix2PixTrainer.train: options', options);
    checkExamples('Pix2PixTrainer.train: inputs', inputs, this.generator.inputs[0].shape.slice(1) as number[]);
    checkExamples('Pix2PixTrainer.train: targets', targets, this.generator.outputs[0].shape.slice(1) as number[]);
    if (inputs.shape[0] !== targets.shape[0])
      throw new InputError(
        'Pix2PixTrainer.train: targets',
        `${inputs.shape[0]} targets (one per input)`,
        `${targets.shape[0]}`,
      );
    await checkFinite('Pix2PixTrainer.train: inputs', inputs);
    await checkFinite('Pix2PixTrainer.train: targets', targets);
    const steps = checkInt('Pix2PixTrainer.train: steps', options.steps ?? 1000);
    const batchSize = checkInt('Pix2PixTrainer.train: batchSize', options.batchSize ?? 1);
    const checkpointEvery = checkInt('Pix2PixTrainer.train: checkpointEvery', options.checkpointEvery ?? 0, 0);
    if (checkpointEvery && !options.checkpointDir)
      throw new InputError('Pix2PixTrainer.train: checkpointDir', 'a folder (checkpointEvery is set)', 'undefined');
    const n = inputs.shape[0];
    const bar = options.progress ?? null;
    bar?.setParams({ epochs: 1, steps });
    await bar?.onTrainBegin();
    await bar?.onEpochBegin(0);
    const history: { dLoss: number; gLoss: number; l1: number }[] = [];
    let order = shuffled(n);
    let pos = 0;
    for (let s = 0; s < steps; s++) {
      if (pos + batchSize > n) {
        order = shuffled(n);
        pos = 0;
      }
      const idx = order.slice(pos, pos + Math.min(batchSize, n));
      pos += batchSize;
      const a = rows(inputs, idx);
      const b = rows(targets, idx);
      await bar?.onBatchBegin(s);
      try {
        history.push(await this.trainStep(a, b));
      } finally {
        tf.dispose([a, b]);
      }
      await bar?.onBatchEnd(s, { ...history[s], batch: s, size: idx.length });
      if (checkpointEvery && this.step % checkpointEvery === 0) {
        await saveAdversarialCheckpoint(options.checkpointDir as string, {
          generator: this.generator,
          discriminator: this.discriminator,
          generatorOptimizer: this.generatorOptimizer,
          discriminatorOptimizer: this.discriminatorOptimizer,
          step: this.step,
        });
      }
    }
    await bar?.onEpochEnd(0, history[history.length - 1] ?? {});
    await bar?.onTrainEnd();
    return history;
  }

  /** Frees both optimizers. */
  dispose(): void {
    this.generatorOptimizer.dispose();
    this.discriminatorOptimizer.dispose();
  }
}
