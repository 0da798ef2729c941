import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  checkBoolean,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  InputError,
  type ProgressBarCallback,
  writePng,
} from '@tiefe/core';
import { gradientPenalty, saveAdversarialCheckpoint, sigmoidCrossEntropy } from './adversarial.js';
import { sampleGrid } from './images.js';
import {
  checkExamples,
  checkFinite,
  checkLabels,
  checkLabelsAsync,
  checkRange,
  keepStatistics,
  minimizeOver,
  rows,
  shuffled,
  trainableVariables,
} from './internal.js';

/**
 * The adversarial objective:
 * - `'nonSaturating'` (default): D minimises BCE(real, 1 - smoothing) + BCE(fake, 0); G minimises BCE(fake, 1),
 *   i.e. maximises log D(G(z)) (Goodfellow's fix for G's vanishing gradient early on);
 * - `'minimax'`: the same D; G minimises log(1 - D(G(z))) (the original game, saturating);
 * - `'wgan-gp'`: critic minimises mean D(fake) - mean D(real) + gpWeight * gradient penalty; G minimises -mean D(fake).
 */
export type GanLoss = 'nonSaturating' | 'minimax' | 'wgan-gp';

/** Options of {@link GanTrainer}. */
export interface GanTrainerOptions {
  /** z (and class ids when conditional) -> examples in [-1, 1]. */
  generator: tfl.LayersModel;
  /** Examples (and class ids) -> one logit/score per example. */
  discriminator: tfl.LayersModel;
  /** Objective (default `'nonSaturating'`). */
  loss?: GanLoss;
  /** One-sided label smoothing: real targets 1 - s (Salimans et al. 2016); default 0. Not for WGAN-GP. */
  labelSmoothing?: number;
  /** Discriminator steps per generator step (default 1; 5 for WGAN-GP as in the paper). */
  discriminatorSteps?: number;
  /** Weight of the gradient penalty (WGAN-GP; default 10). */
  gpWeight?: number;
  /**
   * Weight of the class cross-entropy when the discriminator has an auxiliary classifier (AC-GAN, Odena et al.
   * 2017; `ganDiscriminator({ auxiliaryClassifier: true })`): both networks minimise it, D on reals and fakes,
   * G on its fakes. Default 1.
   */
  classWeight?: number;
  /**
   * Whether the auxiliary classifier also learns the classes of the fakes (AC-GAN as published, default true) or
   * only those of the real examples (false): then the generator must make examples that a classifier of real
   * ones recognises, and G and D cannot agree on a class code of their own in the fakes. On MNIST's small
   * DCGAN both reached 99.5-99.8% class agreement after 300 steps; false had the lower Frechet distance (156
   * against 189, one run each).
   */
  classifyFakes?: boolean;
  /** Generator optimizer (default Adam(2e-4, beta1 0.5); WGAN-GP: Adam(1e-4, 0, 0.9)). */
  generatorOptimizer?: tf.Optimizer;
  /** Discriminator optimizer (same defaults). */
  discriminatorOptimizer?: tf.Optimizer;
  /** Steps already done (when resuming from a checkpoint; default 0). */
  step?: number;
}

/** Options of {@link GanTrainer.train}. */
export interface GanTrainOptions {
  /** Class ids `[n]` of the images (conditional GAN). */
  labels?: tf.Tensor;
  /** Generator steps (default 1000). */
  steps?: number;
  /** Batch size (default 64). */
  batchSize?: number;
  /** Core's `progressBar()`; default none. */
  progress?: ProgressBarCallback | null;
  /** Write a PNG grid of samples (fixed noise) every this many steps into `sampleDir` (default 0: never). */
  sampleEvery?: number;
  /** Folder of the sample grids (`step-000100.png`, ...). */
  sampleDir?: string;
  /** Save a checkpoint of both networks and optimizers every this many steps into `checkpointDir` (default 0). */
  checkpointEvery?: number;
  /** Folder of the checkpoint (overwritten atomically each time). */
  checkpointDir?: string;
  /** Called after every generator step. */
  onStep?: (step: number, logs: { dLoss: number; gLoss: number }) => void;
}

