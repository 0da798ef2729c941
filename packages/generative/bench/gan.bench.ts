/**
 * What the GANs of @tiefe/generative reach on real MNIST digits (8,000 train / 2,000 test of the 10,000 in
 * ../shared/data/mnist) in a bench-sized budget on wasm, judged by a small CNN (blocks' smallCnn, 16-32 filters)
 * trained on the real training digits:
 * - the conditional DCGAN of ganSetups.ts (class projection discriminator with an auxiliary classifier, AC-GAN):
 *   the share of generated digits the CNN labels with their conditioning class;
 * - the unconditional DCGAN: the class histogram of its samples;
 * - each: the Frechet distance on the CNN's penultimate (dense 128) features, generated vs real test digits,
 *   against the same distance between two real halves.
 * Budgets by environment: CNN_EPOCHS (2), GAN_STEPS (300), UNCOND_STEPS (500). Progress and every row on
 * stderr as soon as measured.
 */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { smallCnn } from '@tiefe/blocks';
import { seed } from '@tiefe/core';
import { loadMnist, trainTestSplit } from '@tiefe/datasets';
import { frechetDistance } from '@tiefe/generative';
import type { BenchRow } from '../../../scripts/benchRow.js';
import { ganSetups } from './ganSetups.js';

export const kind = 'accuracy';

export const backends = ['wasm'];

const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const log = (s: string) => process.stderr.write(`${s}\n`);
const seconds = (t0: number) => (performance.now() - t0) / 1000;
/** The judge: smallCnn with half its default filters (a quarter of the cost), still ~97% on real test digits. */
const CNN_FILTERS: [number, number] = [16, 32];

function predictBatched(model: tfl.LayersModel, x: tf.Tensor): tf.Tensor {
  return model.predict(x, { batchSize: 250 }) as tf.Tensor;
}

export default async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const mnist = await loadMnist({ dir: MNIST_DIR, split: 'test' });
  seed(42);
  const { train, test } = trainTestSplit(mnist, { testSize: 2000, seed: 42, stratify: true });
  tf.dispose([mnist.images, mnist.labels]);
  {
    seed(4);
    const cnn = smallCnn({ filters: CNN_FILTERS });
    cnn.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const t0 = performance.now();
    const cnnEpochs = env('CNN_EPOCHS', 2);
    await cnn.fit(train.images, train.labels, { epochs: cnnEpochs, batchSize: 64, verbose: 0 });
    const cnnS = seconds(t0);
    const accReal = tf.tidy(() => {
      const p = tf.argMax(predictBatched(cnn, test.images), -1);
      return tf.mean(tf.cast(tf.equal(p, tf.cast(test.labels, 'int32')), 'float32')).dataSync()[0];
    });
    log(`classifier test accuracy ${accReal.toFixed(4)} (${cnnS.toFixed(0)} s)`);
    const dense = cnn.layers.filter((l) => l.getClassName() === 'Dense');
    const features = tfl.model({ inputs: cnn.inputs, outputs: dense[dense.length - 2].output as tfl.SymbolicTensor });
    const toUnit = (x: tf.Tensor) => tf.tidy(() => tf.div(tf.add(x, 1), 2));
    const realA = tf.slice(test.images, 0, 1000);
    const realB = tf.slice(test.images, 1000, 1000);
    const fA = predictBatched(features, realA);
    const fB = predictBatched(features, realB);
    const fdReal = frechetDistance(fA, fB);
    const steps = env('GAN_STEPS', 300);
    const uncondSteps = env('UNCOND_STEPS', 500);
    const signed = tf.tidy(() => tf.sub(tf.mul(train.images, 2), 1));
    const judge = `judged by smallCnn (filters ${CNN_FILTERS.join('-')}, ${cnnEpochs} epochs on the 8,000 training digits, ${cnnS.toFixed(0)} s, ${(100 * accReal).toFixed(2)}% on real test digits)`;
    for (const setup of ganSetups) {
      const { name, classes } = setup;
      const n = classes ? steps : uncondSteps;
      if (n <= 0) continue;
      seed(5 + classes);
      const trainer = setup.build();
      const t1 = performance.now();
      await trainer.train(signed, {
        labels: classes ? train.labels : undefined,
        steps: n,
        batchSize: 64,
        onStep: (s, l) => {
          if (s % 100 === 0)
            log(`${name} step ${s}: D ${l.dLoss.toFixed(3)} G ${l.gLoss.toFixed(3)} (${seconds(t1).toFixed(0)} s)`);
        },
      });
      const ganS = seconds(t1);
      const wanted = tf.tensor1d(Array.from({ length: 1000 }, (_, i) => i % 10));
      const fake = trainer.generate(1000, classes ? wanted : undefined);
      const fakeUnit = toUnit(fake);
      const predicted = tf.tidy(() => tf.argMax(predictBatched(cnn, fakeUnit), -1));
      const pred = Array.from(predicted.dataSync());
      const fF = predictBatched(features, fakeUnit);
      const fd = frechetDistance(fF, fB);
      const config = `${setup.description}, ${n} G steps: ${ganS.toFixed(0)} s training (${((1000 * ganS) / n).toFixed(0)} ms/step on 2 shared, loaded cores)`;
      if (classes) {
        const acc = pred.filter((p, i) => p === i % 10).length / pred.length;
        log(`${name} class accuracy ${acc.toFixed(3)}, FD ${fd.toFixed(2)} (real halves ${fdReal.toFixed(2)})`);
        rows.push({
          case: `${name}: share of 1,000 generated digits the classifier labels with their conditioning class`,
          value: Number((100 * acc).toFixed(2)),
          unit: '%',
          target: '>= 90',
          pass: acc >= 0.9,
          note: `${config}; ${judge}`,
        });
      } else {
        const hist = Array.from({ length: 10 }, (_, c) => pred.filter((p) => p === c).length / pred.length);
        const min = Math.min(...hist);
        log(`${name} class histogram ${hist.map((h) => h.toFixed(3)).join(' ')}, FD ${fd.toFixed(2)}`);
        rows.push({
          case: `${name}: smallest class share among 1,000 samples (classifier labels)`,
          value: Number((100 * min).toFixed(2)),
          unit: '%',
          target: '>= 5 (half of a uniform share)',
          pass: min >= 0.05,
          note: `histogram ${hist.map((h) => (100 * h).toFixed(1)).join('/')} % for 0..9; ${config}; ${judge}`,
        });
      }
      rows.push({
        case: `${name}: Frechet distance, classifier penultimate features, 1,000 generated vs 1,000 real test digits`,
        value: Number(fd.toFixed(2)),
        unit: 'FD',
        note: `the same distance between two real halves (1,000 vs 1,000 test digits): ${fdReal.toFixed(2)}; dense-128 features of the smallCnn above; ${config}`,
      });
      tf.dispose([wanted, fake, fakeUnit, predicted, fF]);
      trainer.dispose();
      trainer.generator.dispose();
      trainer.discriminator.dispose();
    }
    tf.dispose([realA, realB, fA, fB, signed]);
    cnn.dispose();
  }
  tf.dispose([train.images, train.labels, test.images, test.labels]);
  return rows;
}
