import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, checkOneOf, checkOptions, InputError } from '@tiefe/core';
import {
  checkExamples,
  checkFinite,
  checkLabels,
  checkLabelsAsync,
  checkRange,
  minimizeOver,
  on,
  readScalar,
  rows,
  trainableVariables,
} from './internal.js';
import { type EpochOptions, runEpochs } from './loop.js';
import { checkTrunk, decoderTrunk, encoderTrunk, type TrunkOptions } from './networks.js';
import { reparameterize } from './reparameterize.js';

/**
 * The decoder's likelihood p(x|z): `'bernoulli'` (binary or [0, 1] data; the decoder outputs logits) or
 * `'gaussian'` (the decoder outputs the mean; fixed standard deviation `sigma`).
 */
export type Likelihood = 'bernoulli' | 'gaussian';

/** Options of {@link vae}. */
export interface VaeOptions extends TrunkOptions {
  /** Latent size (default 32). */
  latentDim?: number;
  /** Likelihood of the data (default `'bernoulli'`). */
  likelihood?: Likelihood;
  /** Standard deviation of the Gaussian likelihood (default 0.1; ignored for Bernoulli). */
  sigma?: number;
  /** Classes of a conditional VAE (labels go one-hot into encoder and decoder); default 0: unconditional. */
  classes?: number;
}

/** Options of {@link Vae.train}. */
export interface VaeTrainOptions extends EpochOptions {
  /** Class ids `[n]` (conditional VAE only). */
  labels?: tf.Tensor;
  /** Weight of the KL term (beta-VAE, Higgins et al. 2017); default 1 (the ELBO). */
  beta?: number;
  /** Steps over which the KL weight rises linearly from 0 to `beta` (KL warm-up, Sonderby et al. 2016); default 0. */
  warmupSteps?: number;
}

/** Per-example ELBO parts (means over the batch), in nats. */
export interface ElboParts {
  /** E_q[log p(x|z)], one sample of z. */
  logLikelihood: number;
  /** KL(q(z|x) || N(0, I)), closed form. */
  kl: number;
  /** logLikelihood - kl: a lower bound on log p(x). */
  elbo: number;
}

/**
 * A variational autoencoder (Kingma & Welling 2013). `encoder`: x (and the one-hot label for a conditional VAE)
 * -> `[mean, logVar]`; `decoder`: z (and the one-hot label) -> logits (Bernoulli) or mean (Gaussian). Both
 * are plain tfjs-layers models. The sampling step is the registered {@link Reparameterize} layer of `model`.
 */
export class Vae {
  constructor(
    /** x [, label] -> [mean, logVar]. */
    readonly encoder: tfl.LayersModel,
    /** z [, label] -> logits or mean. */
    readonly decoder: tfl.LayersModel,
    /** x [, label] -> decoder output through a sampled z (contains the Reparameterize layer). */
    readonly model: tfl.LayersModel,
    /** Likelihood of the data. */
    readonly likelihood: Likelihood,
    /** Gaussian standard deviation. */
    readonly sigma: number,
    /** Classes (0: unconditional). */
    readonly classes: number,
  ) {}

  /** Shape of one example. */
  get inputShape(): number[] {
    return this.encoder.inputs[0].shape.slice(1) as number[];
  }

  /** Latent size. */
  get latentDim(): number {
    return this.decoder.inputs[0].shape[1] as number;
  }

