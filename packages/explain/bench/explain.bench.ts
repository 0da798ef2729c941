/**
 * @tiefe/explain benchmark: time per explanation of a batch of 16 MNIST digits for every method on each backend,
 * and the faithfulness (AOPC, region perturbation) of LRP and SmoothGrad against a random order, on a CNN
 * (conv8-relu-maxpool, conv16-relu-maxpool, dense10) trained on real digits.
 *
 * The CNN is trained once on the cpu backend (6000 digits of the MNIST test file, 2 epochs; MNIST's training
 * file is not in the shared data) and cached in the OS temp folder, so every backend explains the same model.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seed } from '@tiefe/core';
import { loadMnist } from '@tiefe/datasets';
import {
  composites,
  gradientTimesInput,
  integratedGradients,
  lrp,
  occlusion,
  pixelFlipping,
  predictionDifference,
  saliency,
  smoothGrad,
} from '@tiefe/explain';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'accuracy';

const MNIST = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const CACHE = join(tmpdir(), 'tiefe-explain-bench-cnn-v2'); // v2: saved with model.save('file://...')

/** `count` digits from index `offset` of the MNIST test file (`all`: the 10,000 read once with loadMnist). */
export async function digits(count: number, offset: number): Promise<{ x: tf.Tensor4D; labels: number[] }> {
  const all = await loadMnist({ dir: MNIST, split: 'test', limit: offset + count });
  const x = tf.slice(all.images, offset, count);
  const labels = Array.from(await all.labels.data()).slice(offset);
  tf.dispose([all.images, all.labels]);
  return { x, labels };
}

function buildCnn(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

export async function trainedCnn(backend: string): Promise<tfl.LayersModel> {
  if (existsSync(join(CACHE, 'model.json'))) return tfl.loadLayersModel(`file://${join(CACHE, 'model.json')}`);
  await tf.setBackend('cpu');
  seed(1);
  const m = buildCnn();
  const tr = await digits(6000, 0);
  const y = tf.tensor1d(tr.labels, 'float32');
  m.compile({ optimizer: tf.train.adam(0.003), loss: 'sparseCategoricalCrossentropy' });
  await m.fit(tr.x, y, { epochs: 2, batchSize: 64, shuffle: true, verbose: 0 });
  tf.dispose([tr.x, y]);
  await m.save(`file://${CACHE}`);
  await tf.setBackend(backend);
  return m;
}

export default async function bench(backend: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const model = await trainedCnn(backend);
  const held = await digits(2000, 8000);
  const pred = tf.tidy(() => tf.argMax(model.predict(held.x) as tf.Tensor, 1));
  const p = await pred.data();
  const acc = held.labels.filter((l, i) => l === p[i]).length / held.labels.length;
  tf.dispose([pred, held.x]);
  rows.push({ case: 'MNIST CNN accuracy (2000 held-out digits)', value: acc, unit: 'fraction' });

  const sixteen = await digits(16, 9000);
  const ref = (await digits(500, 7000)).x;
  const x = sixteen.x;
  const one = tf.slice(x, 0, 1);
  const methods: Array<[string, (inp: tf.Tensor) => Promise<tf.Tensor>, string]> = [
    ['saliency', (i) => saliency(model, i), ''],
    ['gradientTimesInput', (i) => gradientTimesInput(model, i), ''],
    ['integratedGradients (32 steps)', (i) => integratedGradients(model, i, { steps: 32 }), ''],
    ['smoothGrad (50 samples)', (i) => smoothGrad(model, i, { samples: 50 }), ''],
    ['occlusion (4x4, stride 2)', (i) => occlusion(model, i), ''],
    ['lrp epsilonPlus', (i) => lrp(model, i), ''],
    ['lrp epsilonGammaBox', (i) => lrp(model, i, { composite: composites.epsilonGammaBox({ low: 0, high: 1 }) }), ''],
    [
      'predictionDifference (conditional, 4x4, stride 2, 8 samples)',
      (i) => predictionDifference(model, i, { data: ref, windowSize: 4, stride: 2, samples: 8, batchSize: 512 }),
      '169 windows x 8 samples = 1352 forward passes per digit; Gaussians fitted to 500 digits',
    ],
  ];
  for (const [name, run, note] of methods) {
    (await run(one)).dispose(); // warm up (WebGPU compiles its shaders here)
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    const out = await run(x);
    await out.data();
    const ms = performance.now() - t0;
    out.dispose();
    rows.push({ case: `${name}: batch of 16 digits`, value: Math.round(ms), unit: 'ms', note: note || undefined });
    if (tf.memory().numTensors !== before)
      rows.push({
        case: `${name}: leaked tensors`,
        value: tf.memory().numTensors - before,
        unit: 'tensors',
        pass: false,
      });
  }

  // Faithfulness: AOPC on 64 digits with 2x2 regions, under two protocols: uniform noise over the first 20 of 196
  // regions (Samek et al. 2017; later steps mostly measure how noise alone destroys a digit) and zeroing 50 regions.
  const many = await digits(64, 9000);
  const protocols = [
    { label: 'uniform noise, 20 steps', opts: { target: many.labels, regionSize: 2, steps: 20, seed: 1 } },
    {
      label: 'zero, 50 steps',
      opts: { target: many.labels, regionSize: 2, steps: 50, seed: 1, perturbation: 'zero' as const },
    },
  ];
  const maps: Array<[string, () => Promise<tf.Tensor>]> = [
    ['LRP epsilonPlus', () => lrp(model, many.x, { target: many.labels })],
    [
      'LRP epsilonGammaBox',
      () => lrp(model, many.x, { target: many.labels, composite: composites.epsilonGammaBox({ low: 0, high: 1 }) }),
    ],
    [
      'LRP epsilonAlpha2Beta1',
      () => lrp(model, many.x, { target: many.labels, composite: composites.epsilonAlpha2Beta1() }),
    ],
    ['SmoothGrad squared', () => smoothGrad(model, many.x, { target: many.labels, samples: 50, variant: 'squared' })],
    ['gradient x input', () => gradientTimesInput(model, many.x, { target: many.labels })],
  ];
  const made: Array<[string, tf.Tensor]> = [];
  for (const [name, make] of maps) made.push([name, await make()]);
  for (const { label, opts } of protocols) {
    const random = (await pixelFlipping(model, many.x, 'random', opts)).aopc;
    rows.push({
      case: `AOPC random order (${label})`,
      value: +random.toFixed(3),
      unit: 'logit',
      note: '64 digits, 2x2 regions',
    });
    for (const [name, r] of made) {
      const aopc = (await pixelFlipping(model, many.x, r, opts)).aopc;
      rows.push({
        case: `AOPC ${name} (${label})`,
        value: +aopc.toFixed(3),
        unit: 'logit',
        target: `> 2 x random (${(2 * random).toFixed(3)})`,
        pass: aopc > 2 * random,
      });
    }
  }
  for (const [, r] of made) r.dispose();
  tf.dispose([x, one, ref, many.x]);
  model.dispose();
  return rows;
}
