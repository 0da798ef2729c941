/**
 * Training step time of each model of @tiefe/generative on each backend: one optimizer step (GANs: one
 * discriminator and one generator step) on random data of MNIST size (pix2pix: 32x32 pairs), median of the timed
 * steps after two warm-up steps (shader compilation, optimizer slots). Times include reading the loss back.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  autoencoder,
  GanTrainer,
  ganDiscriminator,
  ganGenerator,
  Pix2PixTrainer,
  patchGan,
  pix2pixGenerator,
  vae,
} from '@tiefe/generative';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'speed';

export const backends = ['webgpu', 'wasm'];

async function median(step: () => Promise<unknown>, timed: number): Promise<number> {
  await step();
  await step();
  const t: number[] = [];
  for (let i = 0; i < timed; i++) {
    const t0 = performance.now();
    await step();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

export default async function bench(backend: string): Promise<BenchRow[]> {
  const timed = backend === 'webgpu' ? 3 : 7;
  const rows: BenchRow[] = [];
  const digits = tf.randomUniform([64, 28, 28, 1]);
  const binary = tf.tidy(() => tf.cast(tf.greater(digits, 0.5), 'float32'));
  const signed = tf.tidy(() => tf.sub(tf.mul(digits, 2), 1));
  const labels = tf.tidy(() => tf.floor(tf.randomUniform([64], 0, 10)));
  const add = (name: string, ms: number, note: string) => {
    rows.push({
      case: `${name} train step`,
      value: Number(ms.toFixed(1)),
      unit: 'ms/step',
      note: `${note}; median of ${timed}`,
    });
    process.stderr.write(`${name}: ${ms.toFixed(1)} ms\n`);
  };

  const opt = () => tf.train.adam(1e-3);
  const dense = vae({ inputShape: [28, 28, 1], latentDim: 32, hidden: [512, 256] });
  let o = opt();
  add(
    'dense VAE (784-512-256-32)',
    await median(() => dense.train(binary, { epochs: 1, batchSize: 64, optimizer: o }), timed),
    'batch 64',
  );
  o.dispose();
  const conv = vae({ inputShape: [28, 28, 1], latentDim: 32, kind: 'conv', filters: [32, 64] });
  o = opt();
  add(
    'conv VAE (32-64 stride-2 convs)',
    await median(() => conv.train(binary, { epochs: 1, batchSize: 64, optimizer: o }), timed),
    'batch 64',
  );
  o.dispose();
  const dae = autoencoder({ inputShape: [28, 28, 1], kind: 'conv', latentDim: 32, filters: [32, 64] });
  o = opt();
  add(
    'conv denoising autoencoder',
    await median(
      () => dae.train(digits, { epochs: 1, batchSize: 64, optimizer: o, noise: { type: 'gaussian', amount: 0.3 } }),
      timed,
    ),
    'batch 64, Gaussian noise 0.3',
  );
  o.dispose();
  for (const classes of [0, 10]) {
    const t = new GanTrainer({
      generator: ganGenerator({ outputShape: [28, 28, 1], latentDim: 64, classes, filters: [128, 64] }),
      discriminator: ganDiscriminator({ inputShape: [28, 28, 1], classes, filters: [64, 128] }),
    });
    const ms = await median(
      () => t.train(signed, { labels: classes ? labels : undefined, steps: 1, batchSize: 64 }),
      timed,
    );
    add(
      classes ? 'conditional DCGAN (D + G step)' : 'DCGAN (D + G step)',
      ms,
      'batch 64, G 7x7x128-14x14x64-28x28, D 64-128',
    );
    t.dispose();
  }
  // the dense GANs of gan.bench.ts: AC-GAN with a projection discriminator, and WGAN-GP (5 critic steps)
  for (const wgan of [false, true]) {
    const t = new GanTrainer({
      generator: ganGenerator({
        outputShape: [28, 28, 1],
        kind: 'dense',
        latentDim: 64,
        classes: wgan ? 0 : 10,
        filters: [256, 512, 1024],
      }),
      discriminator: ganDiscriminator({
        inputShape: [28, 28, 1],
        kind: 'dense',
        classes: wgan ? 0 : 10,
        filters: [512, 256],
        auxiliaryClassifier: !wgan,
      }),
      loss: wgan ? 'wgan-gp' : 'nonSaturating',
    });
    const ms = await median(
      () => t.train(signed, { labels: wgan ? undefined : labels, steps: 1, batchSize: 64 }),
      timed,
    );
    add(
      wgan ? 'dense WGAN-GP (5 critic steps with penalty + G step)' : 'conditional dense AC-GAN (D + G step)',
      ms,
      'batch 64, G 64-256-512-1024-784, D 784-512-256 (projection + class head for the AC-GAN)',
    );
    t.dispose();
  }
  const w = new GanTrainer({
    generator: ganGenerator({ outputShape: [28, 28, 1], latentDim: 64, filters: [128, 64] }),
    discriminator: ganDiscriminator({ inputShape: [28, 28, 1], filters: [64, 128], batchNorm: false }),
    loss: 'wgan-gp',
    discriminatorSteps: 1,
  });
  add(
    'WGAN-GP (critic step with penalty + G step)',
    await median(() => w.train(signed, { steps: 1, batchSize: 64 }), timed),
    'batch 64, same networks, critic without batch norm',
  );
  w.dispose();
  const p = new Pix2PixTrainer({
    generator: pix2pixGenerator({ inputShape: [32, 32, 4], depth: 3, baseFilters: 16 }),
    discriminator: patchGan({ inputShape: [32, 32, 4], filters: [32, 64, 128] }),
  });
  const a = tf.randomUniform([8, 32, 32, 4], -1, 1);
  const b = tf.randomUniform([8, 32, 32, 1], -1, 1);
  add(
    'pix2pix (D + G step)',
    await median(() => p.trainStep(a, b), timed),
    'batch 8, 32x32, U-Net depth 3 base 16, PatchGAN 32-64-128',
  );
  p.dispose();
  tf.dispose([digits, binary, signed, labels, a, b]);
  return rows;
}