/**
 * Trains a GAN with custom steps: each network has its own optimizer and is updated through
 * `tf.variableGrads` over exactly its own trainable variables, never the Keras "freeze D and compile the
 * combined model" pattern (in tfjs `trainable` is stored on the shared variables and would silently freeze D's
 * own head, and toggling it misaligns Adam's state). Batch-norm statistics of the network not being trained are
 * restored after each step, so a generator step leaves every discriminator weight bit-identical.
 *
 * Data: images in [-1, 1] (the generator's tanh range).
 *
 * @example
 * const trainer = new GanTrainer({ generator: ganGenerator({ outputShape: [28, 28, 1] }),
 *   discriminator: ganDiscriminator({ inputShape: [28, 28, 1] }) });
 * await trainer.train(images, { steps: 2000, progress: progressBar() });
 */
export class GanTrainer {
  /** The generator (the caller's; not disposed by {@link GanTrainer.dispose}). */
  readonly generator: tfl.LayersModel;
  /** The discriminator (the caller's). */
  readonly discriminator: tfl.LayersModel;
  /** The generator's optimizer (owned: freed by `dispose`). */
  readonly generatorOptimizer: tf.Optimizer;
  /** The discriminator's optimizer (owned: freed by `dispose`). */
  readonly discriminatorOptimizer: tf.Optimizer;
  /** The objective. */
  readonly loss: GanLoss;
  /** One-sided label smoothing of the real targets. */
  readonly labelSmoothing: number;
  /** Discriminator steps per generator step. */
  readonly discriminatorSteps: number;
  /** Weight of the gradient penalty (WGAN-GP). */
  readonly gpWeight: number;
  /** Weight of the auxiliary classifier's class cross-entropy (used when the discriminator has one). */
  readonly classWeight: number;
  /** Whether the auxiliary classifier learns the fakes' classes too. */
  readonly classifyFakes: boolean;
  /** Latent size (the generator's first input). */
  readonly latentDim: number;
  /** Classes of a conditional GAN (0: unconditional), from the embedding of the generator's label input. */
  readonly classes: number;
  /** Generator steps done. */
  step: number;
  private readonly gVars: tf.Variable[];
  private readonly dVars: tf.Variable[];

  constructor(options: GanTrainerOptions) {
    checkOptions('GanTrainer: options', options);
    const { generator: g, discriminator: d } = options;
    if (!g || typeof (g as tfl.LayersModel).apply !== 'function')
      throw new InputError('GanTrainer: generator', 'a tf.LayersModel', String(g));
    if (!d || typeof (d as tfl.LayersModel).apply !== 'function')
      throw new InputError('GanTrainer: discriminator', 'a tf.LayersModel', String(d));
    const gOut = g.outputs[0].shape.slice(1);
    const dIn = d.inputs[0].shape.slice(1);
    if (gOut.join() !== dIn.join())
      throw new InputError(
        'GanTrainer: generator',
        `an output shape [${dIn}] (the discriminator's input)`,
        `[${gOut}]`,
      );
    if (g.inputs.length !== d.inputs.length)
      throw new InputError(
        'GanTrainer: discriminator',
        `${g.inputs.length} input(s) like the generator (conditional or not)`,
        `${d.inputs.length}`,
      );
    this.generator = g;
    this.discriminator = d;
    this.loss = checkOneOf('GanTrainer: loss', options.loss ?? 'nonSaturating', [
      'nonSaturating',
      'minimax',
      'wgan-gp',
    ] as const);
    const wgan = this.loss === 'wgan-gp';
    this.labelSmoothing = checkNumber('GanTrainer: labelSmoothing', options.labelSmoothing ?? 0, 0, 0.5);
    if (wgan && this.labelSmoothing > 0)
      throw new InputError('GanTrainer: labelSmoothing', '0 with WGAN-GP (no labels)', String(this.labelSmoothing));
    this.discriminatorSteps = checkInt('GanTrainer: discriminatorSteps', options.discriminatorSteps ?? (wgan ? 5 : 1));
    this.gpWeight = checkNumber('GanTrainer: gpWeight', options.gpWeight ?? 10, 0);
    this.classWeight = checkNumber('GanTrainer: classWeight', options.classWeight ?? 1, 0);
    this.classifyFakes = checkBoolean('GanTrainer: classifyFakes', options.classifyFakes ?? true);
    this.generatorOptimizer =
      options.generatorOptimizer ?? (wgan ? tf.train.adam(1e-4, 0, 0.9) : tf.train.adam(2e-4, 0.5));
    this.discriminatorOptimizer =
      options.discriminatorOptimizer ?? (wgan ? tf.train.adam(1e-4, 0, 0.9) : tf.train.adam(2e-4, 0.5));
    this.latentDim = g.inputs[0].shape[1] as number;
    const emb = g.layers.find((l) => l.getClassName() === 'Embedding') as unknown as { inputDim?: number } | undefined;
    this.classes = g.inputs.length > 1 ? (emb?.inputDim ?? 0) : 0;
    const aux = d.outputs[1]?.shape[1];
    if (aux !== undefined && aux !== this.classes)
      throw new InputError(
        'GanTrainer: discriminator',
        `an auxiliary classifier with ${this.classes} class logits (the generator's classes)`,
        `${aux}`,
      );
    this.step = checkInt('GanTrainer: step', options.step ?? 0, 0);
    this.gVars = trainableVariables(g);
    this.dVars = trainableVariables(d);
  }