  private onehot(fn: string, labels: tf.Tensor | undefined, n: number): tf.Tensor | undefined {
    if (this.classes === 0) {
      if (labels !== undefined) throw new InputError(`${fn}: labels`, 'none (the VAE is not conditional)', 'labels');
      return undefined;
    }
    if (labels === undefined)
      throw new InputError(`${fn}: labels`, `class ids (the VAE has ${this.classes} classes)`, 'undefined');
    checkLabels(`${fn}: labels`, labels, n, this.classes);
    return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(labels, 'int32'), this.classes), 'float32'));
  }

  private encodeRaw(x: tf.Tensor, y: tf.Tensor | undefined, training = false): [tf.Tensor2D, tf.Tensor2D] {
    return this.encoder.apply(y ? [x, y] : x, { training }) as [tf.Tensor2D, tf.Tensor2D];
  }

  private decodeRaw(z: tf.Tensor, y: tf.Tensor | undefined, training = false): tf.Tensor {
    return this.decoder.apply(y ? [z, y] : z, { training }) as tf.Tensor;
  }

  /** log p(x|z) per example, `[n]`, from the decoder's raw output. */
  private logLikelihood(x: tf.Tensor, out: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => {
      const n = x.shape[0];
      const xf = tf.reshape(x, [n, -1]);
      const o = tf.reshape(out, [n, -1]);
      if (this.likelihood === 'bernoulli') return tf.sum(tf.sub(tf.mul(xf, o), tf.softplus(o)), 1) as tf.Tensor1D;
      const s2 = this.sigma * this.sigma;
      const d = xf.shape[1] as number;
      return tf.sub(
        tf.div(tf.sum(tf.squaredDifference(xf, o), 1), -2 * s2),
        0.5 * d * Math.log(2 * Math.PI * s2),
      ) as tf.Tensor1D;
    });
  }

  /** Mean and log-variance of q(z|x), each `[n, latentDim]`. */
  encode(x: tf.Tensor, labels?: tf.Tensor): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    checkExamples('Vae.encode: x', x, this.inputShape);
    const y = this.onehot('Vae.encode', labels, x.shape[0]);
    const [mean, logVar] = this.encodeRaw(x, y);
    y?.dispose();
    return { mean, logVar };
  }

  /** Decoded images (Bernoulli means, i.e. probabilities, or Gaussian means) of codes `[n, latentDim]`. */
  decode(z: tf.Tensor, labels?: tf.Tensor): tf.Tensor {
    checkExamples('Vae.decode: z', z, [this.latentDim]);
    const y = this.onehot('Vae.decode', labels, z.shape[0]);
    const out = tf.tidy(() => {
      const o = this.decodeRaw(z, y);
      return this.likelihood === 'bernoulli' ? tf.sigmoid(o) : o;
    });
    y?.dispose();
    return out;
  }

  /** `n` samples from the model: z ~ N(0, I), decoded. A conditional VAE needs `labels` (n class ids). */
  sample(n: number, labels?: tf.Tensor): tf.Tensor {
    checkInt('Vae.sample: n', n);
    const z = tf.randomNormal([n, this.latentDim]);
    try {
      return this.decode(z, labels);
    } finally {
      z.dispose();
    }
  }

  /**
   * Latent interpolation: decodes `steps` codes on the straight line between the posterior means of `a` and `b`
   * (each one example, `[1, ...inputShape]`), both ends included. Returns `[steps, ...inputShape]`.
   */
  interpolate(a: tf.Tensor, b: tf.Tensor, steps = 8, label?: number): tf.Tensor {
    checkExamples('Vae.interpolate: a', a, this.inputShape);
    checkExamples('Vae.interpolate: b', b, this.inputShape);
    if (a.shape[0] !== 1 || b.shape[0] !== 1)
      throw new InputError('Vae.interpolate: a', 'one example each', `${a.shape[0]} and ${b.shape[0]}`);
    checkInt('Vae.interpolate: steps', steps, 2);
    const lab = (k: number) => (this.classes ? tf.fill([k], label ?? Number.NaN) : undefined);
    const la = lab(1);
    const lb = lab(steps);
    try {
      const ea = this.encode(a, la);
      const eb = this.encode(b, la);
      const z = tf.tidy(() => {
        const t = tf.reshape(tf.linspace(0, 1, steps), [steps, 1]);
        return tf.add(tf.mul(tf.sub(1, t), ea.mean), tf.mul(t, eb.mean));
      });
      tf.dispose([ea.mean, ea.logVar, eb.mean, eb.logVar]);
      const out = this.decode(z, lb);
      z.dispose();
      return out;
    } finally {
      tf.dispose([la, lb].filter((t): t is tf.Tensor => t !== undefined));
    }
  }

  /** Per-example log-likelihood, KL and ELBO (one z sample each), differentiable; used by train and elbo. */
  private elboTensors(x: tf.Tensor, y: tf.Tensor | undefined, training: boolean): { ll: tf.Tensor1D; kl: tf.Tensor1D } {
    return tf.tidy(() => {
      const [mean, logVar] = this.encodeRaw(x, y, training);
      const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal(mean.shape)));
      const ll = this.logLikelihood(x, this.decodeRaw(z, y, training));
      const kl = tf.mul(
        0.5,
        tf.sum(tf.sub(tf.add(tf.exp(logVar), tf.square(mean)), tf.add(1, logVar)), 1),
      ) as tf.Tensor1D;
      return { ll, kl };
    });
  }

  /** The ELBO of a data set (means over the examples, in nats, one z sample per example). */
  async elbo(x: tf.Tensor, labels?: tf.Tensor, batchSize = 500): Promise<ElboParts> {
    checkExamples('Vae.elbo: x', x, this.inputShape);
    checkInt('Vae.elbo: batchSize', batchSize);
    const y = this.onehot('Vae.elbo', labels, x.shape[0]);
    let ll = 0;
    let kl = 0;
    for (let i = 0; i < x.shape[0]; i += batchSize) {
      const k = Math.min(batchSize, x.shape[0] - i);
      const sums = tf.tidy(() => {
        const r = this.elboTensors(tf.slice(x, i, k), y ? tf.slice(y, i, k) : undefined, false);
        return tf.stack([tf.sum(r.ll), tf.sum(r.kl)]);
      });
      const [a, b] = await sums.data();
      sums.dispose();
      ll += a;
      kl += b;
    }
    y?.dispose();
    const n = x.shape[0];
    return { logLikelihood: ll / n, kl: kl / n, elbo: (ll - kl) / n };
  }

  /**
   * Importance-weighted estimate of the negative log-likelihood (Burda et al. 2015), in nats per example:
   * `-mean_x log (1/k sum_i p(x, z_i) / q(z_i|x))` with `z_i ~ q(z|x)`. A lower bound on log p(x) tightening
   * with `k` (k = 1: the ELBO); the usual test figure with k = 200 or 5000.
   */
  async importanceWeightedNll(
    x: tf.Tensor,
    options: { k?: number; labels?: tf.Tensor; batchSize?: number } = {},
  ): Promise<number> {
    checkOptions('Vae.importanceWeightedNll: options', options);
    checkExamples('Vae.importanceWeightedNll: x', x, this.inputShape);
    const k = checkInt('Vae.importanceWeightedNll: k', options.k ?? 200);
    const batch = checkInt(
      'Vae.importanceWeightedNll: batchSize',
      options.batchSize ?? Math.max(1, Math.floor(4000 / k)),
    );
    const y = this.onehot('Vae.importanceWeightedNll', options.labels, x.shape[0]);
    const d = this.latentDim;
    let total = 0;
    for (let i = 0; i < x.shape[0]; i += batch) {
      const b = Math.min(batch, x.shape[0] - i);
      total += await readScalar(
        tf.tidy(() => {
          const xb = tf.slice(x, i, b);
          const yb = y ? tf.slice(y, i, b) : undefined;
          const [mean, logVar] = this.encodeRaw(xb, yb);
          // every example repeated k times, example-major: row e*k + j is sample j of example e
          const rep = (t: tf.Tensor) =>
            tf.reshape(tf.tile(tf.expandDims(t, 1), [1, k, ...t.shape.slice(1).map(() => 1)]), [
              b * k,
              ...t.shape.slice(1),
            ]);
          const m = rep(mean);
          const lv = rep(logVar);
          const eps = tf.randomNormal([b * k, d]);
          const z = tf.add(m, tf.mul(tf.exp(tf.mul(lv, 0.5)), eps));
          const ll = this.logLikelihood(rep(xb), this.decodeRaw(z, yb ? rep(yb) : undefined));
          const c = 0.5 * d * Math.log(2 * Math.PI);
          const logPz = tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 1)), c);
          const logQz = tf.sub(tf.mul(-0.5, tf.sum(tf.add(tf.square(eps), lv), 1)), c);
          const logW = tf.reshape(tf.add(ll, tf.sub(logPz, logQz)), [b, k]);
          return tf.sum(tf.sub(tf.logSumExp(logW, 1), Math.log(k)));
        }),
      );
    }
    y?.dispose();
    const nll = -total / x.shape[0];
    if (!Number.isFinite(nll))
      throw new InputError('Vae.importanceWeightedNll: x', 'data the model gives a finite likelihood', String(nll));
    return nll;
  }

  /**
   * Trains by maximising the ELBO (`loss` = -(log p(x|z) - beta_t * KL) per example, beta_t rising from 0 to
   * `beta` over `warmupSteps`) with custom steps over the VAE's trainable variables. Returns per-epoch means of
   * `loss`, `kl` and `logLikelihood`. Throws `TrainingDivergedError` on a NaN or infinite loss.
   */
  async train(x: tf.Tensor, options: VaeTrainOptions = {}): Promise<Record<string, number>[]> {
    checkOptions('Vae.train: options', options);
    checkExamples('Vae.train: x', x, this.inputShape);
    await checkFinite('Vae.train: x', x);
    const beta = checkNumber('Vae.train: beta', options.beta ?? 1, 0);
    const warmup = checkInt('Vae.train: warmupSteps', options.warmupSteps ?? 0, 0);
    if (this.likelihood === 'bernoulli') {
      await checkRange('Vae.train: x', x, 0, 1, 'values in [0, 1] for a Bernoulli likelihood');
    }
    if (this.classes && options.labels !== undefined)
      await checkLabelsAsync('Vae.train: labels', options.labels, x.shape[0], this.classes);
    const y = this.onehot('Vae.train', options.labels, x.shape[0]);
    const optimizer = options.optimizer ?? tf.train.adam(1e-3);
    const vars = [...trainableVariables(this.encoder), ...trainableVariables(this.decoder)];
    try {
      return await runEpochs('Vae.train', x.shape[0], options, async (idx, step) => {
        const xb = rows(x, idx);
        const yb = y ? rows(y, idx) : undefined;
        const w = warmup > 0 ? beta * Math.min(1, step / warmup) : beta;
        let parts: tf.Tensor | undefined;
        const loss = await minimizeOver(
          optimizer,
          vars,
          () =>
            tf.tidy(() => {
              const r = this.elboTensors(xb, yb, true);
              const mll = tf.mean(r.ll);
              const mkl = tf.mean(r.kl);
              // read after the step (asynchronously): kept outside the tidy
              parts = tf.keep(tf.stack([mll, mkl]));
              return tf.sub(tf.mul(w, mkl), mll) as tf.Scalar;
            }),
          'negative ELBO',
          step,
        );
        tf.dispose([xb, yb].filter((t): t is tf.Tensor => t !== undefined));
        const [ll, kl] = parts ? await parts.data() : [Number.NaN, Number.NaN];
        parts?.dispose();
        return { loss, kl, logLikelihood: ll };
      });
    } finally {
      y?.dispose();
      if (!options.optimizer) optimizer.dispose();
    }
  }
}

