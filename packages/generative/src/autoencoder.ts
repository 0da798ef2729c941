import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOneOf, checkOptions, checkTensor, InputError } from '@tiefe/core';
import { checkExamples, checkFinite, minimizeOver, on, rows, trainableVariables } from './internal.js';
import { type EpochOptions, runEpochs } from './loop.js';
import { checkTrunk, decoderTrunk, encoderTrunk, type TrunkOptions } from './networks.js';
import { addNoise, type NoiseOptions } from './noise.js';

/** Options of {@link autoencoder}. */
export interface AutoencoderOptions extends TrunkOptions {
  /** Size of the bottleneck (the code), default 32. */
  latentDim?: number;
  /** Decoder output: `'sigmoid'` (default; images in [0, 1]) or `'linear'` (unbounded data). */
  output?: 'sigmoid' | 'linear';
}

/** Options of {@link Autoencoder.train}. */
export interface AutoencoderTrainOptions extends EpochOptions {
  /** Reconstruction loss: `'bce'` (default with a sigmoid output) or `'mse'` (default with a linear one). */
  loss?: 'bce' | 'mse';
  /** Corrupt the inputs (the targets stay clean): a denoising autoencoder. Default none. */
  noise?: NoiseOptions;
}

/**
 * An autoencoder: `encoder` (input -> code of `latentDim`), `decoder` (code -> reconstruction) and `model`
 * (both chained), all plain tfjs-layers models that save with `model.save` and reload with `tf.loadLayersModel`.
 */
export class Autoencoder {
  constructor(
    /** Input -> code. */
    readonly encoder: tfl.LayersModel,
    /** Code -> reconstruction. */
    readonly decoder: tfl.LayersModel,
    /** Input -> reconstruction (shares the encoder's and decoder's weights). */
    readonly model: tfl.LayersModel,
    /** `'sigmoid'` or `'linear'` decoder output. */
    readonly output: 'sigmoid' | 'linear',
  ) {}

  /** Shape of one example. */
  get inputShape(): number[] {
    return this.encoder.inputs[0].shape.slice(1) as number[];
  }

  /** Bottleneck size. */
  get latentDim(): number {
    return this.encoder.outputs[0].shape[1] as number;
  }

  /** Codes `[n, latentDim]` of a batch `[n, ...inputShape]`. */
  encode(x: tf.Tensor): tf.Tensor2D {
    checkExamples('Autoencoder.encode: x', x, this.inputShape);
    return this.encoder.predict(x) as tf.Tensor2D;
  }

  /** Reconstructions of codes `[n, latentDim]`. */
  decode(z: tf.Tensor): tf.Tensor {
    checkExamples('Autoencoder.decode: z', z, [this.latentDim]);
    return this.decoder.predict(z) as tf.Tensor;
  }

  /** `decode(encode(x))` in one pass. */
  reconstruct(x: tf.Tensor): tf.Tensor {
    checkExamples('Autoencoder.reconstruct: x', x, this.inputShape);
    return this.model.predict(x) as tf.Tensor;
  }

  /**
   * Anomaly score per example: the mean squared reconstruction error over its values, `[n]`. High scores mark
   * inputs unlike the training data; pick the cut-off with {@link anomalyThreshold} on validation data.
   */
  anomalyScores(x: tf.Tensor, batchSize = 256): tf.Tensor1D {
    checkExamples('Autoencoder.anomalyScores: x', x, this.inputShape);
    checkInt('Autoencoder.anomalyScores: batchSize', batchSize);
    return tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      for (let i = 0; i < x.shape[0]; i += batchSize) {
        const b = tf.slice(x, i, Math.min(batchSize, x.shape[0] - i));
        const r = this.model.predict(b) as tf.Tensor;
        parts.push(tf.mean(tf.reshape(tf.squaredDifference(b, r), [b.shape[0], -1]), 1));
      }
      return tf.concat(parts) as tf.Tensor1D;
    });
  }

  /**
   * Trains on `x` (inputs are their own targets) with a custom step over the model's trainable variables,
   * corrupting each batch's inputs when `noise` is given. Returns the mean loss per epoch. Throws
   * `TrainingDivergedError` on a NaN or infinite loss.
   */
  async train(x: tf.Tensor, options: AutoencoderTrainOptions = {}): Promise<Record<string, number>[]> {
    checkOptions('Autoencoder.train: options', options);
    checkExamples('Autoencoder.train: x', x, this.inputShape);
    await checkFinite('Autoencoder.train: x', x);
    const lossName = checkOneOf(
      'Autoencoder.train: loss',
      options.loss ?? (this.output === 'sigmoid' ? 'bce' : 'mse'),
      ['bce', 'mse'] as const,
    );
    if (lossName === 'bce' && this.output !== 'sigmoid')
      throw new InputError('Autoencoder.train: loss', "'mse' for a linear output", "'bce'");
    if (options.noise) addNoise(tf.zeros([1]), options.noise).dispose(); // validates the noise options up front
    const optimizer = options.optimizer ?? tf.train.adam(1e-3);
    const vars = trainableVariables(this.model);
    try {
      return await runEpochs('Autoencoder.train', x.shape[0], options, async (idx, step) => {
        const clean = rows(x, idx);
        const input = options.noise ? addNoise(clean, options.noise) : clean;
        const loss = await minimizeOver(
          optimizer,
          vars,
          () =>
            tf.tidy(() => {
              const r = this.model.apply(input, { training: true }) as tf.Tensor;
              return reconstructionLoss(lossName, clean, r);
            }),
          'reconstruction loss',
          step,
        );
        tf.dispose(input === clean ? [clean] : [clean, input]);
        return { loss };
      });
    } finally {
      if (!options.optimizer) optimizer.dispose();
    }
  }
}

