/**
 * Training step time of each model of @tiefe/generative on each backend: one optimizer step (GANs: one
 * discriminator and one generator step) on random data of MNIST size (pix2pix: 32x32 pairs) after one warm-up
 * step (shader compilation, optimizer slots); median of 5 timed steps on wasm, one timed step on webgpu (on the
 * CPU-emulated adapter here a conv step takes seconds; the whole file stays within ~3 minutes). Times include
 * reading the loss back. The GANs are those of gan.bench.ts (ganSetups.ts).
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
import { D_FILTERS, G_FILTERS, ganSetups, LATENT } from './ganSetups.js';

export const kind = 'speed';

export const backends = ['webgpu', 'wasm'];

async function median(step: () => Promise<unknown>, timed: number): Promise<number> {
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
  const timed = backend === 'webgpu' ? 1 : 5;
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
      note: `${note}; ${timed === 1 ? 'one step' : `median of ${timed} steps`} after one warm-up`,
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
  const ganShape = `batch 64, G 7x7x${G_FILTERS[0]}-14x14x${G_FILTERS[1]}-28x28, D ${D_FILTERS.join('-')}`;
  for (const setup of ganSetups) {
    const t = setup.build();
    const ms = await median(
      () => t.train(signed, { labels: setup.classes ? labels : undefined, steps: 1, batchSize: 64 }),
      timed,
    );
    add(`${setup.name} (D + G step)`, ms, `${ganShape}${setup.classes ? ', class projection + AC-GAN head' : ''}`);
    t.dispose();
    t.generator.dispose();
    t.discriminator.dispose();
  }
  const w = new GanTrainer({
    generator: ganGenerator({ outputShape: [28, 28, 1], latentDim: LATENT, filters: G_FILTERS }),
    discriminator: ganDiscriminator({ inputShape: [28, 28, 1], filters: D_FILTERS, batchNorm: false }),
    loss: 'wgan-gp',
    discriminatorSteps: 1,
  });
  add(
    'WGAN-GP (critic step with penalty + G step)',
    await median(() => w.train(signed, { steps: 1, batchSize: 64 }), timed),
    `${ganShape}, critic without batch norm`,
  );
  w.dispose();
  w.generator.dispose();
  w.discriminator.dispose();
  const g = new GanTrainer({
    generator: ganGenerator({ outputShape: [28, 28, 1], kind: 'dense', latentDim: LATENT, filters: [256, 512, 1024] }),
    discriminator: ganDiscriminator({ inputShape: [28, 28, 1], kind: 'dense', filters: [512, 256] }),
  });
  add(
    'dense GAN (D + G step)',
    await median(() => g.train(signed, { steps: 1, batchSize: 64 }), timed),
    'batch 64, G 64-256-512-1024-784, D 784-512-256',
  );
  g.dispose();
  g.generator.dispose();
  g.discriminator.dispose();
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