  private get exampleShape(): number[] {
    return this.discriminator.inputs[0].shape.slice(1) as number[];
  }

  private labelColumn(fn: string, labels: tf.Tensor | undefined, n: number): tf.Tensor | undefined {
    if (this.generator.inputs.length === 1) {
      if (labels !== undefined) throw new InputError(`${fn}: labels`, 'none (the GAN is not conditional)', 'labels');
      return undefined;
    }
    if (labels === undefined)
      throw new InputError(`${fn}: labels`, `class ids (a conditional GAN with ${this.classes} classes)`, 'undefined');
    checkLabels(`${fn}: labels`, labels, n, this.classes);
    return tf.tidy(() => tf.reshape(tf.cast(labels, 'float32'), [n, 1]));
  }

  private runG(z: tf.Tensor, y: tf.Tensor | undefined, training: boolean): tf.Tensor {
    return this.generator.apply(y ? [z, y] : z, { training }) as tf.Tensor;
  }

  /** The discriminator's logit, and its class logits when it has an auxiliary classifier (a second output). */
  private runD(x: tf.Tensor, y: tf.Tensor | undefined): { logit: tf.Tensor; classLogits?: tf.Tensor } {
    const out = this.discriminator.apply(y ? [x, y] : x, { training: true }) as tf.Tensor | tf.Tensor[];
    return Array.isArray(out) ? { logit: out[0], classLogits: out[1] } : { logit: out };
  }

