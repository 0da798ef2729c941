import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  composites,
  deepLift,
  gradCam,
  gradientShap,
  gradientTimesInput,
  guidedBackprop,
  guidedGradCam,
  integratedGradients,
  lime,
  lrp,
  occlusion,
  pixelFlipping,
  predictionDifference,
  rules,
  saliency,
  smoothGrad,
} from '../src/index.js';
import { fixWeights, relErr, uniform } from './helpers.js';

// Every method on the webgpu backend against cpu, on a tiny CNN with BatchNorm, a residual Add and average/max
// pooling. Tolerance: max |webgpu - cpu| <= 1e-4 * max |cpu| (float32 on both; summation orders differ;
// measured at most 3e-6).
const TOL = 1e-4;
let model: tfl.LayersModel;
let x: tf.Tensor;
let ref: tf.Tensor;
// Part 2, finish: a SeparableConv2D net and a masked Embedding + Bidirectional LSTM on padded tokens.
let sepModel: tfl.LayersModel;
let seqModel: tfl.LayersModel;
let tokens: tf.Tensor;

beforeAll(async () => {
  await initBackend({ prefer: ['webgpu'] });
  await tf.setBackend('cpu');
  const inp = tfl.input({ shape: [6, 6, 1] });
  let h = tfl.layers
    .conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false })
    .apply(inp) as tfl.SymbolicTensor;
  h = tfl.layers.batchNormalization({}).apply(h) as tfl.SymbolicTensor;
  const a = tfl.layers.reLU().apply(h) as tfl.SymbolicTensor;
  const b = tfl.layers
    .conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(a) as tfl.SymbolicTensor;
  const s = tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor;
  const p = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(s) as tfl.SymbolicTensor;
  const q = tfl.layers.averagePooling2d({ poolSize: 3 }).apply(p) as tfl.SymbolicTensor;
  const f = tfl.layers.flatten().apply(q) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(f) as tfl.SymbolicTensor;
  model = tfl.model({ inputs: inp, outputs: out });
  fixWeights(model, 7, 0.7);
  const bn = model.layers[2];
  const [g, be, mu, v] = bn.getWeights();
  const pv = tf.add(tf.abs(v), 0.5);
  bn.setWeights([g, be, mu, pv]);
  pv.dispose();
  x = uniform([2, 6, 6, 1], 1, 0, 1);
  ref = uniform([20, 6, 6, 1], 2, 0, 1);
  sepModel = tfl.sequential({
    layers: [
      tfl.layers.separableConv2d({
        inputShape: [6, 6, 1],
        filters: 2,
        kernelSize: 3,
        depthMultiplier: 2,
        activation: 'relu',
      }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 2 }),
    ],
  });
  fixWeights(sepModel, 8, 0.7);
  const t = tfl.input({ shape: [5] });
  const e = tfl.layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true }).apply(t) as tfl.SymbolicTensor;
  const bi = tfl.layers
    .bidirectional({ layer: tfl.layers.lstm({ units: 3 }) as tfl.RNN, mergeMode: 'sum' })
    .apply(e) as tfl.SymbolicTensor;
  seqModel = tfl.model({ inputs: t, outputs: tfl.layers.dense({ units: 2 }).apply(bi) as tfl.SymbolicTensor });
  fixWeights(seqModel, 9, 1);
  tokens = tf.tensor2d([
    [3, 1, 5, 0, 0],
    [0, 2, 4, 1, 2],
  ]);
});

type Method = [string, () => Promise<tf.Tensor>];
const methods = (): Method[] => [
  ['saliency', () => saliency(model, x, { target: [0, 2] })],
  ['gradientTimesInput', () => gradientTimesInput(model, x)],
  ['integratedGradients', () => integratedGradients(model, x, { steps: 8 })],
  ['smoothGrad', () => smoothGrad(model, x, { samples: 6, seed: 3 })],
  ['smoothGrad vargrad', () => smoothGrad(model, x, { samples: 6, seed: 3, variant: 'vargrad' })],
  ['occlusion', () => occlusion(model, x, { size: 2, stride: 2 })],
  ['gradCam', () => gradCam(model, x, { target: 1 })],
  ['gradCam++', () => gradCam(model, x, { target: 1, variant: 'gradCamPlusPlus' })],
  ['guidedBackprop', () => guidedBackprop(model, x, { target: 1 })],
  ['guidedGradCam', () => guidedGradCam(model, x, { target: 1 })],
  ['deepLift', () => deepLift(model, x, { target: 1, baseline: 0.1 })],
  ['gradientShap', () => gradientShap(model, x, { target: 1, baselines: ref, samples: 4, seed: 2 })],
  ['lime', () => lime(model, x, { target: 1, cellSize: 2, samples: 16 })],
  ['lime slic', () => lime(model, x, { target: 1, superpixels: 'slic', slic: { nSegments: 4 }, samples: 16 })],
  ['lrp SeparableConv2D', () => lrp(sepModel, x, { target: 1 })],
  ['lrp masked Bidirectional LSTM', () => lrp(seqModel, tokens, { target: 1 })],
  ['lrp epsilonPlus', () => lrp(model, x, { target: 1 })],
  ['lrp alpha2beta1', () => lrp(model, x, { target: 1, composite: composites.epsilonAlpha2Beta1() })],
  ['lrp gammaBox', () => lrp(model, x, { target: 1, composite: composites.epsilonGammaBox({ low: 0, high: 1 }) })],
  [
    'lrp flat/wSquare',
    () => lrp(model, x, { target: 1, rule: rules.wSquare(), layerRules: { [model.layers[1].name]: rules.flat() } }),
  ],
  [
    'pda marginal',
    () => predictionDifference(model, x, { data: ref, sampling: 'marginal', windowSize: 2, stride: 2, samples: 3 }),
  ],
  [
    'pda conditional',
    () => predictionDifference(model, x, { data: ref, windowSize: 2, stride: 2, padding: 1, samples: 3 }),
  ],
];

describe('webgpu matches cpu and leaks no tensors', () => {
  // All cpu results first: tensors that moved to webgpu cannot come back synchronously in Node.
  const cpu: Float32Array[] = [];
  let cpuCurve: number[] = [];
  let relevance: tf.Tensor;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    for (const [, run] of methods()) {
      const c = await run();
      cpu.push((await c.data()) as Float32Array);
      c.dispose();
    }
    relevance = await lrp(model, x, { target: 1 });
    cpuCurve = (await pixelFlipping(model, x, relevance, { target: 1, regionSize: 2 })).curve;
    await tf.setBackend('webgpu');
  });

  test.each(methods().map(([name], i) => [name, i] as const))('%s', async (name, i) => {
    expect(tf.getBackend()).toBe('webgpu');
    const before = tf.memory().numTensors;
    const g = await methods()[i][1]();
    const gpu = await g.data();
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.max(...Array.from(cpu[i], Math.abs))).toBeGreaterThan(1e-4); // not a trivial all-zero map
    const err = relErr(gpu, cpu[i]);
    console.log(`webgpu vs cpu, ${name}: max |diff| / max |cpu| = ${err.toExponential(2)}`);
    expect(err).toBeLessThan(TOL);
  });

  test('pixelFlipping', async () => {
    const before = tf.memory().numTensors;
    const g = await pixelFlipping(model, x, relevance, { target: 1, regionSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(relErr(g.curve, cpuCurve)).toBeLessThan(TOL);
  });
});
