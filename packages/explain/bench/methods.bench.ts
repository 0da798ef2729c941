/**
 * @tiefe/explain part 2 benchmark, on the MNIST CNN of `explain.bench.ts` (trained on 6000 real digits, cached):
 * for every method the time per explanation of a batch of 16 digits, AOPC (zeroing 2x2 regions, 50 steps),
 * deletion and insertion AUC (Petsiuk et al. 2018; probability, 2x2 regions, zero baseline, 49 steps) and the
 * cascading model-randomisation rank correlation (Adebayo et al. 2018; after randomising every layer); and the
 * pointing game per method on the synthetic 16x16 pattern task of the tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { seed } from '@tiefe/core';
import {
  composites,
  deepLift,
  gradCam,
  gradientShap,
  guidedGradCam,
  insertionDeletion,
  integratedGradients,
  lime,
  lrp,
  occlusion,
  pixelFlipping,
  randomisationCheck,
  saliency,
  smoothGrad,
  type Target,
} from '@tiefe/explain';
import type { BenchRow } from '../../../scripts/benchRow.js';
import { accuracy, train } from '../test/helpers.js';
import { pointingGame, syntheticCnn, syntheticTask } from '../test/synthetic.js';
import { digits, trainedCnn } from './explain.bench.js';

export const kind = 'accuracy';

type Method = (m: tfl.LayersModel, x: tf.Tensor, target: Target, ref: tf.Tensor) => Promise<tf.Tensor>;

const METHODS: Array<[string, Method]> = [
  ['LRP epsilonPlus', (m, x, target) => lrp(m, x, { target })],
  [
    'LRP epsilonGammaBox',
    (m, x, target) => lrp(m, x, { target, composite: composites.epsilonGammaBox({ low: 0, high: 1 }) }),
  ],
  ['LRP epsilonAlpha2Beta1', (m, x, target) => lrp(m, x, { target, composite: composites.epsilonAlpha2Beta1() })],
  ['saliency', (m, x, target) => saliency(m, x, { target })],
  ['SmoothGrad squared (50)', (m, x, target) => smoothGrad(m, x, { target, samples: 50, variant: 'squared' })],
  ['integratedGradients (32)', (m, x, target) => integratedGradients(m, x, { target, steps: 32 })],
  ['gradCam', (m, x, target) => gradCam(m, x, { target })],
  ['gradCam++', (m, x, target) => gradCam(m, x, { target, variant: 'gradCamPlusPlus' })],
  ['guidedGradCam', (m, x, target) => guidedGradCam(m, x, { target })],
  ['deepLift (baseline 0)', (m, x, target) => deepLift(m, x, { target })],
  [
    'gradientShap (50, 100 baselines)',
    (m, x, target, ref) => gradientShap(m, x, { target, baselines: ref, samples: 50 }),
  ],
  ['occlusion (4x4, stride 2)', (m, x, target) => occlusion(m, x, { target })],
  ['lime (4x4 cells, 200 samples)', (m, x, target) => lime(m, x, { target, samples: 200 })],
  [
    'lime (SLIC 16 segments, 200 samples)',
    (m, x, target) => lime(m, x, { target, samples: 200, superpixels: 'slic', slic: { nSegments: 16 } }),
  ],
];

export const backends = ['wasm', 'webgpu'];

export default async function bench(backend: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const model = await trainedCnn(backend);
  const sixteen = await digits(16, 9000);
  const ref = (await digits(100, 7000)).x;
  const x = sixteen.x;
  const target = sixteen.labels;
  const one = tf.slice(x, 0, 1);
  for (const [name, run] of METHODS) {
    (await run(model, one, target.slice(0, 1), ref)).dispose(); // warm up (WebGPU compiles its shaders here)
    const t0 = performance.now();
    const r = await run(model, x, target, ref);
    await r.data();
    rows.push({ case: `${name}: batch of 16 digits`, value: Math.round(performance.now() - t0), unit: 'ms' });
    if (backend !== 'wasm') {
      r.dispose();
      continue; // the faithfulness numbers do not depend on the backend (checked in the tests)
    }
    const aopc = (await pixelFlipping(model, x, r, { target, regionSize: 2, steps: 50, perturbation: 'zero' })).aopc;
    rows.push({ case: `${name}: AOPC (zero, 2x2, 50 steps)`, value: +aopc.toFixed(3), unit: 'logit' });
    const opts = { target, regionSize: 2, steps: 49 };
    const del = (await insertionDeletion(model, x, r, opts)).auc;
    const ins = (await insertionDeletion(model, x, r, { ...opts, mode: 'insertion' })).auc;
    rows.push({ case: `${name}: deletion AUC (lower is better)`, value: +del.toFixed(3), unit: 'probability' });
    rows.push({ case: `${name}: insertion AUC (higher is better)`, value: +ins.toFixed(3), unit: 'probability' });
    r.dispose();
    const rand = await randomisationCheck(model, x, (m, v) => run(m, v, target, ref), { seed: 1 });
    rows.push({
      case: `${name}: randomisation rank correlation (all layers)`,
      value: +rand.rankCorrelation[rand.rankCorrelation.length - 1].toFixed(3),
      unit: 'spearman',
      note: `after each layer from the top: ${rand.rankCorrelation.map((v) => v.toFixed(2)).join(', ')}`,
    });
  }
  if (backend === 'wasm') {
    const rnd = tf.randomUniform(x.shape, 0, 1, 'float32', 5);
    const del = (await insertionDeletion(model, x, rnd, { target, regionSize: 2, steps: 49 })).auc;
    const ins = (await insertionDeletion(model, x, rnd, { target, regionSize: 2, steps: 49, mode: 'insertion' })).auc;
    const aopc = (await pixelFlipping(model, x, 'random', { target, regionSize: 2, steps: 50, perturbation: 'zero' }))
      .aopc;
    rows.push({ case: 'random order: AOPC (zero, 2x2, 50 steps)', value: +aopc.toFixed(3), unit: 'logit' });
    rows.push({ case: 'random order: deletion AUC', value: +del.toFixed(3), unit: 'probability' });
    rows.push({ case: 'random order: insertion AUC', value: +ins.toFixed(3), unit: 'probability' });
    rnd.dispose();
    // Pointing game on the synthetic pattern task (the tests' CNN, trained here on 400 images).
    seed(1);
    const tr = syntheticTask(400, 1);
    const te = syntheticTask(40, 2);
    const cnn = syntheticCnn();
    await train(cnn, tr.x, tr.labels, 2, 6, 0.01);
    rows.push({
      case: 'pointing game: synthetic CNN test accuracy',
      value: accuracy(cnn, te.x, te.labels),
      unit: 'fraction',
    });
    const synthRef = tf.slice(tr.x, 0, 50);
    for (const [name, run] of METHODS) {
      const r = await run(cnn, te.x, te.labels, synthRef);
      rows.push({
        case: `pointing game ${name}`,
        value: await pointingGame(r, te.boxes),
        unit: 'fraction',
        note: '40 images',
      });
      r.dispose();
    }
    tf.dispose([tr.x, te.x, synthRef]);
    cnn.dispose();
  }
  tf.dispose([x, one, ref]);
  model.dispose();
  return rows;
}