/** Mean binary cross-entropy (clipped probabilities) or mean squared error between targets and reconstructions. */
export function reconstructionLoss(loss: 'bce' | 'mse', target: tf.Tensor, recon: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (loss === 'mse') return tf.mean(tf.squaredDifference(target, recon)) as tf.Scalar;
    const p = tf.clipByValue(recon, 1e-7, 1 - 1e-7);
    return tf.neg(
      tf.mean(tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log1p(tf.neg(p))))),
    ) as tf.Scalar;
  });
}

/**
 * Builds a dense or convolutional autoencoder with a `latentDim` bottleneck.
 *
 * @example
 * const ae = autoencoder({ inputShape: [28, 28, 1], kind: 'conv', latentDim: 16 });
 * await ae.train(images, { epochs: 5, noise: { type: 'gaussian', amount: 0.4 } }); // denoising
 * const clean = ae.reconstruct(noisyImages);
 */
export function autoencoder(options: AutoencoderOptions): Autoencoder {
  checkOptions('autoencoder: options', options);
  const t = checkTrunk('autoencoder', options);
  const latentDim = checkInt('autoencoder: latentDim', options.latentDim ?? 32);
  const output = checkOneOf('autoencoder: output', options.output ?? 'sigmoid', ['sigmoid', 'linear'] as const);
  const input = tfl.input({ shape: t.inputShape });
  const code = on(tfl.layers.dense({ units: latentDim, name: 'code' }), encoderTrunk(input, t));
  const encoder = tfl.model({ inputs: input, outputs: code, name: 'encoder' });
  const zIn = tfl.input({ shape: [latentDim] });
  const decoder = tfl.model({ inputs: zIn, outputs: decoderTrunk(zIn, t, output), name: 'decoder' });
  const model = tfl.model({
    inputs: input,
    outputs: decoder.apply(encoder.apply(input) as tfl.SymbolicTensor) as tfl.SymbolicTensor,
    name: 'autoencoder',
  });
  return new Autoencoder(encoder, decoder, model, output);
}

/** Options of {@link anomalyThreshold}. */
export interface ThresholdOptions {
  /** Fraction of the (normal) validation examples to keep below the threshold (default 0.95). */
  quantile?: number;
}

/**
 * A cut-off for anomaly scores picked on validation data of normal examples: the `quantile` of their scores
 * (linear interpolation between order statistics, numpy's default), so about `1 - quantile` of normal data is
 * flagged. Scores above the returned value are anomalies.
 */
export function anomalyThreshold(scores: tf.Tensor | ArrayLike<number>, options: ThresholdOptions = {}): number {
  checkOptions('anomalyThreshold: options', options);
  const q = options.quantile ?? 0.95;
  if (typeof q !== 'number' || !(q >= 0 && q <= 1))
    throw new InputError('anomalyThreshold: quantile', 'a number in [0, 1]', String(q));
  const values = Array.from(
    scores instanceof tf.Tensor ? checkTensor('anomalyThreshold: scores', scores, { rank: 1 }).dataSync() : scores,
  );
  if (values.length === 0 || values.some((v) => !Number.isFinite(v)))
    throw new InputError('anomalyThreshold: scores', 'a non-empty list of finite scores', `${values.length} values`);
  values.sort((a, b) => a - b);
  const pos = q * (values.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, values.length - 1);
  return values[lo] + (pos - lo) * (values[hi] - values[lo]);
}