  /** Mean cross-entropy of class logits against class ids (a column); 0 without an auxiliary classifier. */
  private classLoss(classLogits: tf.Tensor | undefined, y: tf.Tensor | undefined): tf.Scalar {
    if (!classLogits || !y) return tf.scalar(0);
    const target = tf.oneHot(tf.cast(tf.reshape(y, [-1]), 'int32'), this.classes);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(classLogits)), -1))) as tf.Scalar;
  }

  /** Random class ids for n fakes (uniform), as a column, or undefined when unconditional. */
  private randomLabels(n: number): tf.Tensor | undefined {
    if (this.generator.inputs.length === 1) return undefined;
    return tf.tidy(() => tf.floor(tf.randomUniform([n, 1], 0, this.classes)));
  }

  /**
   * One discriminator update on a batch of real examples (and their class ids), against as many fresh fakes
   * (their classes drawn uniformly). Updates only the discriminator's variables; returns its loss.
   */
  async discriminatorStep(real: tf.Tensor, labels?: tf.Tensor): Promise<number> {
    checkExamples('GanTrainer.discriminatorStep: real', real, this.exampleShape);
    const n = real.shape[0];
    const yReal = this.labelColumn('GanTrainer.discriminatorStep', labels, n);
    const yFake = this.randomLabels(n);
    // the fakes are inputs here: generated outside the tape, G's batch-norm statistics kept as they were
    const fake = await keepStatistics(this.generator, async () =>
      tf.tidy(() => this.runG(tf.randomNormal([n, this.latentDim]), yFake, true)),
    );
    try {
      return await keepStatistics(
        this.discriminator,
        () =>
          minimizeOver(
            this.discriminatorOptimizer,
            this.dVars,
            () =>
              tf.tidy(() => {
                const r = this.runD(real, yReal);
                const f = this.runD(fake, yFake);
                // AC-GAN (Odena et al. 2017): the auxiliary classifier learns the class of reals and fakes
                const aux = tf.mul(
                  this.classWeight,
                  tf.add(
                    this.classLoss(r.classLogits, yReal),
                    this.classifyFakes ? this.classLoss(f.classLogits, yFake) : tf.scalar(0),
                  ),
                );
                if (this.loss === 'wgan-gp') {
                  const w = tf.sub(tf.mean(f.logit), tf.mean(r.logit));
                  const gp = gradientPenalty((x) => this.runD(x, yReal).logit, real, fake);
                  return tf.add(tf.add(w, tf.mul(this.gpWeight, gp)), aux) as tf.Scalar;
                }
                return tf.add(
                  tf.add(sigmoidCrossEntropy(r.logit, 1 - this.labelSmoothing), sigmoidCrossEntropy(f.logit, 0)),
                  aux,
                ) as tf.Scalar;
              }),
            'discriminator loss',
            this.step,
          ),
        true,
      );
    } finally {
      tf.dispose([fake, yReal, yFake].filter((t): t is tf.Tensor => t !== undefined));
    }
  }

  /** One generator update on `n` fresh fakes (classes uniform). Updates only the generator's variables. */
  async generatorStep(n: number): Promise<number> {
    checkInt('GanTrainer.generatorStep: n', n);
    const y = this.randomLabels(n);
    const z = tf.randomNormal([n, this.latentDim]);
    try {
      return await keepStatistics(this.discriminator, () =>
        keepStatistics(
          this.generator,
          () =>
            minimizeOver(
              this.generatorOptimizer,
              this.gVars,
              () =>
                tf.tidy(() => {
                  const { logit: l, classLogits } = this.runD(this.runG(z, y, true), y);
                  const aux = tf.mul(this.classWeight, this.classLoss(classLogits, y));
                  if (this.loss === 'wgan-gp') return tf.add(tf.neg(tf.mean(l)), aux) as tf.Scalar;
                  if (this.loss === 'minimax') return tf.add(tf.neg(sigmoidCrossEntropy(l, 0)), aux) as tf.Scalar;
                  return tf.add(sigmoidCrossEntropy(l, 1), aux) as tf.Scalar;
                }),
              'generator loss',
              this.step,
            ),
          true,
        ),
      );
    } finally {
      tf.dispose([z, y].filter((t): t is tf.Tensor => t !== undefined));
    }
  }

  /**
   * Generated examples for noise `z` (default: `n` fresh draws) in inference mode, in [-1, 1]; a conditional
   * GAN needs class ids `labels` `[n]`.
   */
  generate(n: number, labels?: tf.Tensor, z?: tf.Tensor): tf.Tensor {
    checkInt('GanTrainer.generate: n', n);
    const y = this.labelColumn('GanTrainer.generate', labels, n);
    try {
      return tf.tidy(() => this.runG(z ?? tf.randomNormal([n, this.latentDim]), y, false));
    } finally {
      y?.dispose();
    }
  }

  /**
   * Trains for `steps` generator steps, each after `discriminatorSteps` discriminator steps on shuffled real
   * batches, with progress, PNG sample grids and checkpoints as asked. Throws `TrainingDivergedError` when a loss
   * becomes NaN or infinite. Returns the losses of every step.
   */
  async train(images: tf.Tensor, options: GanTrainOptions = {}): Promise<{ dLoss: number; gLoss: number }[]> {
    checkOptions('GanTrainer.train: options', options);
    checkExamples('GanTrainer.train: images', images, this.exampleShape);
    await checkFinite('GanTrainer.train: images', images);
    await checkRange(
      'GanTrainer.train: images',
      images,
      -1,
      1,
      'values in [-1, 1] (the tanh range; map [0, 1] data with 2x - 1)',
    );
    const n = images.shape[0];
    if (options.labels !== undefined || this.classes) {
      this.labelColumn('GanTrainer.train', options.labels, n)?.dispose();
      await checkLabelsAsync('GanTrainer.train: labels', options.labels, n, this.classes);
    }
    const steps = checkInt('GanTrainer.train: steps', options.steps ?? 1000);
    const batchSize = checkInt('GanTrainer.train: batchSize', options.batchSize ?? 64);
    const sampleEvery = checkInt('GanTrainer.train: sampleEvery', options.sampleEvery ?? 0, 0);
    const checkpointEvery = checkInt('GanTrainer.train: checkpointEvery', options.checkpointEvery ?? 0, 0);
    if (sampleEvery && !options.sampleDir)
      throw new InputError('GanTrainer.train: sampleDir', 'a folder (sampleEvery is set)', 'undefined');
    if (checkpointEvery && !options.checkpointDir)
      throw new InputError('GanTrainer.train: checkpointDir', 'a folder (checkpointEvery is set)', 'undefined');
    const bar = options.progress ?? null;
    bar?.setParams({ epochs: 1, steps });
    await bar?.onTrainBegin();
    await bar?.onEpochBegin(0);
    // fixed noise (and classes 0..9 cycling) for the sample grids, so they show progress on the same z
    const gridN = this.classes ? this.classes * Math.min(8, this.classes) : 64;
    const gridZ = sampleEvery ? tf.randomNormal([gridN, this.latentDim]) : undefined;
    const gridY =
      sampleEvery && this.classes ? tf.tensor1d(Array.from({ length: gridN }, (_, i) => i % this.classes)) : undefined;
    const history: { dLoss: number; gLoss: number }[] = [];
    let order = shuffled(n);
    let pos = 0;
    const nextBatch = () => {
      if (pos + batchSize > n) {
        order = shuffled(n);
        pos = 0;
      }
      const idx = order.slice(pos, pos + Math.min(batchSize, n));
      pos += batchSize;
      return idx;
    };
    try {
      for (let s = 0; s < steps; s++) {
        await bar?.onBatchBegin(s);
        let dLoss = 0;
        for (let k = 0; k < this.discriminatorSteps; k++) {
          const idx = nextBatch();
          const real = rows(images, idx);
          const lab = options.labels ? rows(options.labels, idx) : undefined;
          try {
            dLoss = await this.discriminatorStep(real, lab);
          } finally {
            tf.dispose([real, lab].filter((t): t is tf.Tensor => t !== undefined));
          }
        }
        const gLoss = await this.generatorStep(batchSize);
        this.step++;
        const logs = { dLoss, gLoss };
        history.push(logs);
        await bar?.onBatchEnd(s, { ...logs, batch: s, size: batchSize });
        options.onStep?.(this.step, logs);
        if (sampleEvery && this.step % sampleEvery === 0) {
          const x = this.generate(gridN, gridY, gridZ);
          const grid = await sampleGrid(x, { range: [-1, 1], cols: this.classes || 8, scale: 2 });
          x.dispose();
          await writePng(`${options.sampleDir}/step-${String(this.step).padStart(6, '0')}.png`, grid);
        }
        if (checkpointEvery && this.step % checkpointEvery === 0)
          await this.saveCheckpoint(options.checkpointDir as string);
      }
    } finally {
      tf.dispose([gridZ, gridY].filter((t): t is tf.Tensor => t !== undefined));
    }
    const mean = (k: 'dLoss' | 'gLoss') => history.reduce((a, h) => a + h[k], 0) / Math.max(1, history.length);
    await bar?.onEpochEnd(0, { dLoss: mean('dLoss'), gLoss: mean('gLoss') });
    await bar?.onTrainEnd();
    return history;
  }

  /** Saves both networks, both optimizers' state and the step (see `saveAdversarialCheckpoint`). */
  saveCheckpoint(dir: string): Promise<void> {
    return saveAdversarialCheckpoint(dir, {
      generator: this.generator,
      discriminator: this.discriminator,
      generatorOptimizer: this.generatorOptimizer,
      discriminatorOptimizer: this.discriminatorOptimizer,
      step: this.step,
    });
  }

  /** Frees both optimizers (the networks stay the caller's). */
  dispose(): void {
    this.generatorOptimizer.dispose();
    this.discriminatorOptimizer.dispose();
  }
}
