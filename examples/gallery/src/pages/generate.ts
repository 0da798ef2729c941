/**
 * Generate: a dense VAE (@tiefe/generative) on binarised MNIST digits, with samples from the prior and a walk
 * through latent space between two real digits (a slider); then a conditional GAN whose generator draws digits
 * of a chosen class (one row per class).
 */
import * as tf from '@tensorflow/tfjs-core';
import { lineChart } from '@tiefe/charts';
import { seed } from '@tiefe/core';
import { loadMnist } from '@tiefe/datasets';
import { GanTrainer, ganDiscriminator, ganGenerator, sampleGrid, type Vae, vae } from '@tiefe/generative';
import { button, canvas, drawRgba, liveChart, panel, row, slider } from '../ui/dom.js';
import { MNIST_URL, type PageContext, startPage, task } from '../ui/page.js';

const DIGITS = 1000;
const ROUND = 4;
const BATCH = 50;

async function mount({ app, report, progress, param }: PageContext): Promise<void> {
  const vaeRounds = param('steps', 40);
  const ganSteps = param('steps', 300);
  const data = await loadMnist({ dir: new URL(MNIST_URL, location.href).href, split: 'test', limit: DIGITS });
  const binary = tf.tidy(() => tf.cast(tf.greater(data.images, 0.5), 'float32'));
  const signed = tf.tidy(() => tf.sub(tf.mul(data.images, 2), 1));
  data.images.dispose();
  const controls = row(app);
  const charts = row(app);
  const lossSpec = (series: Record<string, number[]>, title: string, y: string) =>
    lineChart({
      title,
      x: { title: 'step' },
      y: { title: y },
      series: Object.entries(series).map(([name, v]) => ({
        name,
        points: v.length ? v.map((value, i) => [i + 1, value] as [number, number]) : [[0, 0]],
      })),
      width: 300,
      height: 180,
    });
  const vaeLoss: number[] = [];
  const dLoss: number[] = [];
  const gLoss: number[] = [];
  report.numbers = { vaeLoss, dLoss, gLoss };
  const vaeChart = liveChart(
    panel(charts, 'VAE'),
    'vae-chart',
    lossSpec({ 'negative ELBO': [] }, 'VAE training', 'nats per digit'),
  );
  const ganChart = liveChart(
    panel(charts, 'cGAN'),
    'gan-chart',
    lossSpec({ discriminator: [], generator: [] }, 'cGAN training', 'loss'),
  );
  const images = row(app);
  const samples = canvas(panel(images, 'VAE samples from the prior'), 'vae-samples', 168, 168);
  const walkBox = panel(images, 'Latent walk between two test digits');
  const walk = canvas(walkBox, 'vae-walk', 112, 112);
  const walkSlider = slider('walk', { min: 0, max: 1, step: 0.05, value: 0 });
  walkSlider.style.display = 'block';
  walkBox.append(walkSlider);
  const byClass = canvas(panel(images, 'cGAN digits by class (rows 0-9)'), 'gan-digits', 168, 280);

  let model: Vae | undefined;
  const ends = [tf.slice(binary, 0, 1), tf.slice(binary, 1, 1)];
  const drawWalk = async () => {
    if (!model) return;
    const t = Number(walkSlider.value);
    const [a, b] = ends.map((e) => (model as Vae).encode(e));
    const z = tf.tidy(() => tf.add(tf.mul(a.mean, 1 - t), tf.mul(b.mean, t)));
    const x = model.decode(z);
    drawRgba(walk, await sampleGrid(x, { scale: 1 }), 4);
    report.numbers.walk = t;
    tf.dispose([a.mean, a.logVar, b.mean, b.logVar, z, x]);
  };
  walkSlider.addEventListener('input', () => void drawWalk());
  const drawSamples = async (m: Vae) => {
    seed(1);
    const x = m.sample(36);
    seed(undefined);
    drawRgba(samples, await sampleGrid(x, { cols: 6 }), 1);
    x.dispose();
  };

  const train = task(report, async () => {
    for (const v of [vaeLoss, dLoss, gLoss]) v.length = 0;
    seed(3);
    const next = vae({ inputShape: [28, 28, 1], latentDim: 8, hidden: [128] });
    const generator = ganGenerator({
      outputShape: [28, 28, 1],
      kind: 'dense',
      latentDim: 32,
      classes: 10,
      filters: [128, 256],
    });
    const discriminator = ganDiscriminator({
      inputShape: [28, 28, 1],
      kind: 'dense',
      classes: 10,
      filters: [256, 128],
      auxiliaryClassifier: true,
    });
    seed(undefined);
    if (model) model.model.dispose();
    model = next;
    const m = next;
    const optimizer = tf.train.adam(2e-3);
    const gan = new GanTrainer({ generator, discriminator, labelSmoothing: 0.1 });
    try {
      let outcome = await progress.run('VAE', vaeRounds, async (i) => {
        const start = (i * ROUND * BATCH) % (DIGITS - ROUND * BATCH);
        const chunk = tf.slice(binary, start, ROUND * BATCH);
        const [epoch] = await m.train(chunk, { epochs: 1, batchSize: BATCH, optimizer });
        chunk.dispose();
        vaeLoss.push(epoch.loss);
        if (i % 5 === 4 || i === vaeRounds - 1) {
          await vaeChart.update(lossSpec({ 'negative ELBO': vaeLoss }, 'VAE training', 'nats per digit'));
          await drawSamples(m);
          await drawWalk();
        }
      });
      if (outcome === 'stopped') return outcome;
      outcome = await progress.run('cGAN', ganSteps, async (i) => {
        const start = (i * BATCH) % (DIGITS - BATCH);
        const [real, labels] = [tf.slice(signed, start, BATCH), tf.slice(data.labels, start, BATCH)];
        dLoss.push(await gan.discriminatorStep(real, labels));
        gLoss.push(await gan.generatorStep(BATCH));
        tf.dispose([real, labels]);
        if (i % 10 === 9 || i === ganSteps - 1) {
          await ganChart.update(lossSpec({ discriminator: dLoss, generator: gLoss }, 'cGAN training', 'loss'));
          seed(2);
          const classes = tf.tensor1d(Array.from({ length: 60 }, (_, k) => Math.floor(k / 6)));
          const digits = gan.generate(60, classes);
          seed(undefined);
          drawRgba(byClass, await sampleGrid(digits, { range: [-1, 1], cols: 6 }), 1);
          tf.dispose([classes, digits]);
        }
      });
      return outcome;
    } finally {
      optimizer.dispose();
      gan.dispose();
      generator.dispose();
      discriminator.dispose();
    }
  });
  button(controls, 'start', 'Train VAE, then cGAN', train);
}

startPage('generate', mount);