/**
 * Builds a dense or convolutional VAE (conditional when `classes` > 0).
 *
 * @example
 * const model = vae({ inputShape: [28, 28, 1], latentDim: 32 });
 * await model.train(binarised, { epochs: 10, warmupSteps: 500 });
 * const nll = await model.importanceWeightedNll(test, { k: 200 });
 */
export function vae(options: VaeOptions): Vae {
  checkOptions('vae: options', options);
  const t = checkTrunk('vae', options);
  const latentDim = checkInt('vae: latentDim', options.latentDim ?? 32);
  const likelihood = checkOneOf('vae: likelihood', options.likelihood ?? 'bernoulli', [
    'bernoulli',
    'gaussian',
  ] as const);
  const sigma = checkNumber('vae: sigma', options.sigma ?? 0.1, 1e-6);
  const classes = checkInt('vae: classes', options.classes ?? 0, 0);
  if (classes === 1) throw new InputError('vae: classes', '0 (unconditional) or at least 2', '1');
  const x = tfl.input({ shape: t.inputShape, name: 'x' });
  const yIn = classes ? tfl.input({ shape: [classes], name: 'label' }) : undefined;
  const h = encoderTrunk(x, t, yIn);
  const mean = on(tfl.layers.dense({ units: latentDim, name: 'z_mean' }), h);
  const logVar = on(tfl.layers.dense({ units: latentDim, name: 'z_log_var' }), h);
  const encoder = tfl.model({ inputs: yIn ? [x, yIn] : x, outputs: [mean, logVar], name: 'vae_encoder' });
  const zIn = tfl.input({ shape: [latentDim], name: 'z' });
  const yDec = classes ? tfl.input({ shape: [classes], name: 'label' }) : undefined;
  const zc = yDec ? on(tfl.layers.concatenate(), [zIn, yDec]) : zIn;
  const decoder = tfl.model({
    inputs: yDec ? [zIn, yDec] : zIn,
    outputs: decoderTrunk(zc, t, 'linear'),
    name: 'vae_decoder',
  });
  const [m, lv] = encoder.apply(yIn ? [x, yIn] : x) as tfl.SymbolicTensor[];
  const z = on(reparameterize({ name: 'z' }), [m, lv]);
  const out = decoder.apply(yIn ? [z, yIn] : z) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: yIn ? [x, yIn] : x, outputs: out, name: 'vae' });
  return new Vae(encoder, decoder, model, likelihood, sigma, classes);
}
